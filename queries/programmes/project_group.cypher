// The other projects of a "1+N" group (rule A2.2), each with its owner: the projects sharing
// $group_id, and those linked to project $id by LEADS (its "1", its "N"s, the "1"'s other "N"s).
// Rows may repeat a project; the caller keeps one per id.
MATCH (q:Project)
WHERE q.group_id = $group_id AND ($id IS NULL OR q.id <> $id)
OPTIONAL MATCH (o:Enterprise)-[:OWNS]->(q)
RETURN q AS project, o AS owner
UNION ALL
MATCH (p:Project {id: $id})-[:LEADS]-(q:Project)
OPTIONAL MATCH (o:Enterprise)-[:OWNS]->(q)
RETURN q AS project, o AS owner
UNION ALL
MATCH (p:Project {id: $id})<-[:LEADS]-(lead:Project)
MATCH (lead)-[:LEADS]->(q:Project)
WHERE q.id <> p.id
OPTIONAL MATCH (o:Enterprise)-[:OWNS]->(q)
RETURN q AS project, o AS owner
