// Every delivery with the facts a connection path names (graphsvc/enterprises/projection.py).
MATCH (d:Delivery)
RETURN d.id AS id, d.status AS status, d.contract_amount_wan AS contract_amount_wan,
       d.accepted_date AS accepted_date, d.signed_date AS signed_date
