// Every chain leader's direct suppliers that have a confirmed delivery on record (the only
// chain peers that can tie a provider to a manufacturer); read once per index, in the background.
MATCH (l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = $leader_kind
MATCH (l)<-[:SUPPLIES]-(x:Enterprise)<-[:`FOR`]-(d:Delivery)
WHERE d.status = 'confirmed'
RETURN DISTINCT l.uscc AS leader, x.uscc AS supplier
