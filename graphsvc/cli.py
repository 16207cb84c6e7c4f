"""The `graphsvc` command line (click, as Flask's own CLI)."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from graphsvc.core import config
from graphsvc.core.cli_context import CliContext, fail, pass_ctx

DEMO_ORDER = ("enterprises", "recognitions", "supplies", "memberships", "capacities", "projects", "deliveries")

# The features' commands (each module's COMMANDS), by name. A module is imported only when one
# of its commands runs: together they import NumPy, PyArrow and openpyxl, seconds of start-up
# that `graphsvc serve` or `graphsvc import` would otherwise pay (tests/test_operator.py checks
# this table against the modules).
FEATURE_COMMANDS = {
    "graphsvc.accounts.commands": ("user", "token"),
    "graphsvc.contractors.commands": ("recommend", "recommend-refit"),
    "graphsvc.deliveries.commands": ("deliveries", "assessment"),
    "graphsvc.demo.accounts": ("demo-accounts",),
    "graphsvc.local_supply.commands": ("local-supply", "coverage"),
    "graphsvc.orders.commands": ("orders",),
    "graphsvc.programmes.commands": ("eligibility", "subsidy", "targets", "export"),
    "graphsvc.enterprises.commands": ("graph",),
}


class LazyGroup(click.Group):
    """A click group that imports a feature's commands module when one of its commands is asked for."""

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *(n for names in FEATURE_COMMANDS.values() for n in names)})

    def get_command(self, ctx, cmd_name):
        for module, names in FEATURE_COMMANDS.items():
            if cmd_name in names:
                import importlib

                return {c.name: c for c in importlib.import_module(module).COMMANDS}[cmd_name]
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="graphsvc", prog_name="graphsvc")
@click.pass_context
def cli(ctx):
    """graphsvc — 智造供需图谱 (smart-manufacturing supply-and-demand graph)."""
    ctx.obj = CliContext()


def main():
    from graphsvc.core.store import StoreError

    try:
        cli(standalone_mode=True)
    except StoreError as exc:
        fail(str(exc))


@cli.command()
@pass_ctx
def init(c: CliContext):
    """Create the schema and load the reference data (idempotent)."""
    click.echo(json.dumps(c.store.counts(), ensure_ascii=False))


def _print_report(rep: dict) -> None:
    click.echo(f"{rep['kind']}: {rep['status']} — rows {rep['rows']}, accepted {rep['accepted']}, "
               f"rejected {rep['rejected']}, created {rep['created']}, updated {rep['updated']}, "
               f"relationships {rep['relationships']}")
    for w in rep.get("warnings", []):
        click.echo(f"  warning: {w}")
    for e in rep["errors"][:200]:
        where = f"row {e['row']}, {e['field']}" if e.get("row") is not None else f"file {e.get('file', rep['filename'])}"
        click.echo(f"  {where}: {e['reason']}")
    if len(rep["errors"]) > 200:
        click.echo(f"  … {len(rep['errors']) - 200} more errors (use --json for all)")


def do_import(store, kind: str, path: Path, *, dry_run=False, partial=False, as_json=False,
              progress=True, actor="cli", historical=False, progress_lines=False) -> dict:
    from tqdm import tqdm

    from loaders.importer import run_import

    bars: dict = {}

    def on_progress(stage, done, total):
        if progress_lines:
            click.echo(f"progress {kind} {stage} {done}/{total}", err=True)
            return
        # Bars only where a person watches a long import; logs and tests stay clean.
        if not progress or total < 20000 or not sys.stderr.isatty():
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{kind} {stage}", unit="行", leave=False)
        bar.n = done
        bar.refresh()

    try:
        rep = run_import(store, kind, path.read_bytes(), path.name, dry_run=dry_run, partial=partial,
                         progress=on_progress, actor=actor, historical=historical).as_dict()
    finally:
        for bar in bars.values():
            bar.close()
    if as_json:
        click.echo(json.dumps(rep, ensure_ascii=False, indent=1))
    else:
        _print_report(rep)
    return rep


@cli.command("import")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--partial", is_flag=True, help="Write the good rows and report the rest.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--historical", is_flag=True,
              help="Deliveries only: records that predate the ledger, imported with their status "
                   "(confirmed, disputed, withdrawn) on the importer's word; audited as vouched for.")
@click.option("--progress-lines", is_flag=True,
              help="Report progress as lines on stderr ('progress KIND STAGE DONE/TOTAL'), for scripts and logs.")
@pass_ctx
def import_cmd(c: CliContext, kind, file, dry_run, partial, as_json, historical, progress_lines):
    """Import FILE (.csv or .xlsx) of KIND: enterprises, supplies, deliveries, recognitions,
    projects, memberships, capacities."""
    from loaders.importer import UnknownKind
    from loaders.read import FileError

    # GRAPHSVC_MAX_UPLOAD_MB bounds HTTP uploads; a local file of any size is the operator's call.
    try:
        rep = do_import(c.store, kind, file, dry_run=dry_run, partial=partial, as_json=as_json,
                        actor=os.environ.get("USER") or "cli", historical=historical, progress_lines=progress_lines)
    except (UnknownKind, FileError) as exc:
        fail(str(exc))
    if rep["status"] == "failed":
        sys.exit(2)
    if rep["status"] == "rejected":
        sys.exit(1)


def load_demo(store, scale: str, out: Path | None = None, seed: int = 2023, progress: bool = True) -> dict:
    from graphsvc.demo import generate as demo

    if out is not None:
        return load_demo_files(store, demo.generate(scale, out, seed=seed), progress=progress)
    # The generated files are only the importers' input: nothing is left in the temp directory.
    with tempfile.TemporaryDirectory(prefix=f"graphsvc-demo-{scale}-") as tmp:
        return load_demo_files(store, demo.generate(scale, Path(tmp), seed=seed), progress=progress)


def load_demo_files(store, files: dict, progress: bool = True) -> dict:
    """Import generated demo files in dependency order, through the same loaders users use."""
    reports = {}
    for kind in DEMO_ORDER:
        # The demo's confirmed deliveries stand for history that predates the ledger.
        reports[kind] = do_import(store, kind, files[kind], progress=progress, actor="demo",
                                  historical=kind == "deliveries")
        if reports[kind]["status"] != "ok":
            raise click.ClickException(f"demo {kind} import was rejected")
    return reports


@cli.command()
@click.option("--scale", default="small", show_default=True, callback=lambda _c, _p, v: _demo_scale(v),
              help="small, province (200k enterprises), national (10x province) or N: N times the province.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Keep the generated files here.")
@click.option("--seed", default=2023, show_default=True)
@click.option("--no-load", is_flag=True, help="Only write the import files.")
@pass_ctx
def demo(c: CliContext, scale, out, seed, no_load):
    """Generate the deterministic synthetic Zhejiang and load it through the importers."""
    if no_load:
        from graphsvc.demo import generate as demo_mod

        out = out or Path(".")
        for kind, path in demo_mod.generate(scale, out, seed=seed).items():
            click.echo(f"{kind}: {path}")
        return
    load_demo(c.store, scale, out, seed)


def _demo_scale(value: str) -> str:
    from graphsvc.demo.generate import scale_of

    try:
        scale_of(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", type=int, help="Neo4j mode only; the embedded engine allows one process.")
@click.option("--threads", default=8, show_default=True)
def serve(host, port, workers, threads):
    """Serve the web app with gunicorn (embedded mode: one worker with threads)."""
    settings = config.load()
    if settings.engine == "ladybug":
        if workers and workers > 1:
            click.echo("note: LadybugDB allows one read-write process per database; using 1 worker", err=True)
        workers = 1
    else:
        workers = workers or (2 * (os.cpu_count() or 1) + 1)
    # No --preload: the database must be opened after the fork (docs/domain-model.md §9).
    from web.security import InsecureConfig, check_secret

    try:
        check_secret(settings)
    except InsecureConfig as exc:
        fail(str(exc))
    # Timeouts and request limits against slow and oversized clients: web/gunicorn_conf.py.
    args = ["gunicorn", "--config", "python:web.gunicorn_conf", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-", "web:create_app()"]
    os.execvp(sys.executable, [sys.executable, "-m", *args])


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@pass_ctx
def backup(c: CliContext, out_dir):
    """Write the whole graph (accounts and audit included) as CSV files plus a manifest."""
    from graphsvc.core.backup import backup as do_backup

    manifest = do_backup(c.store, out_dir)
    total = sum(f["count"] for f in manifest["files"].values())
    click.echo(f"wrote {len(manifest['files'])} files, {total} records, to {out_dir}")


@cli.command()
@click.argument("in_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_ctx
def restore(c: CliContext, in_dir):
    """Restore a backup into an empty store (either engine)."""
    from graphsvc.core.backup import BackupError, restore as do_restore

    try:
        counts = do_restore(c.store, in_dir)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"restored {sum(counts.values())} records from {in_dir}")


@cli.group()
def changelog():
    """The change log the in-memory projections follow (docs/projection.md)."""


@changelog.command("status")
@pass_ctx
def changelog_status(c: CliContext):
    """The log's head sequence, how many entries it keeps and the oldest."""
    row = c.store.read_one("core/changelog_count") or {}
    click.echo(json.dumps({"head": c.store.change_head(), "entries": row.get("entries", 0),
                           "oldest": row.get("oldest")}))


@changelog.command("compact")
@click.option("--keep", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Newest entries to keep (at least 1).")
@click.option("--older-than-days", type=click.FloatRange(min=0), default=None,
              help="Delete only entries written more than this many days ago.")
@pass_ctx
def changelog_compact(c: CliContext, keep, older_than_days):
    """Delete old change-log entries. A running projection that has not read them yet rebuilds
    from the database when it next serves (correct, only slower): keep more entries than the
    writes of the longest time a worker may stay idle."""
    import datetime as dt

    before = None
    if older_than_days is not None:
        before = (dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)).isoformat(timespec="microseconds")
    click.echo(json.dumps(c.store.compact_changes(keep, before)))


if __name__ == "__main__":
    main()
