// Every enterprise's name, former names, region and industry: the matching index is built from these.
MATCH (e:Enterprise)
RETURN e.uscc AS uscc, e.name AS name, e.former_names AS former_names, e.region_code AS region_code,
       e.industry_code AS industry_code
ORDER BY e.uscc
