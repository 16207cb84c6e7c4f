"""The `graphsvc` command line (click, as Flask's own CLI)."""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import tempfile
from pathlib import Path

import click

from graphsvc import config

DEMO_ORDER = ("enterprises", "recognitions", "supplies", "memberships", "projects", "deliveries")


class Ctx:
    def __init__(self):
        self.settings = config.load()
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from graphsvc.reference_graph import ensure_reference
            from graphsvc.store import open_store

            self._store = open_store(self.settings)
            ensure_reference(self._store)
        return self._store


pass_ctx = click.make_pass_decorator(Ctx, ensure=True)


@click.group()
@click.pass_context
def cli(ctx):
    """graphsvc — 智造供需图谱 (smart-manufacturing supply-and-demand graph)."""
    ctx.obj = Ctx()


def _fail(msg: str, code: int = 2):
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def main():
    from graphsvc.store import StoreError

    try:
        cli(standalone_mode=True)
    except StoreError as exc:
        _fail(str(exc))


@cli.command()
@pass_ctx
def init(c: Ctx):
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
              progress=True, actor="cli") -> dict:
    from tqdm import tqdm

    from loaders.importer import run_import

    bars: dict = {}

    def on_progress(stage, done, total):
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
                         progress=on_progress, actor=actor).as_dict()
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
@pass_ctx
def import_cmd(c: Ctx, kind, file, dry_run, partial, as_json):
    """Import FILE (.csv or .xlsx) of KIND: enterprises, supplies, deliveries, recognitions,
    projects, memberships."""
    from loaders.importer import UnknownKind
    from loaders.read import FileError

    # GRAPHSVC_MAX_UPLOAD_MB bounds HTTP uploads; a local file of any size is the operator's call.
    try:
        rep = do_import(c.store, kind, file, dry_run=dry_run, partial=partial, as_json=as_json)
    except (UnknownKind, FileError) as exc:
        _fail(str(exc))
    if rep["status"] == "failed":
        sys.exit(2)
    if rep["status"] == "rejected":
        sys.exit(1)


def load_demo(store, scale: str, out: Path | None = None, seed: int = 2023, progress: bool = True) -> dict:
    from graphsvc import demo

    out = out or Path(tempfile.mkdtemp(prefix=f"graphsvc-demo-{scale}-"))
    return load_demo_files(store, demo.generate(scale, out, seed=seed), progress=progress)


def load_demo_files(store, files: dict, progress: bool = True) -> dict:
    """Import generated demo files in dependency order, through the same loaders users use."""
    reports = {}
    for kind in DEMO_ORDER:
        reports[kind] = do_import(store, kind, files[kind], progress=progress, actor="demo")
        if reports[kind]["status"] != "ok":
            raise click.ClickException(f"demo {kind} import was rejected")
    return reports


@cli.command()
@click.option("--scale", type=click.Choice(["small", "province"]), default="small", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Keep the generated files here.")
@click.option("--seed", default=2023, show_default=True)
@click.option("--no-load", is_flag=True, help="Only write the import files.")
@pass_ctx
def demo(c: Ctx, scale, out, seed, no_load):
    """Generate the deterministic synthetic Zhejiang and load it through the importers."""
    if no_load:
        from graphsvc import demo as demo_mod

        out = out or Path(".")
        for kind, path in demo_mod.generate(scale, out, seed=seed).items():
            click.echo(f"{kind}: {path}")
        return
    load_demo(c.store, scale, out, seed)


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
    # No --preload: the database must be opened after the fork (DESIGN.md §7).
    args = ["gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--timeout", "300", "--access-logfile", "-", "web:create_app()"]
    os.execvp(sys.executable, [sys.executable, "-m", *args])


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@pass_ctx
def backup(c: Ctx, out_dir):
    """Write the whole graph (accounts and audit included) as CSV files plus a manifest."""
    from graphsvc.backup import backup as do_backup

    manifest = do_backup(c.store, out_dir)
    total = sum(f["count"] for f in manifest["files"].values())
    click.echo(f"wrote {len(manifest['files'])} files, {total} records, to {out_dir}")


@cli.command()
@click.argument("in_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_ctx
def restore(c: Ctx, in_dir):
    """Restore a backup into an empty store (either engine)."""
    from graphsvc.backup import BackupError, restore as do_restore

    try:
        counts = do_restore(c.store, in_dir)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"restored {sum(counts.values())} records from {in_dir}")


@cli.group()
def user():
    """Accounts: add, disable, enable, list."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "bureau", "manufacturer", "supplier"]))
@click.option("--password", required=True)
@click.option("--scope", help="Region code, for bureau accounts (e.g. 330100).")
@click.option("--uscc", help="Enterprise, for manufacturer and supplier accounts.")
@pass_ctx
def user_add(c: Ctx, username, role, password, scope, uscc):
    from graphsvc.accounts import AccountError, add_user

    try:
        acc = add_user(c.store, username, role, password, scope=scope, uscc=uscc, actor="cli")
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"added {acc['username']} ({acc['role']})")


def _set_active(c: Ctx, username: str, active: bool) -> None:
    from graphsvc.accounts import AccountError, set_active

    try:
        set_active(c.store, username, active, actor="cli")
    except AccountError as exc:
        _fail(str(exc))


@user.command("disable")
@click.argument("username")
@pass_ctx
def user_disable(c: Ctx, username):
    """Disable an account and revoke its tokens."""
    _set_active(c, username, False)
    click.echo(f"disabled {username} and revoked its tokens")


@user.command("enable")
@click.argument("username")
@pass_ctx
def user_enable(c: Ctx, username):
    _set_active(c, username, True)
    click.echo(f"enabled {username}")


@user.command("list")
@pass_ctx
def user_list(c: Ctx):
    from graphsvc.accounts import list_users

    for u in list_users(c.store):
        click.echo(f"{u['username']}\t{u['role']}\t{u.get('scope') or u.get('uscc') or '-'}\t"
                   f"{'active' if u['active'] else 'disabled'}")


@cli.group()
def token():
    """API bearer tokens: create, revoke."""


@token.command("create")
@click.argument("username")
@click.option("--days", type=int, help="Expire after this many days.")
@pass_ctx
def token_create(c: Ctx, username, days):
    from graphsvc.accounts import AccountError, create_token

    try:
        raw = create_token(c.store, username, days=days, actor="cli")
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"token for {username} (shown once, store it safely):")
    click.echo(raw)


@token.command("revoke")
@click.argument("token_or_username")
@pass_ctx
def token_revoke(c: Ctx, token_or_username):
    """Revoke one token, or every token of a user."""
    from graphsvc.accounts import TOKEN_PREFIX, revoke_token

    if token_or_username.startswith(TOKEN_PREFIX):
        n = revoke_token(c.store, raw=token_or_username, actor="cli")
    else:
        n = revoke_token(c.store, username=token_or_username, actor="cli")
    click.echo(f"revoked {n} token(s)")


def _register_command_modules():
    import graphsvc.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"graphsvc.commands.{info.name}")
        if hasattr(mod, "register"):
            mod.register(cli)


_register_command_modules()


if __name__ == "__main__":
    main()
