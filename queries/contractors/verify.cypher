// Live check of the hard filters for the providers about to be returned (key lookups).
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.provider_types AS provider_types,
       e.credit_ok AS credit_ok
