"""`graphsvc orders split ORDER.json`: the order split of POST /api/v1/orders/split on the
command line (the operator holds the database, so it runs with the administrator's view)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graphsvc.core.cli_context import CliContext, fail, pass_ctx


@click.group("orders")
def orders():
    """Shared manufacturing: split orders by process across an ecosystem's factories."""


def _print(body: dict) -> None:
    eco = body["ecosystem"]
    click.echo(f"{eco['name'] if eco else '全部有产能的工厂'} · {body['weeks']} 周 · 候选工厂 {body['candidates']} 家")
    for a in body["allocations"]:
        click.echo(f"  步骤{a['step'] + 1} {a['process_name']:<8} {a['name']}（{a['uscc']}）"
                   f" {a['quantity']} 件  {a['cost_yuan']:.2f} 元" + ("  [本地]" if a["local"] else ""))
        for r in a["explanation"]:
            click.echo(f"      {r}")
    share = body["local_share"]
    click.echo(f"总成本 {body['total_cost_yuan']:.2f} 元" + ("" if share is None else f"，本地份额 {share:.1%}")
               + f"；{body['solver']['name']} {body['solver']['status']}，{body['solver']['time_s']:.3f} 秒")


@orders.command("split")
@click.argument("order_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the API response body.")
@pass_ctx
def split_cmd(c: CliContext, order_file: Path, as_json: bool):
    """Split the order in ORDER_FILE ({"ecosystem", "weeks", "steps": [{"process", "quantity"}],
    "local_region", "min_local_share"}) at least cost; exit 1 when it cannot be met."""
    from graphsvc.core.access import Principal
    from graphsvc.core.errors import DomainError, Invalid
    from graphsvc.orders.service import split_order

    try:
        order = json.loads(order_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"{order_file} is not valid JSON: {exc}")
    try:
        body = split_order(c.store, Principal("cli", "admin"), order)
    except Invalid as exc:
        click.echo(json.dumps({"error": exc.kind, "detail": exc.message, "field": exc.field, **exc.extra},
                              ensure_ascii=False, indent=1) if as_json else f"error ({exc.field}): {exc.message}",
                   err=not as_json)
        sys.exit(1)
    except DomainError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=1))
    else:
        _print(body)


COMMANDS = [orders]
