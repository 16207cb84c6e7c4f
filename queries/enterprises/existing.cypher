// Which of the given USCCs are stored, with the facts imports validate against.
// UNWIND + key match is a primary-key lookup per value on both engines (an IN-list filter
// scans the whole label on LadybugDB).
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})
RETURN e.uscc AS uscc, e.name AS name, e.industry_kind AS industry_kind, e.provider_types AS provider_types,
       e.region_code AS region_code
