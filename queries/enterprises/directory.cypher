// Every enterprise with the fields the enterprise list shows (the in-memory directory,
// graphsvc.enterprises.directory, is built from it once per process).
MATCH (e:Enterprise)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.industry_code AS industry_code,
       e.industry_kind AS industry_kind, e.is_manufacturer AS is_manufacturer,
       e.provider_types AS provider_types, e.credit_ok AS credit_ok
