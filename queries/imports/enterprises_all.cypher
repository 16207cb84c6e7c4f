// Every stored enterprise with the facts imports validate against: one scan instead of key
// lookups when a file names many enterprises (a province supplies file names 200k).
MATCH (e:Enterprise)
RETURN e.uscc AS uscc, e.industry_kind AS industry_kind, e.provider_types AS provider_types,
       e.region_code AS region_code
