// Name and region of each of $usccs (a primary-key lookup per value).
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code
