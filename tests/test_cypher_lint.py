"""Lint every queries/*.cypher file with Neo4j's Cypher front-end.

The linter is tools/cypher-lint/lint.mjs (npm @neo4j-cypher/language-support).
Its node_modules are installed by the set-up step `npm ci --prefix tools/cypher-lint`;
this test installs nothing and fails (does not skip) when they are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_DIR = ROOT / "tools" / "cypher-lint"
LINT = LINT_DIR / "lint.mjs"
QUERIES = ROOT / "queries"
SETUP_HINT = "run the set-up step: npm ci --prefix tools/cypher-lint"


def _require_linter() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"`node` is not on PATH; the Cypher linter needs Node.js ({SETUP_HINT})")
    pkg = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
    if not pkg.is_file():
        pytest.fail(f"{LINT_DIR / 'node_modules'} is missing or incomplete: {SETUP_HINT}")
    return node


def run_lint(files: list[Path], *extra: str) -> tuple[int, list[dict], str]:
    """Run the linter once over all files; return (exit code, diagnostics, stderr)."""
    node = _require_linter()
    proc = subprocess.run(
        [node, str(LINT), *extra, *map(str, files)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    if proc.returncode not in (0, 1):
        pytest.fail(f"linter crashed (exit {proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    try:
        diags = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"linter printed no JSON:\n{proc.stdout}\n{proc.stderr}")
    return proc.returncode, diags, proc.stderr


def fmt(diags: list[dict]) -> str:
    return "\n".join(
        f"{Path(d['file']).name}:{d['line']}:{d['column']}: {d['severity']}: {d['message']}" for d in diags
    )


def schema_from_graphsvc() -> dict | None:
    """The linter's schema JSON derived from graphsvc.core.schema (NODES, LOG, RELS), if available.

    With it, unknown labels, relationship types and property keys, and impossible
    (:A)-[:T]->(:B) patterns are lint errors.
    """
    try:
        from graphsvc.core import schema
    except ImportError:
        return None
    nodes, rels = getattr(schema, "NODES", None), getattr(schema, "RELS", None)
    if not isinstance(nodes, dict) or not isinstance(rels, dict):
        return None
    nodes = {**nodes, **getattr(schema, "LOG", {})}  # the change log's bookkeeping labels
    props = {p for spec in [*nodes.values(), *rels.values()] for p in spec.get("props", {})}
    return {
        "labels": sorted(nodes),
        "relationshipTypes": sorted(rels),
        "propertyKeys": sorted(props),
        "graphSchema": [{"from": r["from"], "to": r["to"], "relType": t} for t, r in sorted(rels.items())],
    }


def query_files() -> list[Path]:
    return sorted(QUERIES.glob("*/*.cypher"))


def test_queries_folder_is_not_empty():
    assert query_files(), f"no .cypher files in {QUERIES}: nothing would be linted"


def test_all_queries_lint_clean(tmp_path):
    files = query_files()
    assert files, f"no .cypher files in {QUERIES}"
    extra: list[str] = []
    schema = schema_from_graphsvc()
    if schema is None:
        print("graphsvc.core.schema NODES/RELS not found: labels, types and properties not checked")
    else:
        (tmp_path / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
        extra = ["--schema", str(tmp_path / "schema.json")]
    code, diags, stderr = run_lint(files, *extra)
    errors = [d for d in diags if d["severity"] == "error"]
    warnings = [d for d in diags if d["severity"] != "error"]
    if warnings:
        print("Cypher lint warnings (not failing):\n" + fmt(warnings))
    assert not errors, f"Cypher lint errors in {len(files)} file(s):\n{fmt(errors)}"
    assert code == 0, f"linter exited {code} without reporting errors:\n{stderr}"
    for d in diags:
        assert set(d) == {"file", "line", "column", "severity", "message"}


GOOD = """// Products supplied by one enterprise.
// params: $uscc, $limit
MATCH (e:Enterprise {uscc: $uscc})-[:SUPPLIES]->(p:Product)
WHERE p.name IS NOT NULL
RETURN e.name AS enterprise, p.name AS product
ORDER BY product
LIMIT $limit
"""

BAD = {
    # Syntax error: unclosed node pattern, misspelt RETURN.
    "broken.cypher": ("MATCH (e:Enterprise {uscc: $uscc}\nRETRN e\n", 2, "Invalid input"),
    # Removed in Neo4j 5: exists() on a property.
    "removed_exists.cypher": (
        "// old 4.x style\nMATCH (e:Enterprise)\nWHERE exists(e.uscc)\nRETURN e\n",
        3,
        "no longer supported",
    ),
    # Removed in Neo4j 5: {param} parameter syntax.
    "removed_param.cypher": ("MATCH (e:Enterprise) WHERE e.uscc = {uscc} RETURN e\n", 1, "Invalid input"),
    # Deprecated in Neo4j 5: id(); deprecations fail.
    "deprecated_id.cypher": ("MATCH (e:Enterprise) RETURN id(e) AS i\n", 1, "deprecated"),
    # Not a Neo4j function.
    "unknown_fn.cypher": ("RETURN list_concat([1], [2]) AS l\n", 1, "list_concat is not present"),
    # Two statements in one file.
    "two.cypher": ("MATCH (n) RETURN n;\nMATCH (m) RETURN m;\n", 1, "expected one query"),
    # Comment only.
    "comment_only.cypher": ("// nothing but a comment\n", None, None),
}


def test_linter_accepts_good_query_and_ignores_parameters(tmp_path):
    good = tmp_path / "good.cypher"
    good.write_text(GOOD, encoding="utf-8")
    code, diags, _ = run_lint([good])
    assert code == 0 and diags == [], fmt(diags)


def test_linter_flags_broken_and_removed_constructs(tmp_path):
    files = []
    for name, (text, *_rest) in BAD.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    good = tmp_path / "good.cypher"
    good.write_text(GOOD, encoding="utf-8")
    code, diags, _ = run_lint([*files, good])
    assert code == 1, f"linter should fail on broken queries:\n{fmt(diags)}"
    by_file: dict[str, list[dict]] = {}
    for d in diags:
        by_file.setdefault(Path(d["file"]).name, []).append(d)
    assert "good.cypher" not in by_file, fmt(by_file["good.cypher"])
    for name, (_text, line, needle) in BAD.items():
        errs = [d for d in by_file.get(name, []) if d["severity"] == "error"]
        assert errs, f"{name}: no error reported; got {fmt(by_file.get(name, []))!r}"
        if needle is not None:
            hits = [d for d in errs if needle in d["message"]]
            assert hits, f"{name}: no error mentioning {needle!r}:\n{fmt(errs)}"
            assert hits[0]["line"] == line, f"{name}: wrong line:\n{fmt(hits)}"
            assert hits[0]["column"] >= 1


def test_linter_checks_schema_when_given(tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "labels": ["Enterprise", "Region"],
                "relationshipTypes": ["SUPPLIES", "LOCATED_IN"],
                "propertyKeys": ["uscc", "name", "code"],
                "graphSchema": [
                    {"from": "Enterprise", "to": "Enterprise", "relType": "SUPPLIES"},
                    {"from": "Enterprise", "to": "Region", "relType": "LOCATED_IN"},
                ],
            }
        ),
        encoding="utf-8",
    )
    good = tmp_path / "good.cypher"
    good.write_text(
        "MATCH (e:Enterprise {uscc: $uscc})-[:LOCATED_IN]->(r:Region)\n"
        "MATCH (s:Enterprise)-[:SUPPLIES]->(e)\nRETURN s.name, r.code\n",
        encoding="utf-8",
    )
    typo = tmp_path / "typo.cypher"
    typo.write_text("MATCH (e:Enterprize)-[:SUPPLIES]->(p:Enterprise)\nRETURN e.nme\n", encoding="utf-8")
    wrong_way = tmp_path / "wrong_way.cypher"
    wrong_way.write_text("MATCH (r:Region)-[:LOCATED_IN]->(e:Enterprise)\nRETURN r.code\n", encoding="utf-8")
    code, diags, _ = run_lint([good, typo, wrong_way], "--schema", str(schema))
    assert code == 1

    def errors_of(name: str) -> list[str]:
        return [d["message"] for d in diags if d["severity"] == "error" and Path(d["file"]).name == name]

    assert any(m.startswith("Label Enterprize is not present") for m in errors_of("typo.cypher")), diags
    assert any(m.startswith("nme is not present") for m in errors_of("typo.cypher")), diags
    assert any("has no" in m and "LOCATED_IN" in m for m in errors_of("wrong_way.cypher")), diags
    assert not [d for d in diags if Path(d["file"]).name == "good.cypher"], fmt(diags)


def test_project_schema_is_derivable():
    """graphsvc.core.schema provides what the lint needs, so schema checks are not silently off."""
    schema = schema_from_graphsvc()
    assert schema is not None, "graphsvc.core.schema.NODES / RELS missing: update schema_from_graphsvc()"
    assert schema["labels"] and schema["relationshipTypes"] and schema["propertyKeys"]
