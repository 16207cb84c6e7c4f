// Enterprises in a region prefix ('' = all), optionally one USCC, a name fragment or a provider type.
MATCH (e:Enterprise)
WHERE e.region_code STARTS WITH $prefix
  AND ($uscc IS NULL OR e.uscc = $uscc)
  AND ($q IS NULL OR e.name CONTAINS $q)
  AND ($provider_type IS NULL OR $provider_type IN e.provider_types)
  AND ($after IS NULL OR e.uscc > $after)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.industry_code AS industry_code,
       e.industry_kind AS industry_kind, e.is_manufacturer AS is_manufacturer,
       e.provider_types AS provider_types, e.credit_ok AS credit_ok
ORDER BY e.uscc
LIMIT $limit
