// The enterprises a change named: what the provider tables and the clients' industry need
// (key lookups).
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.provider_types AS provider_types,
       e.credit_ok AS credit_ok, e.high_tech AS high_tech, e.rd_spend_wan AS rd_spend_wan,
       e.rd_staff AS rd_staff, e.revenue_wan AS revenue_wan, e.industry_code AS industry_code,
       e.industry_kind AS industry_kind
