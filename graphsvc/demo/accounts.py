"""`graphsvc demo-accounts`: one demo account per role (and an API token each), for `make run`
and the test suite. Passwords are fixed demo values: never use them outside a demo."""
from __future__ import annotations

import json
import sys

import click

DEMO_PASSWORD = "graphsvc-demo"


def demo_accounts(store) -> list[dict]:
    rows = store.read("demo/pick_accounts")
    mfr = sorted((r for r in rows if r["role"] == "manufacturer"), key=lambda r: (-r["weight"], r["uscc"]))
    sup = sorted((r for r in rows if r["role"] == "supplier"), key=lambda r: (-r["weight"], r["uscc"]))
    if len(mfr) < 2 or len(sup) < 2:
        raise click.ClickException("the graph has no demo data: run `graphsvc demo` first")
    pick = {"manufacturer": mfr[0]["uscc"], "manufacturer_name": mfr[0]["name"],
            "manufacturer2": mfr[1]["uscc"], "manufacturer2_name": mfr[1]["name"],
            "supplier": sup[0]["uscc"], "supplier_name": sup[0]["name"],
            "supplier2": sup[1]["uscc"], "supplier2_name": sup[1]["name"]}
    return [
        {"username": "admin", "role": "admin"},
        {"username": "hz_bureau", "role": "bureau", "scope": "330100", "label": "杭州市经信局（账号管理员）",
         "can_manage_accounts": True},
        {"username": "bj_bureau", "role": "bureau", "scope": "330108", "label": "滨江区经信局"},
        {"username": "sx_bureau", "role": "bureau", "scope": "330600", "label": "绍兴市经信局"},
        {"username": "maker", "role": "manufacturer", "uscc": pick["manufacturer"],
         "label": pick["manufacturer_name"]},
        {"username": "provider", "role": "supplier", "uscc": pick["supplier"], "label": pick["supplier_name"]},
        {"username": "maker2", "role": "manufacturer", "uscc": pick["manufacturer2"],
         "label": pick["manufacturer2_name"]},
        {"username": "provider2", "role": "supplier", "uscc": pick["supplier2"], "label": pick["supplier2_name"]},
        *_platform_account(store),
    ]


def _platform_account(store) -> list[dict]:
    """A 聚能工厂's own account (manufacturer role bound to the platform with most members): the
    shared-manufacturing page's user (graphsvc/orders/service.py)."""
    rows = store.read("orders/platforms", prefix="")
    return [{"username": "platform", "role": "manufacturer", "uscc": rows[0]["uscc"], "label": rows[0]["name"]}] \
        if rows else []


def ensure(store, with_tokens: bool = False) -> list[dict]:
    from graphsvc.accounts.users import add_user, create_token

    out = []
    for acc in demo_accounts(store):
        if not store.read_one("accounts/get", username=acc["username"]):
            add_user(store, acc["username"], acc["role"], DEMO_PASSWORD, scope=acc.get("scope"),
                     uscc=acc.get("uscc"), actor="demo", can_manage_accounts=acc.get("can_manage_accounts", False))
        row = {**acc, "password": DEMO_PASSWORD}
        if with_tokens:
            row["token"] = create_token(store, acc["username"], actor="demo")
        out.append(row)
    return out


@click.command("demo-accounts")
@click.option("--tokens", is_flag=True, help="Also create an API token per account.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def demo_accounts_cmd(c, tokens, as_json):
    """Create (if missing) and print one demo account per role."""
    rows = ensure(c.store, with_tokens=tokens)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    _print(rows)


COMMANDS = [demo_accounts_cmd]
def _print(rows):
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for r in rows:
        extra = r.get("scope") or r.get("uscc") or ""
        click.echo(f"  {r['username']:<11} {r['role']:<13} {extra:<19} {r.get('label', '')}")


def main(argv=None):
    """`python -m graphsvc.demo.accounts --ensure-demo`: what `make run` does first."""
    from graphsvc.cli import load_demo
    from graphsvc.core.cli_context import CliContext, fail
    from graphsvc.core.store import StoreError

    c = CliContext()
    try:
        if "--ensure-demo" in (argv or sys.argv[1:]) and \
                not c.store.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS u LIMIT 1"):
            click.echo("loading the small demo graph …")
            load_demo(c.store, "small", progress=False)
        _print(ensure(c.store))
    except StoreError as exc:
        # A second `make run` finds the database held by the first: one line, no traceback.
        fail(str(exc))
    c.store.close()


if __name__ == "__main__":
    main()
