"""`graphsvc recommend MANUFACTURER_USCC --provider-type 1`: the contractor ranking on the
command line (the same computation as GET /api/v1/contractors/recommend)."""
from __future__ import annotations

import json
import sys

import click

from graphsvc.contractors.recommend import UNITS, scenarios
from graphsvc.contractors import service
from graphsvc.core.access import Principal
from graphsvc.core.errors import DomainError

# The operator at the console acts as admin (no scoping), through the same service as the API.
CONSOLE = Principal("console", "admin", None, None)


def _print(body: dict) -> None:
    from graphsvc.contractors.recommend import UNIT_NAMES

    mi = body["manufacturer_info"]
    click.echo(f"{mi['name']}（{mi['uscc']}，{mi['region_name']}，{mi.get('industry_code') or '行业未知'}）"
               f" — 第{body['provider_type']}类 {body['provider_type_name']}"
               + (f"，{UNIT_NAMES[body['unit']]}" if body["unit"] else "") + (f"，{body['scenario']}" if body["scenario"] else ""))
    click.echo(f"候选 {body['candidates']} 家，有依据 {body['matched']} 家；权重版本 {body['weights']['version']}")
    if body["cold_start"]:
        click.echo(f"冷启动：{body['note']}")
    if not body["items"]:
        click.echo("没有找到有推荐依据的服务商。")
    for it in body["items"]:
        click.echo(f"\n{it['rank']:>2}. {it['name']}  {it['uscc']}  {it['region_name']}  选择概率 {100 * it['probability']:.1f}%（得分 {it['score']:.2f}）"
                   + ("  [培育名单]" if it.get("listed") else "") + ("  [满足C2]" if it.get("c2") else ""))
        for r in it["reasons"]:
            ev = r.get("evidence") or r.get("projects") or []
            more = f" …共{r['count']}项" if r.get("count", 0) > len(ev) and ev else ""
            click.echo(f"    {r['weight']:+.2f}  {r['text']}" + (f"  [{', '.join(ev)}{more}]" if ev else ""))


@click.command("recommend")
@click.argument("manufacturer_uscc")
@click.option("--provider-type", "provider_type", type=click.IntRange(1, 6), required=True,
              help="Binjiang provider type 1–6 (rule C1).")
@click.option("--unit", type=click.Choice(UNITS), help="Size of the project: cell, line, workshop, factory.")
@click.option("--scenario", type=click.Choice(scenarios()), help="B1 scenario, e.g. 智能化生产.")
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option("--recognised-only", is_flag=True, help="Only providers on the 智造供给 cultivation list.")
@click.option("--c2-only", is_flag=True, help="Only providers meeting the checkable part of rule C2.")
@click.option("--json", "as_json", is_flag=True, help="Print the API response body.")
@click.pass_obj
def recommend_cmd(c, manufacturer_uscc, provider_type, unit, scenario, limit, recognised_only, c2_only,
                  as_json):
    """Rank the providers of a type for MANUFACTURER_USCC, with the reasons and evidence."""
    from stdnum.cn import uscc as stdnum_uscc

    from graphsvc.contractors import recommend as R

    uscc = manufacturer_uscc.strip().upper()
    if not stdnum_uscc.is_valid(uscc):
        click.echo(f"error: {manufacturer_uscc} is not a valid USCC (统一社会信用代码)", err=True)
        sys.exit(2)
    try:
        body = service.recommendation(c.store, CONSOLE, uscc, R.Query(provider_type, unit, scenario, limit,
                                                                      recognised_only, c2_only))
    except R.ManufacturerNotFound:
        click.echo(f"error: no enterprise {uscc} in the graph", err=True)
        sys.exit(1)
    except DomainError as exc:
        click.echo(f"error: {uscc}: {exc.message}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=1))
    else:
        _print(body)



@click.command("recommend-refit")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the new weights file (default: the active ranking_weights.yaml).")
@click.option("--version", "version", default=None, help="Version of the new weights (default: the next one).")
@click.option("--l2", type=float, default=1.0, show_default=True, help="L2 pull towards the hand-set policy prior (policy_prior in the weights file).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.pass_obj
def refit_cmd(c, out, version, l2, seed):
    """Refit the ranking weights from the graph's deliveries (conditional logit, rolling
    as-of evaluation) and write a new versioned weights file."""
    from pathlib import Path

    from graphsvc.contractors import asof, fit
    from graphsvc.contractors import recommend as R

    base = R.load_weights()
    graph = asof.read_graph(c.store, base)
    doc = fit.refit(graph, base, l2=l2, seed=seed, version=version,
                    progress=lambda n, d: click.echo(f"  {n} questions asked (up to {d})", err=True))
    R.validate_weights(doc)
    path = Path(out) if out else R.WEIGHTS_FILE
    path.write_text(fit.dump(doc), encoding="utf-8")
    ev = doc["evaluation"]["learned_exposure"]["all"]
    click.echo(f"weights {doc['version']} written to {path}: as-of Hit@10 {ev.get('hit_at_10')} "
               f"{ev.get('hit_at_10_ci95')}, NDCG@10 {ev.get('ndcg_at_10')} over {ev.get('n')} questions")


COMMANDS = [recommend_cmd, refit_cmd]
