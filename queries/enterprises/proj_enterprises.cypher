// Every enterprise with what the explore projection holds (graphsvc/enterprises/projection.py).
MATCH (e:Enterprise)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.credit_ok AS credit_ok,
       e.revenue_wan AS revenue_wan, e.is_manufacturer AS is_manufacturer
