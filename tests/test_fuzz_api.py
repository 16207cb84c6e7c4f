"""Schemathesis against the OpenAPI document on a running app (real HTTP, demo data):
no 5xx, and every response matches its documented schema (issue #3). Bounded examples.

The fuzzer writes (claims, imports, confirmations), so it gets a server of its own.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.conftest import Server, _copy_data

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_server(demo_template, tmp_path_factory):
    d = _copy_data(demo_template, tmp_path_factory.mktemp("fuzz"))
    srv = Server(d, d / "server.log")
    yield srv
    srv.stop()


def _fuzz(url: str, token: str, examples: int) -> tuple[list[str], list[str], int]:
    """Fuzz every operation; return (failures, labels of the calls made, number of operations)."""
    schema = schemathesis.openapi.from_url(url + "/api/v1/openapi.json")
    failures, calls = [], []

    def runner(op):
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            calls.append(op.label)
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=60)

        return run

    ops = [result.ok() for result in schema.get_all_operations()]
    for op in ops:
        try:
            runner(op)()
        except Exception as exc:  # collected and reported together
            failures.append(f"{op.label}: {str(exc)[:1500]}")
    return failures, calls, len(ops)


@pytest.mark.parametrize("user,examples", [("admin", 12), ("bj_bureau", 4), ("provider", 4)])
def test_fuzz(fuzz_server, accounts, user, examples):
    failures, calls, n_ops = _fuzz(fuzz_server.url, accounts[user]["token"], examples)
    assert not failures, "\n\n".join(failures)
    assert len(set(calls)) == n_ops, "every operation was exercised"
    assert len(calls) >= 2 * n_ops
