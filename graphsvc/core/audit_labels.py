"""Chinese names of the audit detail keys and of the values that are keys themselves (a
status, a kind), for the /audit page and the delivery page (the stored detail keeps the keys;
the words are graphsvc.core.vocabulary's).

>>> detail_text({"supplier_uscc": "X", "client_uscc": "Y", "contract_amount_wan": 12.5, "partial": False})
'服务商=X；客户=Y；合同金额（万元）=12.5；部分导入=否'
>>> detail_text({"kind": "engineering_project", "from": "claimed", "to": "confirmed", "rows": 3})
'类别=数字化制造工程项目；原状态=待确认；新状态=已确认；行数=3'
>>> detail_text({"client_uscc": "Y", "supplier_uscc": "X"}, {"Y": "乙公司"})
'客户=乙公司（Y）；服务商=X'
>>> detail_text({"rows": 4, "by_name": {"matched": 3, "review": 1, "none": 0}})
'行数=4；按名称填写的行=已匹配 3、待复核 1、未找到 0'
"""
from __future__ import annotations

from graphsvc.core.vocabulary import AUDIT_DETAIL_LABELS as DETAIL_LABELS
from graphsvc.core.vocabulary import AUDIT_DETAIL_VALUES


USCC_KEYS = ("supplier_uscc", "client_uscc", "uscc")


def _value(key: str, v, names: dict) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dict):  # counts by kind: {"matched": 3, "review": 1}
        return "、".join(f"{AUDIT_DETAIL_VALUES.get(key, {}).get(k, k)} {n}" for k, n in v.items())
    if key in USCC_KEYS and names.get(v):
        return f"{names[v]}（{v}）"
    return AUDIT_DETAIL_VALUES.get(key, {}).get(v, str(v)) if isinstance(v, str) else str(v)


def detail_text(detail: dict | None, names: dict | None = None) -> str:
    """The detail as “名称=值” pairs; a key without a Chinese name is shown as “其他”; an
    enterprise with its name from `names` (USCC -> name), the code after it."""
    return "；".join(f"{DETAIL_LABELS.get(k, '其他')}={_value(k, v, names or {})}"
                    for k, v in (detail or {}).items() if v is not None)


def usccs_in(events: list[dict]) -> set[str]:
    """The enterprises `events` name: a target that is a USCC, and the detail's USCC keys.

    >>> sorted(usccs_in([{"target": "91330100MA2B3C4D5E", "detail": {"client_uscc": "Y"}}, {"target": "D1"}]))
    ['91330100MA2B3C4D5E', 'Y']
    """
    out = set()
    for e in events:
        t = e.get("target") or ""
        if len(t) == 18 and t.isalnum():
            out.add(t)
        out |= {v for k, v in (e.get("detail") or {}).items() if k in USCC_KEYS and isinstance(v, str)}
    return out
