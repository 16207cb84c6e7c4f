// Capacities valid on $today for the given processes, of the member factories of the
// 聚能工厂 $ecosystem that are not on the 失信 list (credit_ok false).
MATCH (p:Enterprise {uscc: $ecosystem})-[:ORGANIZES]->(e:Enterprise)
MATCH (e)-[:HAS_CAPACITY]->(c:Capacity)
WHERE c.process IN $processes
  AND (e.credit_ok IS NULL OR e.credit_ok = true)
  AND (c.valid_from IS NULL OR c.valid_from <= $today)
  AND (c.valid_to IS NULL OR c.valid_to >= $today)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, c.process AS process,
       c.units_per_week AS units_per_week, c.unit_cost_yuan AS unit_cost_yuan,
       c.setup_cost_yuan AS setup_cost_yuan, c.valid_from AS valid_from
ORDER BY uscc, process, valid_from
