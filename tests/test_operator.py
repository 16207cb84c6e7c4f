"""What a new operator meets first (issue #14, "smaller"): help texts, --version, the data
directory where they run, a second `make run`, the README's demo accounts, default years."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from graphsvc.core import config
from tests.conftest import NEO4J, ROOT


def _cli(*args, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphsvc.cli", *args], cwd=cwd, env=env or os.environ,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command,words", [
    (("user", "add"), ("--password-stdin", "--scope", "--uscc", "POST /api/v1/users")),
    (("token", "create"), ("Bearer", "--no-expiry", "--days", "/api/v1/users/<username>/tokens")),
    (("user", "enable"), ("Enable",)),
    (("user", "list"), ("List",)),
])
def test_commands_explain_themselves(command, words):
    out = _cli(*command, "--help").stdout
    for w in words:
        assert w in out, (command, w, out)


def test_version():
    p = _cli("--version")
    assert p.returncode == 0 and re.fullmatch(r"graphsvc, version \d+\.\d+\.\d+\n", p.stdout)


def test_data_dir_defaults_to_data_where_you_run(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHSVC_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.load(secret_key="k" * 40).data_dir == tmp_path / "data"
    monkeypatch.setenv("GRAPHSVC_DATA_DIR", "elsewhere")
    assert config.load(secret_key="k" * 40).data_dir == tmp_path / "elsewhere"


def test_second_make_run_says_the_database_is_in_use_without_a_traceback(server):
    if NEO4J:
        pytest.skip("checks the embedded database's lock; a Neo4j server is shared by design")
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(server.data_dir)}
    p = subprocess.run([sys.executable, "-m", "graphsvc.demo.accounts", "--ensure-demo"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    # The engine's own words follow on a second line; no stack of frames before them.
    assert p.stderr.startswith("error: database") and "in use" in p.stderr and len(p.stderr.splitlines()) <= 3


def test_readme_lists_the_demo_accounts_make_run_prints(accounts):
    readme = (ROOT / "README.md").read_text()
    para = readme.split("`make run` prints")[1].split("A second")[0]
    listed = set(re.findall(r"`([a-z_0-9]+)`", para)) - {"graphsvc-demo", "make"}
    assert listed == set(accounts)
    for var in ("GRAPHSVC_CHROMIUM", "GRAPHSVC_BENCH_DIR", "GRAPHSVC_DATA_DIR"):
        assert f"`{var}`" in readme


def test_targets_default_to_the_year_the_overview_shows(api):
    hz = api("hz_bureau")
    overview = hz.get("/api/v1/dashboard/summary").json()["year"]
    targets = hz.get("/api/v1/targets?region=330100")
    assert targets.status_code == 200 and targets.json()["year"] == overview


def test_the_lazy_command_table_names_every_feature_command():
    """graphsvc.cli imports a feature's commands module only when one of its commands runs: its
    table must name exactly each module's COMMANDS, and no name twice."""
    import importlib

    from graphsvc.cli import FEATURE_COMMANDS, cli

    for module, names in FEATURE_COMMANDS.items():
        assert tuple(c.name for c in importlib.import_module(module).COMMANDS) == names, module
    listed = [n for names in FEATURE_COMMANDS.values() for n in names]
    assert len(listed) == len(set(listed)) and not set(listed) & set(cli.commands), listed
