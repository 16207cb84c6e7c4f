// Live check of the hard filters for the providers about to be returned.
MATCH (e:Enterprise)
WHERE e.uscc IN $usccs
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.provider_types AS provider_types,
       e.credit_ok AS credit_ok
