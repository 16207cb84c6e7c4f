"""`graphsvc eligibility | subsidy | targets | export`: the programme rules from the command
line (issue 7).  The operator at the console acts as admin: no scoping."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from graphsvc.core.access import Principal
from graphsvc.core.errors import DomainError
from graphsvc.programmes import facts as programmes
from graphsvc.programmes import listing, quotes, service

# The operator at the console acts as admin (no scoping), through the same service as the API.
CONSOLE = Principal("console", "admin", None, None)
MARK = {"pass": "通过", "fail": "不通过", "unknown": "待补充", "not_applicable": "不适用"}


def _fail(msg: str, code: int = 2):
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def _dump(obj) -> None:
    click.echo(json.dumps(listing.jsonable(obj), ensure_ascii=False, indent=1))


@click.command("eligibility")
@click.argument("programme")
@click.option("--project", "project_id", help="A stored 攻关项目 id.")
@click.option("--uscc", help="An enterprise (what-if with --fact).")
@click.option("--fact", "facts", multiple=True, metavar="KEY=VALUE",
              help="Overlay a fact, e.g. --fact investment_wan=150 --fact one_plus_n=N (repeatable).")
@click.option("--group", is_flag=True, help="With --project: check its whole 1+N group.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def eligibility_cmd(c, programme, project_id, uscc, facts, group, as_json):
    """Check PROGRAMME (one of the rules catalogue's programmes) for a stored project or an enterprise."""
    if bool(project_id) == bool(uscc):
        _fail("give exactly one of --project ID or --uscc USCC")
    if programme not in programmes.programme_ids():
        _fail(f"unknown programme {programme!r} (known: {', '.join(programmes.programme_ids())})")
    try:
        given = programmes.parse_pairs(facts)
        if group:
            if not project_id:
                _fail("--group needs --project")
            row = programmes.load_project(c.store, project_id)
            gid = row["project"].get("group_id")
            if not gid:
                _fail(f"project {project_id} is not in a 1+N group")
            out = programmes.check_group(c.store, programme, gid)
        else:
            out = programmes.check(c.store, programme, project_id=project_id,
                                   uscc=uscc.upper() if uscc else None, given=given)
    except DomainError as exc:
        _fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    if as_json:
        _dump(out)
    elif group:
        click.echo(f"{programme} 1+N 项目组 {out['group_id']}: {MARK[out['outcome']]} ({out['outcome']})")
        for m in out["projects"]:
            click.echo(f"  {m['project_id']} [{m['one_plus_n']}] {m['name']}: {MARK[m['outcome']]}")
    else:
        s = out["subject"]
        who = f"{s.get('project_id') + ' ' if s.get('project_id') else ''}{s.get('name') or ''} {s.get('uscc') or ''}"
        click.echo(f"{out['programme_name']} — {who.strip()}: {MARK[out['outcome']]} ({out['outcome']})")
        for r in out["rules"]:
            click.echo(f"  {r['rule_id']:<5} {MARK[r['outcome']]:<4} {r['reason']}")
    sys.exit(0 if out["outcome"] == "pass" else 1)

# The programme ids are data: list the catalogue's in the help.
eligibility_cmd.help += f" Programmes: {', '.join(programmes.programme_ids())}."


@click.command("subsidy")
@click.argument("uscc")
@click.option("--kind", required=True, help="e.g. 智能工厂")
@click.option("--level", required=True, help="国家 / 省 / 市 / 区")
@click.option("--year", required=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def subsidy_cmd(c, uscc, kind, level, year, as_json):
    """B10 award for a recognition of USCC, as the difference to the tier already paid."""
    try:
        out = quotes.quote_subsidy(c.store, uscc.upper(), {"kind": kind, "level": level, "year": year})
    except DomainError as exc:
        _fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    if as_json:
        _dump(out)
        return
    click.echo(f"{out['name']} {uscc.upper()} — {year}年{level}级“{kind}”")
    click.echo(f"  补助标准 {out['amount_wan']} 万元，已获 {out['already_paid_wan']} 万元，"
               f"应补 {out['payable_wan']} 万元（{', '.join(out['rule_ids'])}）")
    click.echo(f"  {out['reason']}")
    click.echo(f"  注：{out['note']}")

@click.command("targets")
@click.option("--region", required=True, help="e.g. 330100 (杭州), 330600 (绍兴), 330683 (嵊州)")
@click.option("--year", type=int, default=lambda: dt.date.today().year)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def targets_cmd(c, region, year, as_json):
    """Targets for REGION against the recognitions in the graph, with the shortfall."""
    try:
        out = service.target_progress(c.store, CONSOLE, region, year)
    except DomainError as exc:
        _fail(f"--region {region!r}: {exc.message}")
    if as_json:
        _dump(out)
        return
    click.echo(f"{out['region_name']}（{region}）{year}年 目标进度")
    if not out["rows"]:
        click.echo(f"  {out['note']}")
    for r in out["rows"]:
        tgt = "—" if r["target"] is None else r["target"]
        aim = f"（争{r['aim']}）" if r.get("aim") else ""
        short = "—" if r["shortfall"] is None else r["shortfall"]
        click.echo(f"  {r['rule_id']:<3} {r['indicator']}: 目标 {tgt}{aim}，实际 {r['actual']}，差 {short}")

@click.command("export")
@click.argument("form")
@click.option("--region", required=True)
@click.option("--year", type=int, help="Default: the year of the call the form belongs to.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export_cmd(c, form, region, year, out):
    """Write FORM (future-factory-summary, digital-project-summary, digital-factory-ranking)
    for REGION as .xlsx."""
    if form not in service.form_ids():
        _fail(f"unknown form {form!r} (known: {', '.join(service.form_ids())})")
    try:
        data = service.export_data(c.store, CONSOLE, form, region, year)
    except DomainError as exc:
        _fail(f"--region {region!r}: {exc.message}")
    blob, _name = service.export_file(data)
    out.write_bytes(blob)
    click.echo(f"wrote {data['count']} rows of {data['name']} ({data['region_name']}, {data['year']}) to {out}")


COMMANDS = [eligibility_cmd, subsidy_cmd, targets_cmd, export_cmd]
