"""Chinese names of the audit detail keys, for the /audit page (the stored detail keeps the keys).

>>> detail_text({"supplier_uscc": "X", "client_uscc": "Y", "contract_amount_wan": 12.5, "partial": False})
'服务商=X；客户=Y；合同金额（万元）=12.5；部分导入=否'
"""
from __future__ import annotations

DETAIL_LABELS = {
    "status": "状态", "supplier_uscc": "服务商", "client_uscc": "客户", "kind": "类别",
    "provider_type": "服务商类型", "contract_amount_wan": "合同金额（万元）", "corrects": "更正记录",
    "from": "原状态", "to": "新状态", "reason": "理由", "rows": "行数", "accepted": "接受",
    "rejected": "拒绝", "created": "新增", "updated": "更新", "partial": "部分导入", "role": "角色",
    "scope": "管辖范围", "uscc": "统一社会信用代码", "expires_at": "有效期至", "count": "数量",
    "method": "请求方法", "query": "查询参数", "file": "文件",
}


def _value(v) -> str:
    return ("是" if v else "否") if isinstance(v, bool) else str(v)


def detail_text(detail: dict | None) -> str:
    """The detail as “名称=值” pairs; a key without a Chinese name is shown as “其他”."""
    return "；".join(f"{DETAIL_LABELS.get(k, '其他')}={_value(v)}" for k, v in (detail or {}).items() if v is not None)
