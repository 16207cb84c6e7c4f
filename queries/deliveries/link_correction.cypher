// A correction points at the record it corrects (a confirmed delivery is never edited).
MATCH (n:Delivery {id: $id})
MATCH (o:Delivery {id: $corrects})
CREATE (n)-[:CORRECTS]->(o)
RETURN n.id AS id
