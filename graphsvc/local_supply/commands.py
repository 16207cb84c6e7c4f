"""`graphsvc local-supply` and `graphsvc coverage`: the B4 figures from the command line.

    graphsvc local-supply --year 2024 [--scope 330100] [--chain HZ01] [--leader USCC] [--xlsx FILE] [--json]
    graphsvc coverage HZ01 --year 2024 [--scope 330100] [--xlsx FILE] [--json]

The command line acts with administrator reach: every leader; "local" for coverage is 杭州
unless --scope says otherwise.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _pct(v) -> str:
    from graphsvc.core.formatting import pct_text

    return pct_text(v)


def _money(v) -> str:
    return "—" if v is None else f"{v:,.2f}"


# The service names the API's fields; these are the command's options for them.
OPTIONS = {"leader_uscc": "--leader"}


def _service(fn, store, *args, **kwargs):
    """Call the service with administrator reach; its errors become the command's."""
    from graphsvc.core.errors import BadParameter, DomainError
    from graphsvc.local_supply import service

    try:
        return fn(store, service.CLI, *args, **kwargs)
    except BadParameter as exc:
        raise click.BadParameter(exc.message, param_hint=OPTIONS.get(exc.field, f"--{exc.field}") if exc.field else None) from None
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    click.echo(f"已写入 {path}", err=True)


@click.command("local-supply")
@click.option("--year", type=click.IntRange(2000, 2100), help="Year (default: the latest with data).")
@click.option("--scope", help="Region code that counts as local (default: each leader's city).")
@click.option("--chain", help="Only leaders of this chain (e.g. HZ01).")
@click.option("--leader", help="One leader's detail and what-if (USCC).")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Write the table as .xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def local_supply_cmd(c, year, scope, chain, leader, xlsx, as_json):
    """Local-supply ratios of the 链主工厂 against the B4 target (60%)."""
    from graphsvc.local_supply import service

    if leader:
        d = _service(service.leader_detail, c.store, leader, year, scope)
        if as_json:
            click.echo(json.dumps(d, ensure_ascii=False, indent=1))
            return
        _print_leader(d)
        return
    t = _service(service.ratio_table, c.store, year, scope, chain)
    if xlsx:
        _write(xlsx, service.ratio_xlsx(t).data)
    if as_json:
        click.echo(json.dumps(t, ensure_ascii=False, indent=1))
        return
    _print_table(t)


@click.command("coverage")
@click.argument("chain_id")
@click.option("--year", type=click.IntRange(2000, 2100), help="Year (default: the latest with data).")
@click.option("--scope", help="Region code that counts as local (default 330100 杭州).")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Write the table as .xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def coverage_cmd(c, chain_id, year, scope, xlsx, as_json):
    """Coverage of CHAIN_ID: local enterprises per segment, gaps, single points of failure."""
    from graphsvc.local_supply import service

    cov = _service(service.chain_coverage, c.store, chain_id, year, scope)
    if xlsx:
        _write(xlsx, service.coverage_xlsx(cov).data)
    if as_json:
        cov = {k: v for k, v in cov.items() if k != "graph"}
        click.echo(json.dumps(cov, ensure_ascii=False, indent=1))
        return
    _print_coverage(cov)


COMMANDS = [local_supply_cmd, coverage_cmd]
def _print_table(t: dict) -> None:
    click.echo(f"{t['year']}年 链主工厂本地配套比例（目标 {t['target'] * 100:g}%，规则 {t['rule_id']}）")
    if t.get("note"):
        click.echo(f"说明：{t['note']}")
    click.echo(f"{'统一社会信用代码':<20}{'产业链':<6}{'按金额':>9}{'按家数':>9}{'缺口(万元)':>14}  达标  企业名称")
    for i in t["items"]:
        ok = "—" if i["meets_target"] is None else ("是" if i["meets_target"] else "否")
        click.echo(f"{i['uscc']:<20}{i['chain'] or '':<6}{_pct(i['ratio_amount']):>9}{_pct(i['ratio_count']):>9}"
                   f"{_money(i['gap_amount']):>14}  {ok:<4}{i['name']}" + (f"（{i['reason']}）" if i["reason"] else ""))
    o = t["pooled"]["overall"]
    if o:
        click.echo(f"合计：{o['leaders']} 家，{o['leaders_meeting']} 家达标；按金额 {_pct(o['ratio_amount'])}，"
                   f"按家数 {_pct(o['ratio_count'])}")


def _print_leader(d: dict) -> None:
    f, lead = d["figures"], d["leader"]
    click.echo(f"{lead['name']}（{lead['uscc']}）{d['year']}年，本地 = {lead['scope_name']}")
    if d.get("note"):
        click.echo(f"说明：{d['note']}")
    click.echo(f"本地配套比例：按金额 {_pct(f['ratio_amount'])}，按家数 {_pct(f['ratio_count'])}；"
               f"本地 {_money(f['local_amount'])} / 合计 {_money(f['total_amount'])} 万元；缺口 {_money(f['gap_amount'])} 万元")
    click.echo(f"二级供应商本地占比：按金额 {_pct(d['tier2']['ratio_amount'])}，按家数 {_pct(d['tier2']['ratio_count'])}")
    click.echo("趋势：" + "，".join(f"{t['year']} {_pct(t['ratio_amount'])}" for t in d["trend"]))
    w = d["what_if"]
    click.echo(f"替代测算：{w['summary']}")
    for s in w["steps"]:
        cand = s["candidate"]["name"] if s["candidate"] else "—"
        click.echo(f"  第{s['step']}步 {s['segment_name']}：{s['supplier_name']} {_money(s['amount'])} 万元 → {cand}，"
                   f"替代后 {_pct(s['ratio_after'])}")
    for s in w["segments"]:
        if s["note"]:
            click.echo(f"  {s['segment_name']}：{s['note']}")


def _print_coverage(cov: dict) -> None:
    click.echo(f"{cov['chain']['name']}（{cov['chain']['id']}）{cov['year']}年，{cov['local']['text']}")
    if cov.get("note"):
        click.echo(f"说明：{cov['note']}")
    for s in cov["segments"]:
        sp = s["single_point"]
        click.echo(f"{s['segment_id']:<9}{s['segment_name']}：本地企业 {s['local_enterprises']}，采购链主 {s['leaders_buying']}，"
                   f"本地占比 {_pct(s['local_share'])}" + ("，缺口" if s["gap"] else "")
                   + (f"，单点依赖 {sp['name']} {_pct(sp['share'])}" if sp else "")
                   + f"，生态伙伴 {s['platform_pooled_members']}")
