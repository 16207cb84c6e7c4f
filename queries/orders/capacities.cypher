// Capacities valid on $today for the given processes, of every factory registered under the
// region prefix $prefix ('' for all) that is not on the 失信 list (credit_ok false).
MATCH (e:Enterprise)-[:HAS_CAPACITY]->(c:Capacity)
WHERE c.process IN $processes
  AND e.region_code STARTS WITH $prefix
  AND (e.credit_ok IS NULL OR e.credit_ok = true)
  AND (c.valid_from IS NULL OR c.valid_from <= $today)
  AND (c.valid_to IS NULL OR c.valid_to >= $today)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, c.process AS process,
       c.units_per_week AS units_per_week, c.unit_cost_yuan AS unit_cost_yuan,
       c.setup_cost_yuan AS setup_cost_yuan, c.valid_from AS valid_from
ORDER BY uscc, process, valid_from
