"""The figure tests that recount the demo graph by hand (pandas), run again on Neo4j: the
local-supply table and leader details, coverage, recommendations, assessments, dashboards and
programmes must come out the same as the recount there too, and the dashboard's projection
the same as its Cypher files after writes."""
from __future__ import annotations

from tests import (test_assessment, test_dashboard, test_dashboard_projection, test_local_supply_store, test_programmes,
                   test_recommend)
from tests.engines import rerun_on_neo4j

for _module in (test_local_supply_store, test_recommend, test_assessment, test_dashboard, test_dashboard_projection,
                test_programmes):
    rerun_on_neo4j(_module, globals())
