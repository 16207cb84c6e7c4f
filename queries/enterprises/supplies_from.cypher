// Supplies in $year out of each of $usccs (one tier outward, downstream), with both ends' names
// and regions (the mirror of enterprises/supplies_into).
MATCH (s:Enterprise)
WHERE s.uscc IN $usccs
MATCH (s)-[e:SUPPLIES]->(b:Enterprise)
WITH b, s, e
WHERE e.year = $year
RETURN s.uscc AS supplier_uscc, b.uscc AS buyer_uscc, e.amount_wan AS amount_wan, e.segment_id AS segment_id,
       e.supplier_region AS supplier_region, s.name AS supplier_name, b.name AS buyer_name,
       b.region_code AS buyer_region
