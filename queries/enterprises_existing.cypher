// Which of the given USCCs are stored, with the facts imports validate against.
MATCH (e:Enterprise)
WHERE e.uscc IN $usccs
RETURN e.uscc AS uscc, e.industry_kind AS industry_kind, e.provider_types AS provider_types,
       e.region_code AS region_code
