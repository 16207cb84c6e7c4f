// Supply links whose supplier was ever a delivery's client, with the first year on record:
// the only links that can tie a provider to a manufacturer (its buyers, its suppliers and
// its leaders' other suppliers). Read by the as-of evaluation and the weight refit.
MATCH (d:Delivery)-[:`FOR`]->(a:Enterprise)
WITH DISTINCT a
MATCH (a)-[s:SUPPLIES]->(b:Enterprise)
RETURN a.uscc AS supplier, b.uscc AS buyer, min(s.year) AS year
