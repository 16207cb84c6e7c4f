// The dashboard projection's enterprise flags (graphsvc/dashboard/projection.py), counted the
// way dashboard/enterprise_counts counts them.
MATCH (e:Enterprise)
RETURN e.uscc AS uscc,
       CASE WHEN e.is_manufacturer THEN 1 ELSE 0 END AS manufacturer,
       CASE WHEN size(e.provider_types) > 0 THEN 1 ELSE 0 END AS provider
