// The manufacturer a recommendation is for.
MATCH (m:Enterprise {uscc: $uscc})
RETURN m.uscc AS uscc, m.name AS name, m.region_code AS region_code, m.industry_code AS industry_code,
       m.industry_kind AS industry_kind, m.is_manufacturer AS is_manufacturer
