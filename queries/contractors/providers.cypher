// Every enterprise offering at least one of the six provider types, with what the hard
// filters, the C2 check and the size term need.
MATCH (e:Enterprise)
WHERE size(e.provider_types) > 0
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.provider_types AS provider_types,
       e.credit_ok AS credit_ok, e.high_tech AS high_tech, e.rd_spend_wan AS rd_spend_wan,
       e.rd_staff AS rd_staff, e.revenue_wan AS revenue_wan
