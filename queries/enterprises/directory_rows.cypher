// The enterprises a change named, as enterprises/directory returns them (key lookups).
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.industry_code AS industry_code,
       e.industry_kind AS industry_kind, e.is_manufacturer AS is_manufacturer,
       e.provider_types AS provider_types, e.credit_ok AS credit_ok
