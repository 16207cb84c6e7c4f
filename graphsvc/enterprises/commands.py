"""`graphsvc graph upstream|downstream|impact|paths`: the explore API on the command line (the
operator holds the database, so it runs with the administrator's view)."""
from __future__ import annotations

import json

import click

from graphsvc.core.cli_context import CliContext, fail, pass_ctx

FORMAT = click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)


def _money(v) -> str:
    return "—" if v is None else f"{v:,.2f}"


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _run(fn, fmt: str, printer) -> None:
    from graphsvc.core.access import Principal
    from graphsvc.core.errors import DomainError

    try:
        body = fn(Principal("cli", "admin"))
    except DomainError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    if fmt == "json":
        click.echo(json.dumps(body, ensure_ascii=False, indent=1))
        return
    if body.get("note"):
        click.echo(body["note"])
    printer(body)


def _print_tiers(body: dict) -> None:
    side = "上游供应商" if body["direction"] == "upstream" else "下游客户"
    click.echo(f"{body['name']}（{body['uscc']}）{body['year']} 年{side}")
    for t in body["tiers"]:
        click.echo(f"第{t['tier']}层  {t['count']} 家  {_money(t['amount_wan'])} 万元  其中本地 {_money(t['local_amount_wan'])} 万元")
    for i in body["items"]:
        click.echo(f"  {i['tier']}  {i['uscc']}  {i['name'] or ''}  {_money(i['amount_wan'])}"
                   f"{'  [本地]' if i['local'] else ''}  经 {','.join(i['via'])}")


def _print_impact(body: dict) -> None:
    click.echo(f"{body['name']}（{body['uscc']}）{body['year']} 年停止供货的影响")
    for r in body["items"]:
        click.echo(f"  {r['uscc']}  {r['name'] or ''}  直接 {_money(r['direct_amount_wan'])}  间接 "
                   f"{_money(r['indirect_amount_wan'])}  敞口 {_pct(r['exposure_share'])}  本地配套 "
                   f"{_pct(r['ratio_before'])} → {_pct(r['ratio_after'])}  本地替代 {'有' if r['local_candidate'] else '无'}")


REL = {"supplies": "供货", "delivery": "交付", "ecosystem": "生态", "chain": "同链", "group": "1+N"}


def _print_paths(body: dict) -> None:
    for n, path in enumerate(body["paths"], 1):
        parts = [path["steps"][0]["from"]["name"] or "（不可见）"]
        for s in path["steps"]:
            tag = s.get("delivery_id") or s.get("id") or s.get("year") or ""
            parts.append(f"-[{REL[s['rel']]} {tag}]- {s['to']['name'] or '（不可见）'}")
        click.echo(f"{n}. {path['hops']} 跳  " + " ".join(parts))


@click.group("graph")
def graph_cmd():
    """Explore the supply graph: tiers, supplier-failure impact, connection paths."""


def _tier_command(direction: str):
    @graph_cmd.command(direction, help=f"The {direction} tiers of USCC in a year.")
    @click.argument("uscc")
    @click.option("--year", type=int)
    @click.option("--tiers", type=int, default=2, show_default=True)
    @click.option("--min-amount-wan", type=float)
    @FORMAT
    @pass_ctx
    def cmd(c: CliContext, uscc, year, tiers, min_amount_wan, fmt):
        from graphsvc.enterprises import service

        fn = service.upstream if direction == "upstream" else service.downstream
        _run(lambda p: fn(c.store, p, uscc, year=year, tiers=tiers, min_amount_wan=min_amount_wan), fmt,
             _print_tiers)

    return cmd


upstream_cmd = _tier_command("upstream")
downstream_cmd = _tier_command("downstream")


@graph_cmd.command("impact")
@click.argument("uscc")
@click.option("--year", type=int)
@FORMAT
@pass_ctx
def impact_cmd(c: CliContext, uscc, year, fmt):
    """What each 链主工厂 loses if USCC stops supplying."""
    from graphsvc.enterprises import service

    _run(lambda p: service.impact(c.store, p, uscc, year=year), fmt, _print_impact)


@graph_cmd.command("paths")
@click.argument("src")
@click.argument("dst")
@click.option("--max-hops", type=int, default=4, show_default=True)
@FORMAT
@pass_ctx
def paths_cmd(c: CliContext, src, dst, max_hops, fmt):
    """Up to five shortest connections from SRC to DST."""
    from graphsvc.enterprises import service

    _run(lambda p: service.paths(c.store, p, src, dst, max_hops=max_hops), fmt, _print_paths)


COMMANDS = [graph_cmd]
