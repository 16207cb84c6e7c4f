// Per 链主工厂 registered under $leader_prefix and per year ($year null: every year): the supply
// it received and its distinct suppliers, in total and from suppliers registered under $prefix.
// One row per 链主工厂 recognition: a leader with two records appears twice with the same
// figures (graphsvc/ratios.py keeps one). Locality is a CASE in the aggregate on purpose: on
// LadybugDB 0.22 a filter on the supplier next to the filter on the edge in one WHERE returned
// wrong rows (edges of other years), and starting from the leaders avoids hash-joining a scan of
// every supply. The supplier's region is read from the edge (supplier_region), not the
// supplier node: at province scale that random read was most of the time. Suppliers are
// counted by grouping per supplier first (a supplier's region is the same on all its edges),
// which is cheaper on LadybugDB than two count(DISTINCT …) over nodes.
MATCH (s:Enterprise)-[e:SUPPLIES]->(l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂' AND l.region_code STARTS WITH $leader_prefix
  AND ($year IS NULL OR e.year = $year)
WITH l, r, e.year AS year, s, sum(e.amount_wan) AS amount,
     max(CASE WHEN e.supplier_region STARTS WITH $prefix THEN 1 ELSE 0 END) AS is_local
RETURN l.uscc AS uscc, r.id AS recognition_id, year,
       sum(amount) AS total_amount, count(*) AS suppliers,
       sum(CASE WHEN is_local = 1 THEN amount ELSE 0.0 END) AS local_amount,
       sum(is_local) AS local_suppliers
