"""`graphsvc deliveries confirm|dispute|withdraw|list … --as USER` and
`graphsvc assessment USCC [--from] [--to] [--xlsx FILE] [--pdf FILE]`.

The commands act as an existing account (`--as`), with the same rules as the web API: the
account's role and scope decide what it may see and do, and every transition is audited
with that account as the actor.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graphsvc.core.errors import BadParameter, DomainError
from graphsvc.deliveries import ledger, service


def _fail(msg: str, code: int = 1):
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def _refused(exc: DomainError):
    """A refusal in words: the message and the kind of refusal (无权操作, 状态冲突 …)."""
    _fail(f"{exc.message}（{exc.title}）", 1)


@click.group("deliveries")
def deliveries():
    """The delivery ledger: confirm, dispute, withdraw, list (acting as an account)."""

def _act(c, delivery_id, as_user, action, reason=None):
    try:
        who = ledger.principal_of(c.store, as_user)
        d = service.transition(c.store, who, delivery_id, action, reason=reason, ip="cli")
    except DomainError as exc:
        _refused(exc)
    click.echo(f"{d['id']}: {d['status']} ({d['status_name']})")

@deliveries.command("confirm")
@click.argument("delivery_id")
@click.option("--as", "as_user", required=True, help="Account acting (the client, its bureau, or admin).")
@click.pass_obj
def confirm(c, delivery_id, as_user):
    """Confirm a claimed delivery."""
    _act(c, delivery_id, as_user, "confirm")

@deliveries.command("dispute")
@click.argument("delivery_id")
@click.option("--as", "as_user", required=True)
@click.option("--reason", help="Why the client disputes the claim.")
@click.pass_obj
def dispute(c, delivery_id, as_user, reason):
    """Dispute a claimed delivery."""
    _act(c, delivery_id, as_user, "dispute", reason)

@deliveries.command("withdraw")
@click.argument("delivery_id")
@click.option("--as", "as_user", required=True, help="The supplier account that claimed it.")
@click.pass_obj
def withdraw(c, delivery_id, as_user):
    """Withdraw one's own claimed delivery."""
    _act(c, delivery_id, as_user, "withdraw")

@deliveries.command("list")
@click.option("--as", "as_user", required=True)
@click.option("--status", type=click.Choice(sorted(ledger.STATUS_NAMES)))
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def list_cmd(c, as_user, status, limit):
    """Deliveries the account may see (a manufacturer: those addressed to it)."""
    try:
        who = ledger.principal_of(c.store, as_user)
    except DomainError as exc:
        _fail(exc.message)
    for d in service.deliveries(c.store, who, status=status, limit=limit)["items"]:
        click.echo(f"{d['id']}\t{d['status']}\t{d.get('supplier_uscc')}\t{d.get('client_uscc')}\t"
                   f"{d.get('kind')}\t{d.get('contract_amount_wan')}")

@click.command("assessment")
@click.argument("uscc")
@click.option("--from", "start", help="Period start, YYYY-MM-DD (inclusive).")
@click.option("--to", "end", help="Period end, YYYY-MM-DD (inclusive).")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Write the .xlsx here.")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path), help="Write the PDF here.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole assessment as JSON.")
@click.pass_obj
def assessment_cmd(c, uscc, start, end, xlsx, pdf, as_json):
    """Assessment of provider USCC: C1 counts, C2 conditions, Item 14 reward (C3.5)."""
    from graphsvc.deliveries import assessment
    from graphsvc.deliveries import reports as assessment_reports

    try:
        start, end = service.period(start, end)
    except BadParameter as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
    report = assessment.fetch_assessment(c.store, uscc.strip().upper(), start, end)
    if report is None:
        _fail(f"no enterprise {uscc} in the graph")
    for fmt, path in (("xlsx", xlsx), ("pdf", pdf)):
        if path:
            try:
                path.write_bytes(service.assessment_file(report, fmt)[0])
            except assessment_reports.FontMissing as exc:
                _fail(str(exc), 2)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    t = report["totals"]
    click.echo(f"{report['supplier']['name']} ({report['supplier']['uscc']}) "
               f"{start or '…'} – {end or '…'}: confirmed {t['confirmed']}, claimed {t['claimed']}, "
               f"disputed {t['disputed']}, clients {t['clients']}")
    for ty in report["types"]:
        vals = ", ".join(f"{m['key']} {m['value']}" for m in ty["measures"] if m["value"])
        click.echo(f"  type {ty['provider_type']} ({ty['name']}): {vals or '—'}")
    click.echo(f"  item 14 (C3.5): {report['item14']['total_wan']} 万元 — {report['item14']['reason']}")
    click.echo(f"  C2: {report['c2']['outcome']} — " + ", ".join(
        f"{r['rule_id']} {r['outcome']}" for r in report["c2"]["rules"]))
    for path in (xlsx, pdf):
        if path:
            click.echo(f"  wrote {path}")


COMMANDS = [deliveries, assessment_cmd]
