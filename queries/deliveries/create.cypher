// A new claimed delivery, linked to its supplier and its client (the ledger API's claim).
MATCH (s:Enterprise {uscc: $supplier_uscc})
MATCH (c:Enterprise {uscc: $client_uscc})
CREATE (d:Delivery {id: $id, supplier_uscc: $supplier_uscc, client_uscc: $client_uscc, kind: $kind,
                    provider_type: $provider_type, unit: $unit, quantity: $quantity,
                    contract_amount_wan: $contract_amount_wan, signed_date: $signed_date,
                    accepted_date: $accepted_date, status: 'claimed', rating: $rating,
                    corrects: $corrects, created_at: $created_at, created_by: $created_by})
CREATE (s)-[:DELIVERED]->(d)
CREATE (d)-[:`FOR`]->(c)
RETURN d AS delivery
