"""Chinese names of the audit detail keys and of the values that are keys themselves (a
status, a kind), for the /audit page and the delivery page (the stored detail keeps the keys;
the words are graphsvc.core.vocabulary's).

>>> detail_text({"supplier_uscc": "X", "client_uscc": "Y", "contract_amount_wan": 12.5, "partial": False})
'服务商=X；客户=Y；合同金额（万元）=12.5；部分导入=否'
>>> detail_text({"kind": "engineering_project", "from": "claimed", "to": "confirmed", "rows": 3})
'类别=数字化制造工程项目；原状态=待确认；新状态=已确认；行数=3'
"""
from __future__ import annotations

from graphsvc.core.vocabulary import AUDIT_DETAIL_LABELS as DETAIL_LABELS
from graphsvc.core.vocabulary import AUDIT_DETAIL_VALUES


def _value(key: str, v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    return AUDIT_DETAIL_VALUES.get(key, {}).get(v, str(v)) if isinstance(v, str) else str(v)


def detail_text(detail: dict | None) -> str:
    """The detail as “名称=值” pairs; a key without a Chinese name is shown as “其他”."""
    return "；".join(f"{DETAIL_LABELS.get(k, '其他')}={_value(k, v)}" for k, v in (detail or {}).items() if v is not None)
