// Supplies in $year into each of $usccs (one tier outward, upstream), with both ends' names and
// regions. The year is filtered after WITH, as in local_supply/tier2 (an edge filter in the
// MATCH returned no rows on LadybugDB 0.22). An IN-list on the label, not UNWIND + key match:
// followed by the relationship pattern, the UNWIND form was planned as a scan of every SUPPLIES
// edge and filled the buffer pool on the province graph.
MATCH (b:Enterprise)
WHERE b.uscc IN $usccs
MATCH (s:Enterprise)-[e:SUPPLIES]->(b)
WITH b, s, e
WHERE e.year = $year
RETURN s.uscc AS supplier_uscc, b.uscc AS buyer_uscc, e.amount_wan AS amount_wan, e.segment_id AS segment_id,
       e.supplier_region AS supplier_region, s.name AS supplier_name, b.name AS buyer_name,
       b.region_code AS buyer_region
