// Enterprises, manufacturers and providers (provider_types not empty) per region code under a prefix.
MATCH (e:Enterprise)
WHERE e.region_code STARTS WITH $prefix
RETURN e.region_code AS region_code,
       count(e) AS enterprises,
       sum(CASE WHEN e.is_manufacturer THEN 1 ELSE 0 END) AS manufacturers,
       sum(CASE WHEN size(e.provider_types) > 0 THEN 1 ELSE 0 END) AS providers
ORDER BY region_code
