"""Navigation per role. A link is shown only once its page exists, so pages land one by one."""
from __future__ import annotations

from flask import current_app

from graphsvc.core import reference

ROLE_NAMES = {"admin": "管理员", "bureau": "经信部门", "manufacturer": "制造企业", "supplier": "智造供给服务商"}

# (path, label, roles)
NAV = [
    ("/bureau", "总览", ("admin", "bureau")),
    ("/local-supply", "本地配套", ("admin", "bureau")),
    ("/chains", "产业链覆盖", ("admin", "bureau")),
    ("/map", "区县地图", ("admin", "bureau")),
    ("/targets", "目标进度", ("admin", "bureau")),
    ("/exports", "汇总表导出", ("admin", "bureau")),
    ("/imports", "数据导入", ("admin", "bureau")),
    ("/contractors", "服务商推荐", ("admin", "bureau", "manufacturer")),
    ("/eligibility", "申报自查", ("admin", "bureau", "manufacturer", "supplier")),
    ("/inbox", "待确认交付", ("admin", "bureau", "manufacturer")),
    ("/ledger", "交付台账", ("supplier",)),
    ("/assessment", "考核统计", ("supplier",)),
    ("/audit", "审计日志", ("admin", "bureau")),
]


def nav_items(principal) -> list[dict]:
    adapter = current_app.url_map.bind("")
    out = []
    for path, label, roles in NAV:
        if principal.role not in roles:
            continue
        try:
            adapter.match(path, method="GET")
        except Exception:  # no page there yet (NotFound / RequestRedirect / MethodNotAllowed)
            continue
        out.append({"url": path, "label": label})
    return out


def region_name(code: str | None) -> str:
    return reference.district_name(code) or (code or "")


def register(app) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, role_names=ROLE_NAMES, region_name=region_name)
