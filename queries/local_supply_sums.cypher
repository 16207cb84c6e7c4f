// Per 链主工厂 registered under $leader_prefix and per year ($year null: every year): the supply
// it received and its distinct suppliers, in total and from suppliers registered under $prefix.
// One row per 链主工厂 recognition: a leader with two records appears twice with the same
// figures (graphsvc/ratios.py keeps one). Locality is a CASE in the aggregate on purpose: on
// LadybugDB 0.22 a filter on the supplier next to the filter on the edge in one WHERE returned
// wrong rows (edges of other years), and starting from the leaders avoids hash-joining a scan of
// every supply. The supplier's region is read from the edge (supplier_region), not the
// supplier node: at province scale that random read was most of the time.
MATCH (s:Enterprise)-[e:SUPPLIES]->(l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂' AND l.region_code STARTS WITH $leader_prefix
  AND ($year IS NULL OR e.year = $year)
RETURN l.uscc AS uscc, r.id AS recognition_id, e.year AS year,
       sum(e.amount_wan) AS total_amount, count(DISTINCT s) AS suppliers,
       sum(CASE WHEN e.supplier_region STARTS WITH $prefix THEN e.amount_wan ELSE 0.0 END) AS local_amount,
       count(DISTINCT CASE WHEN e.supplier_region STARTS WITH $prefix THEN s ELSE NULL END) AS local_suppliers
