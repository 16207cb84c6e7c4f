"""The delivery ledger: the supplier claims, the client confirms (issue 6; docs/domain-model.md §2–3, §5).

A delivery moves ``claimed → confirmed | disputed | withdrawn`` and never again: a confirmed
delivery is immutable, and a correction is a new record whose ``corrects`` names the old one
(plus a ``CORRECTS`` relationship). Only the client enterprise's manufacturer account, a
bureau of the client's region, or an admin may confirm or dispute; only the supplier may
withdraw, and only while claimed. The supplier can never confirm its own claim. Every
transition writes an audit event in the same transaction, with the client's region code so
that the client's bureau reads it in its audit log.

The pure part (parsing a claim, who may do what) works on plain dicts; ``claim``,
``transition``, ``get`` and ``listing`` are the thin store-backed operations the API, the
pages and the CLI share. Failures are ``graphsvc.core.errors`` (``Invalid``, ``NotVisible``,
``NotAllowed``, ``Conflict``), never HTTP codes.

Example — a claim is parsed and checked field by field, errors in Chinese naming the field:

>>> rec, errors = parse_claim({"client_uscc": "91330102102778155A", "kind": "engineering_project",
...     "unit": "line", "contract_amount_wan": "-5", "signed_date": "2024-03-01"})
>>> rec["provider_type"], rec["quantity"], errors
(1, 1, [('contract_amount_wan', '不能小于 0')])
"""
from __future__ import annotations

import datetime as dt
import uuid

from graphsvc.core import access
from graphsvc.core import audit
from graphsvc.core import errors as domain
from graphsvc.core.access import Principal
from graphsvc.programmes import catalogue as _cat
from graphsvc.core import coercion as f
from graphsvc.core.coercion import check_delivery_fields
from graphsvc.core.store.base import StoreUnavailable
from graphsvc.core.vocabulary import (DELIVERY_FIELD_LABELS, DELIVERY_KIND_NAMES, DELIVERY_KINDS, DELIVERY_RATINGS,
                                      DELIVERY_STATUS_NAMES, RATING_NAMES, UNIT_NAMES, UNITS)

STATUS_NAMES, KIND_NAMES = DELIVERY_STATUS_NAMES, DELIVERY_KIND_NAMES  # the ledger's short names
KIND_TYPE = {kind: pt for pt, kinds in DELIVERY_KINDS.items() for kind in kinds}

# action -> (required status, new status)
ACTIONS = {"confirm": ("claimed", "confirmed"), "dispute": ("claimed", "disputed"),
           "withdraw": ("claimed", "withdrawn")}
ACTION_NAMES = {"claim": "登记", "confirm": "确认", "dispute": "提出异议", "withdraw": "撤回"}

CLAIM_FIELDS = ("id", "supplier_uscc", "client_uscc", "kind", "provider_type", "unit", "quantity",
                "contract_amount_wan", "signed_date", "accepted_date", "rating", "corrects")
FIELD_LABELS = DELIVERY_FIELD_LABELS
MAX_REASON = 500


def type_names() -> dict[int, str]:
    """Provider type -> Chinese name (rule C1, from the rules catalogue)."""
    return {int(k): v for k, v in _cat.params("C1")["provider_types"].items()}


# -- errors ---------------------------------------------------------------------------------
# The ledger's failures are the domain's errors (graphsvc.core.errors) under the names the
# ledger has always used: web.errors turns them into HTTP once, the CLI prints them.
class Invalid(domain.Invalid):
    """Invalid business data; ``errors`` lists every (field, reason), the first one is the message.

    >>> e = Invalid([("quantity", "应为整数"), ("unit", "必填项为空")])
    >>> e.message, e.field, e.extra["errors"][1]
    ('数量：应为整数', 'quantity', {'field': 'unit', 'reason': '必填项为空'})
    """

    def __init__(self, errors: list[tuple[str, str]]):
        field, reason = errors[0]
        super().__init__(f"{FIELD_LABELS.get(field, field)}：{reason}", field,
                         errors=[{"field": f, "reason": r} for f, r in errors])
        self.errors = errors


class NotVisible(domain.NotFound):
    """Unknown delivery, or one the caller may not see (not told apart)."""


class NotAllowed(domain.Forbidden):
    """The caller sees the delivery but may not do this to it."""


class Conflict(domain.Conflict):
    """The delivery's status does not allow the action; ``current`` is that status."""

    def __init__(self, detail: str, current: str | None = None):
        super().__init__(detail, **({"current_status": current} if current else {}))
        self.current = current


# -- parsing and checking a claim (pure) ---------------------------------------------------
_id_text = f.delivery_id  # the same rule for claims and imports


_PARSERS = {
    "id": _id_text, "corrects": _id_text,
    "supplier_uscc": f.uscc, "client_uscc": f.uscc,
    "kind": f.choice(sorted(KIND_TYPE)),
    "provider_type": lambda raw: f.integer(raw, 1, 6),
    "unit": f.choice(UNITS),
    "quantity": lambda raw: f.integer(raw, 1, 100_000),  # bounded: 10**30 overflowed INT64 (500)
    "contract_amount_wan": f.number,
    "signed_date": f.date, "accepted_date": f.date,
    "rating": f.choice(DELIVERY_RATINGS),
}


def _as_text(value) -> str:
    """A JSON or form value as the text the import parsers read; booleans and objects are refused."""
    if value is None:
        return ""
    if isinstance(value, (bool, list, dict)):
        raise f.FieldError("取值类型不正确")
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def parse_claim(body: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Parse a claim's fields with the import parsers; return (record, [(field, reason)]).

    Unknown fields are refused (a claim cannot set its own status). ``provider_type`` follows
    from ``kind`` and ``kind`` from a provider type that has one kind; ``quantity`` defaults
    to 1; a type-1 engineering project needs its ``unit`` (rule C1), other kinds have none.

    >>> parse_claim({"client_uscc": "91330102102778155A", "kind": "security_contract",
    ...              "contract_amount_wan": 10, "signed_date": "2024-01-02", "status": "confirmed"})[1]
    [('status', '不能在登记时指定：状态由客户确认或提出异议决定')]
    """
    rec, errors = _parse_fields(body)
    bad = {k for k, _ in errors}
    errors += _derive_kind(rec, bad)
    for key in ("client_uscc", "contract_amount_wan", "signed_date"):
        if rec[key] is None and key not in bad:
            errors.append((key, "必填项为空"))
    if rec["quantity"] is None and "quantity" not in bad:
        rec["quantity"] = 1
    return rec, errors + _unit_rule(rec, bad)


def _parse_fields(body: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Every claim field through its parser; unknown fields (and ``status``) refused."""
    errors = [("status", "不能在登记时指定：状态由客户确认或提出异议决定") if key == "status" else (key, "未知字段")
              for key in body if key not in CLAIM_FIELDS]
    rec: dict = {}
    for key in CLAIM_FIELDS:
        try:
            rec[key] = _PARSERS[key](_as_text(body.get(key)))
        except f.FieldError as exc:
            rec[key] = None
            errors.append((key, str(exc)))
    return rec, errors


def _derive_kind(rec: dict, bad: set) -> list[tuple[str, str]]:
    """``provider_type`` from ``kind``, or ``kind`` from a provider type with only one kind."""
    if rec["kind"] and rec["provider_type"] is None and "provider_type" not in bad:
        rec["provider_type"] = KIND_TYPE[rec["kind"]]
    if rec["kind"] is None and "kind" not in bad:
        kinds = DELIVERY_KINDS.get(rec["provider_type"] or 0, set())
        if len(kinds) != 1:
            return [("kind", "必填项为空")]
        rec["kind"] = next(iter(kinds))
    return []


def _unit_rule(rec: dict, bad: set) -> list[tuple[str, str]]:
    """Rule C1: a type-1 engineering project names its unit, other types have none."""
    if rec["provider_type"] == 1 and rec["unit"] is None and "unit" not in bad:
        return [("unit", "第1类工程项目须填写改造单元（制造单元/生产线/车间/工厂，规则 C1）")]
    if rec["provider_type"] not in (None, 1) and rec["unit"] is not None:
        return [("unit", "只有第1类工程项目按改造单元计，其他类型不填")]
    return []


def check_claim(rec: dict, client: dict | None, supplier: dict | None,
                today: dt.date) -> list[tuple[str, str]]:
    """Cross-field rules: both enterprises known, then the importer's shared delivery checks."""
    out = []
    if rec.get("client_uscc") and client is None:
        out.append(("client_uscc", f"企业 {rec['client_uscc']} 不在图谱中"))
    if rec.get("supplier_uscc") and supplier is None:
        out.append(("supplier_uscc", f"企业 {rec['supplier_uscc']} 不在图谱中"))
    out += check_delivery_fields(rec, client, supplier, today)
    return out


def first_per_field(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for fld, reason in errors:
        if fld not in seen:
            seen.add(fld)
            out.append((fld, reason))
    return out


# -- who may do what (pure) -----------------------------------------------------------------
def may_see(p: Principal, d: dict, supplier_region: str | None, client_region: str | None) -> bool:
    """Admin; the supplier; the client; a bureau of the client's or the supplier's region.

    >>> d = {"supplier_uscc": "S", "client_uscc": "C"}
    >>> may_see(Principal("m", "manufacturer", uscc="C"), d, "330108", "330102")
    True
    >>> may_see(Principal("sx", "bureau", scope="330600"), d, "330108", "330102")
    False
    """
    if p.is_admin:
        return True
    if p.role == "bureau":
        return access.sees_region(p, client_region) or access.sees_region(p, supplier_region)
    return p.uscc is not None and p.uscc in (d.get("supplier_uscc"), d.get("client_uscc"))


def may_decide(p: Principal, d: dict, client_region: str | None) -> bool:
    """Confirm or dispute: the client's manufacturer account, a bureau of the client's region,
    an admin — never the supplier.

    >>> d = {"supplier_uscc": "S", "client_uscc": "C"}
    >>> may_decide(Principal("bj", "bureau", scope="330108"), d, "330102")
    False
    >>> may_decide(Principal("hz", "bureau", scope="330100"), d, "330102")
    True
    """
    if p.uscc is not None and p.uscc == d.get("supplier_uscc"):
        return False
    if p.is_admin:
        return True
    if p.role == "bureau":
        return access.sees_region(p, client_region)
    return p.role == "manufacturer" and p.uscc == d.get("client_uscc")


def may_withdraw(p: Principal, d: dict) -> bool:
    return p.role == "supplier" and p.uscc == d.get("supplier_uscc")


def period_date(d: dict) -> str | None:
    """The date a delivery is assessed at: its acceptance, else its signing."""
    return d.get("accepted_date") or d.get("signed_date")


def present(row: dict) -> dict:
    """A delivery row from a query as the API shows it (names in Chinese alongside codes)."""
    d = dict(row["delivery"])
    for k in ("supplier_uscc", "client_uscc", "supplier_name", "client_name", "client_region", "supplier_region",
              "corrected_by"):
        if k in row:
            d[k] = row[k]
    d["status_name"] = STATUS_NAMES.get(d.get("status"), d.get("status"))
    d["kind_name"] = KIND_NAMES.get(d.get("kind"), d.get("kind"))
    d["unit_name"] = UNIT_NAMES.get(d.get("unit")) if d.get("unit") else None
    d["rating_name"] = RATING_NAMES.get(d.get("rating")) if d.get("rating") else None
    return d


# -- store-backed operations ------------------------------------------------------------------
def _enterprises(store, usccs) -> dict:
    usccs = sorted({u for u in usccs if u})
    return {r["uscc"]: r for r in store.read("enterprises/existing", usccs=usccs)} if usccs else {}


def new_id(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"DL{today:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"


def claim(store, p: Principal, body: dict, *, ip: str | None = None, today: dt.date | None = None) -> dict:
    """Record a claimed delivery for ``p`` (a supplier for itself; admin or bureau for any
    supplier in scope). Raises Invalid (nothing written), NotAllowed or Conflict."""
    today = today or dt.date.today()
    rec, errors = parse_claim(_claimant_body(p, body))
    if rec["supplier_uscc"] is None and not _has(errors, "supplier_uscc"):
        errors.append(("supplier_uscc", "必填项为空"))
    ents = _enterprises(store, [rec["client_uscc"], rec["supplier_uscc"]])
    client, supplier = ents.get(rec["client_uscc"]), ents.get(rec["supplier_uscc"])
    errors += check_claim(rec, client, supplier, today)
    _check_bureau_scope(p, client, supplier)
    old = None
    if rec["corrects"] and not _has(errors, "corrects"):
        old = _corrected(store, rec["corrects"])
        errors += check_correction(rec, old)
    if errors:
        raise Invalid(first_per_field(errors))
    rec["id"] = rec["id"] or new_id(today)
    if store.read_one("deliveries/get", id=rec["id"]):
        raise Conflict(f"交付编号 {rec['id']} 已存在")
    written = _write_claim(store, p, rec, old, client.get("region_code"), ip)
    return _read_back(store, p, {
        "delivery": written, "supplier_uscc": rec["supplier_uscc"], "client_uscc": rec["client_uscc"],
        "supplier_name": supplier.get("name"), "client_name": client.get("name"),
        "supplier_region": supplier.get("region_code"), "client_region": client.get("region_code"),
        "corrected_by": []})


def _has(errors: list[tuple[str, str]], field: str) -> bool:
    return any(k == field for k, _ in errors)


def _claimant_body(p: Principal, body: dict | None) -> dict:
    """The claim as ``p`` may make it: a manufacturer makes none, a supplier only its own."""
    if p.role == "manufacturer":
        raise NotAllowed("制造企业不能登记交付：由服务商登记，制造企业确认")
    body = dict(body or {})
    if p.role == "supplier":
        given = str(body.get("supplier_uscc") or "").strip().upper()
        if given and given != p.uscc:
            raise NotAllowed("只能登记本企业作为供给方的交付")
        body["supplier_uscc"] = p.uscc
    return body


def _check_bureau_scope(p: Principal, client: dict | None, supplier: dict | None) -> None:
    """A bureau claims only when the supplier or the client lies in its region."""
    if p.role == "bureau" and (client or supplier) and not (
            access.sees_region(p, (client or {}).get("region_code"))
            or access.sees_region(p, (supplier or {}).get("region_code"))):
        raise NotAllowed("供给方和客户都不在本单位管辖区域内")


def _corrected(store, delivery_id: str) -> dict | None:
    row = store.read_one("deliveries/get", id=delivery_id)
    return {**row["delivery"], "supplier_uscc": row["supplier_uscc"], "client_uscc": row["client_uscc"]} if row else None


def check_correction(rec: dict, old: dict | None) -> list[tuple[str, str]]:
    """May ``rec`` correct ``old``: the supplier's own record, decided, same client.

    >>> old = {"id": "D1", "supplier_uscc": "S", "client_uscc": "C", "status": "claimed"}
    >>> check_correction({"corrects": "D1", "supplier_uscc": "S", "client_uscc": "C"}, old)
    [('corrects', '只能更正已确认或有异议的记录（待确认的记录请撤回后重新登记）')]
    """
    if old is None or old.get("supplier_uscc") != rec["supplier_uscc"]:
        return [("corrects", f"本企业没有编号为 {rec['corrects']} 的交付记录")]
    if old.get("status") not in ("confirmed", "disputed"):
        return [("corrects", "只能更正已确认或有异议的记录（待确认的记录请撤回后重新登记）")]
    if old.get("client_uscc") != rec["client_uscc"]:
        return [("client_uscc", "更正记录的客户须与原记录相同，由原客户确认")]
    return []


def _write_claim(store, p: Principal, rec: dict, old: dict | None, region: str | None, ip: str | None) -> dict:
    """Create the delivery (and its CORRECTS link) with its audit event, in one transaction;
    the delivery as stored."""
    with store.transaction() as tx:
        if old is not None:
            live = [c for c in tx.run("deliveries/corrections", id=old["id"])
                    if c["status"] in ("claimed", "confirmed")]
            if live:
                raise Invalid([("corrects", f"原记录已有更正记录 {live[0]['id']}（{STATUS_NAMES[live[0]['status']]}）")])
        rows = tx.run("deliveries/create", **{k: rec[k] for k in CLAIM_FIELDS},
                      created_at=audit.now_iso(), created_by=p.username)
        if not rows:
            raise Invalid([("client_uscc", "企业不在图谱中")])
        # The change log (graphsvc/core/projection.py): the new node and its two edges.
        tx.log_change("Delivery", "upsert", [rows[0]["delivery"]])
        tx.log_change("DELIVERED", "replace_to", [{"from": rec["supplier_uscc"], "to": rec["id"]}])
        tx.log_change("FOR", "replace_from", [{"from": rec["id"], "to": rec["client_uscc"]}])
        if old is not None:
            tx.run("deliveries/link_correction", id=rec["id"], corrects=old["id"])
            tx.log_change("CORRECTS", "replace_pair", [{"from": rec["id"], "to": old["id"]}])
        audit.record(tx, audit.event(p.username, "delivery.claim", rec["id"], region_code=region, ip=ip, detail={
            "status": "claimed", "supplier_uscc": rec["supplier_uscc"], "client_uscc": rec["client_uscc"],
            "kind": rec["kind"], "provider_type": rec["provider_type"],
            "contract_amount_wan": rec["contract_amount_wan"], "corrects": rec["corrects"]}))
    return rows[0]["delivery"]


def _read_back(store, p: Principal, written: dict) -> dict:
    """The delivery just committed, as `get` shows it. The write is stored: a read-back that
    meets a lost database (Neo4j restarting) must not become a 503 saying nothing was written,
    so it answers from the row as written instead."""
    try:
        return get(store, p, written["delivery"]["id"], history=False)
    except StoreUnavailable:
        return present(written)


def _visible(store, p: Principal, delivery_id: str) -> dict:
    row = store.read_one("deliveries/get", id=delivery_id) if delivery_id else None
    if row:
        # the relationships decide who delivered to whom, whatever the properties say
        row["delivery"] = {**row["delivery"], "supplier_uscc": row["supplier_uscc"],
                           "client_uscc": row["client_uscc"]}
    if not row or not may_see(p, row["delivery"], row["supplier_region"], row["client_region"]):
        raise NotVisible("未找到该交付记录，或不在您的可见范围内")
    return row


def transition(store, p: Principal, delivery_id: str, action: str, *, reason: str | None = None,
               ip: str | None = None) -> dict:
    """Confirm, dispute or withdraw one delivery.

    The status is checked inside the write transaction by a conditional update
    (queries/delivery_transition.cypher), so of many concurrent requests exactly one
    succeeds and writes its audit event; the others get Conflict.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    row = _visible(store, p, delivery_id)
    d = row["delivery"]
    _check_may(p, d, action, row["client_region"])
    reason = reason_text(reason)
    want, new = ACTIONS[action]
    if d.get("status") != want:
        raise _conflict(d.get("status"), action)
    now = audit.now_iso()
    confirm = action == "confirm"
    try:
        with store.transaction() as tx:
            moved = tx.run("deliveries/transition", id=d["id"], from_status=want, to_status=new,
                           confirmed_by=p.username if confirm else None,
                           confirmed_at=now if confirm else None)
            if not moved:
                raise _Lost()  # another request moved it first: roll back, write nothing
            tx.log_change("Delivery", "upsert", [{"id": d["id"], "status": new,
                                                  "confirmed_by": p.username if confirm else None,
                                                  "confirmed_at": now if confirm else None}])
            audit.record(tx, audit.event(p.username, f"delivery.{action}", d["id"],
                                         region_code=row["client_region"], ip=ip, detail={
                                             "from": want, "to": new, "reason": reason,
                                             "supplier_uscc": d.get("supplier_uscc"),
                                             "client_uscc": d.get("client_uscc")}))
    except _Lost:
        now_row = store.read_one("deliveries/get", id=d["id"])
        raise _conflict(now_row["delivery"].get("status") if now_row else None, action) from None
    return _read_back(store, p, {**row, "delivery": {**moved[0]["delivery"], "supplier_uscc": d["supplier_uscc"],
                                                     "client_uscc": d["client_uscc"]}})


def _check_may(p: Principal, d: dict, action: str, client_region: str | None) -> None:
    if action == "withdraw":
        if not may_withdraw(p, d):
            raise NotAllowed("只有登记该交付的服务商可以撤回")
    elif not may_decide(p, d, client_region):
        raise NotAllowed("只有客户企业本身或客户所在地经信部门可以确认或提出异议；服务商不能确认自己的登记")


def reason_text(reason) -> str | None:
    """The reason given for a transition, trimmed; None when blank.

    >>> reason_text("  未实际交付 "), reason_text(""), reason_text(None)
    ('未实际交付', None, None)
    """
    if reason is not None and not isinstance(reason, str):
        raise Invalid([("reason", "理由应为文字")])
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise Invalid([("reason", f"理由不能超过{MAX_REASON}字")])
    return reason


class _Lost(Exception):
    pass


def _conflict(status: str | None, action: str) -> Conflict:
    return Conflict(f"该交付当前状态为“{STATUS_NAMES.get(status, status)}”，不能{ACTION_NAMES[action]}"
                    "（只有待确认的交付可以确认、提出异议或撤回；已确认的记录不可修改，更正请新建记录）",
                    status)


def get(store, p: Principal, delivery_id: str, *, history: bool = True) -> dict:
    """One delivery visible to ``p`` (NotVisible otherwise), with its ledger history."""
    row = _visible(store, p, delivery_id)
    d = present(row)
    if history:
        import json

        events = [{**e["event"], "detail": json.loads(e["event"].get("detail") or "{}")}
                  for e in store.read("deliveries/history", id=delivery_id)]
        # audit times have one-second resolution: within a second the claim comes first
        d["history"] = sorted(events, key=lambda e: (e["at"], e["action"] != "delivery.claim"))
        for e in d["history"]:
            e.pop("ip", None)
    return d


def listing(store, p: Principal, *, status: str | None = None, side: str = "client",
            supplier: str | None = None, client: str | None = None, limit: int = 100,
            offset: int = 0, after: list[str] | None = None) -> list[dict]:
    """Deliveries ``p`` may list: a supplier its own; a manufacturer those addressed to it; a
    bureau those whose client (``side='client'``) or supplier (``side='supplier'``) is in its
    region; an admin all. ``supplier``/``client`` narrow bureau and admin lists. ``after`` is
    the ``sort_key`` of the last delivery already seen (keyset paging: the engine never SKIPs)."""
    page = {"status": status, "limit": offset + limit, "after_key": after[0] if after else None,
            "after_id": after[1] if after else None}
    if p.role == "supplier":
        rows = store.read("deliveries/list_supplier", uscc=p.uscc, **page)
    elif p.role == "manufacturer":
        rows = store.read("deliveries/list_client", uscc=p.uscc, **page)
    elif p.is_admin and supplier and not client:
        rows = store.read("deliveries/list_supplier", uscc=supplier, **page)
    elif p.is_admin and client and not supplier:
        rows = store.read("deliveries/list_client", uscc=client, **page)
    else:
        prefix = access.visible_prefix(p)
        if prefix is None:
            return []
        rows = store.read("deliveries/list_region", prefix=prefix, side=side, supplier=supplier,
                          client=client, **page)
    return [present(r) for r in rows[offset:]]


def sort_key(d: dict) -> list[str]:
    """The key lists are ordered by (descending), as the delivery_list_* queries compute it."""
    return [d.get("created_at") or d.get("signed_date") or "", d["id"]]


def principal_of(store, username: str) -> Principal:
    """The principal of an active account (for the CLI's ``--as``)."""
    row = store.read_one("accounts/get", username=username)
    acc = row["account"] if row else None
    if not acc or not acc.get("active"):
        raise NotAllowed(f"没有名为 {username} 的有效账户")
    return Principal(acc["username"], acc["role"], acc.get("scope"), acc.get("uscc"))
