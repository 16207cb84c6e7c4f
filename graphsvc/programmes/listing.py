"""The programmes as the rules catalogue lists them, and the catalogue as public reference
data (GET /api/v1/rules): ids, names and who may self-check which programme all come from the
rules files (graphsvc/refdata/rules/*.yaml), so a new call is a data change.

>>> [p["id"] for p in programmes_for_role("supplier")]
['bj-2023-provider']
>>> PROJECT_PROGRAMMES
('hz-2023-digital-project',)
"""
from __future__ import annotations

import datetime as dt
import math

from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import facts
from graphsvc.programmes.reports import FORM_NAMES, form_ids
from graphsvc.programmes import forms

# Programme id -> name, in listing order.
PROGRAMMES = {pid: _cat.programme(pid)["name"] for pid in _cat.programme_ids()}
# Programmes that evaluate a 攻关项目 (the others evaluate an enterprise).
PROJECT_PROGRAMMES = tuple(pid for pid in PROGRAMMES if _cat.programme(pid)["subject"] == "project")


def programmes_for_role(role: str) -> list[dict]:
    """``[{id, name}]`` a caller of *role* may self-check, in listing order (a 智造供给服务商
    only the programmes marked ``suppliers``)."""
    return [{"id": pid, "name": name} for pid, name in PROGRAMMES.items()
            if role != "supplier" or _cat.programme(pid)["suppliers"]]


def what_if_facts(programme_id: str) -> list[str]:
    """The facts the self-check form asks for, for *programme_id* (catalogue ``what_if``)."""
    return list(_cat.programme(programme_id)["what_if"])


def jsonable(value):
    """Dates as ISO text, tuples and sets as lists, recursively (Flask would print a date
    as an HTTP date).

    >>> jsonable({"d": dt.date(2022, 1, 1), "t": (1, 2)})
    {'d': '2022-01-01', 't': [1, 2]}
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def catalogue_view() -> dict:
    cat = _cat.default()
    docs = [{k: v for k, v in d.items()} for d in cat["documents"].values()]
    rules = [rule_view(rid) for rid in cat["rules"]]
    progs = [{"id": pid, "name": PROGRAMMES.get(pid, pid), **p} for pid, p in cat["programmes"].items()]
    return jsonable({"documents": docs, "rules": rules, "programmes": progs,
                     "forms": [{"id": f, "name": FORM_NAMES[f], "title": forms.FORMS[f]["title"],
                                "rule_id": forms.FORMS[f]["rule_id"]} for f in form_ids()]})


def rule_view(rule_id: str) -> dict:
    cat = _cat.default()
    r = cat["rules"].get(rule_id)
    if r is None:
        raise facts.NotFound("rule_id", f"未知的规则编号“{rule_id}”")
    return jsonable({"id": r["id"], "document_id": r["document_id"], "text": r["text"], "params": r["params"],
                     "computable": bool(r.get("computable")), "kind": r.get("kind"),
                     "source": cat["documents"][r["document_id"]]["seed_file"],
                     "programmes": [p for p, v in cat["programmes"].items() if rule_id in v["rule_ids"]]})
