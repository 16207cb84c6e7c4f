// The region of each enterprise an account is bound to (decides which bureau may manage it).
MATCH (e:Enterprise)
WHERE e.uscc IN $usccs
RETURN e.uscc AS uscc, e.region_code AS region_code, e.name AS name
