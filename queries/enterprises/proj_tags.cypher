// The one property of projects ("1+N" group), recognitions (kind) and segments (chain) the
// explore projection needs, as (label, key, value) rows.
MATCH (p:Project)
RETURN 'Project' AS label, p.id AS id, p.group_id AS value
UNION ALL
MATCH (r:Recognition)
RETURN 'Recognition' AS label, r.id AS id, r.kind AS value
UNION ALL
MATCH (s:Segment)
RETURN 'Segment' AS label, s.id AS id, s.chain_id AS value
