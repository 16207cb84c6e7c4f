"""The assessment and forms 附件1 / 附件2 served from the projection, run again on Neo4j: the
deliveries and projects parts build and follow writes there as on LadybugDB."""
from __future__ import annotations

from tests import test_assessment_forms_projection
from tests.engines import rerun_on_neo4j

rerun_on_neo4j(test_assessment_forms_projection, globals())
