"""`graphsvc graph upstream|downstream|impact|paths`: the explore API on the command line (the
operator holds the database, so it runs with the administrator's view). `--format xlsx`
writes a workbook (graphsvc.enterprises.exports) to `--output` (default: a name in the current
directory)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from graphsvc.core.cli_context import CliContext, fail, pass_ctx
from graphsvc.enterprises.exports import REL


def FORMAT(fn):
    fn = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                      help="Where --format xlsx writes the workbook.")(fn)
    return click.option("--format", "fmt", type=click.Choice(["json", "table", "xlsx"]), default="table",
                        show_default=True)(fn)


def _money(v) -> str:
    return "—" if v is None else f"{v:,.2f}"


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _run(fn, fmt: str, printer, output: Path | None = None, sheet: tuple | None = None) -> None:
    """Print the answer as JSON or a table, or write it as .xlsx (`sheet`: title, rows function,
    default file name)."""
    from graphsvc.core.access import Principal
    from graphsvc.core.errors import DomainError

    try:
        body = fn(Principal("cli", "admin"))
    except DomainError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    if fmt == "xlsx":
        from graphsvc.enterprises import exports

        title, rows, name = sheet
        path = output or Path(name)
        path.write_bytes(exports.workbook(title, rows(body)))
        click.echo(f"已写入 {path}", err=True)
        return
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
    def cmd(c: CliContext, uscc, year, tiers, min_amount_wan, fmt, output):
        from graphsvc.enterprises import exports, service

        fn = service.upstream if direction == "upstream" else service.downstream
        title = "上游供应商" if direction == "upstream" else "下游客户"
        _run(lambda p: fn(c.store, p, uscc, year=year, tiers=tiers, min_amount_wan=min_amount_wan), fmt,
             _print_tiers, output, (title, exports.table_rows, f"{direction}_{uscc}.xlsx"))

    return cmd


upstream_cmd = _tier_command("upstream")
downstream_cmd = _tier_command("downstream")


@graph_cmd.command("impact")
@click.argument("uscc")
@click.option("--year", type=int)
@FORMAT
@pass_ctx
def impact_cmd(c: CliContext, uscc, year, fmt, output):
    """What each 链主工厂 loses if USCC stops supplying."""
    from graphsvc.enterprises import exports, service

    _run(lambda p: service.impact(c.store, p, uscc, year=year), fmt, _print_impact, output,
         ("停止供货的影响", exports.impact_rows, f"impact_{uscc}.xlsx"))


@graph_cmd.command("paths")
@click.argument("src")
@click.argument("dst")
@click.option("--max-hops", type=int, default=4, show_default=True)
@FORMAT
@pass_ctx
def paths_cmd(c: CliContext, src, dst, max_hops, fmt, output):
    """Up to five shortest connections from SRC to DST."""
    from graphsvc.enterprises import exports, service

    _run(lambda p: service.paths(c.store, p, src, dst, max_hops=max_hops), fmt, _print_paths, output,
         ("联系路径", exports.paths_rows, f"paths_{src}_{dst}.xlsx"))


COMMANDS = [graph_cmd]
