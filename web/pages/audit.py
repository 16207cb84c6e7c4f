"""/audit: the audit log as a paged table (admin: everything; bureau: events in its region).

Same data and scoping as `GET /api/v1/audit`; the page reads one row more than it shows to
know whether there is a next page.
"""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request

from graphsvc.core import access
from graphsvc.core import regions
from web.auth import current_principal, page, store
from web.errors import wants_json
from graphsvc.core.paging import MAX_OFFSET
from web.paging import cursor_params, list_page

bp = Blueprint("audit", __name__)

PAGE_SIZES = (20, 50, 100)
CHINA = dt.timezone(dt.timedelta(hours=8))
ACTIONS = {
    "import": "数据导入", "account.add": "新增账号", "account.disable": "停用账号", "account.enable": "启用账号",
    "account.set_active": "启停账号", "account.password": "修改密码", "token.create": "创建令牌",
    "token.revoke": "撤销令牌", "delivery.claim": "登记交付", "delivery.confirm": "确认交付",
    "delivery.dispute": "对交付提出异议", "delivery.withdraw": "撤回交付", "delivery.correct": "更正交付",
    "project.group": "设置 1+N 组", "backup": "备份", "restore": "恢复",
    "login.success": "登录成功", "login.failure": "登录失败", "login.throttled": "登录被限制", "logout": "退出登录",
    "session.end": "结束会话", "access.denied": "拒绝访问", "export.download": "下载文件",
}
KIND_NAMES = {"enterprises": "企业", "supplies": "供应关系", "deliveries": "交付记录", "recognitions": "认定/培育",
              "projects": "攻关项目", "memberships": "聚能工厂成员", "capacities": "工序产能"}


def action_label(action: str) -> str:
    """Chinese name of an audit action, e.g. import.supplies -> 数据导入（供应关系）."""
    if action.startswith("import."):
        kind = action.split(".", 1)[1]
        return f"数据导入（{KIND_NAMES.get(kind, kind)}）"
    return ACTIONS.get(action) or ACTIONS.get(action.split(".")[0]) or action


def local_time(at: str | None) -> str:
    try:
        return dt.datetime.fromisoformat(at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return at or ""


def events(who, action: str | None, pg) -> list[dict]:
    visible = None if who.is_admin else [c for c in regions.regions() if access.sees_region(who, c)]
    rows = store().read("core/audit_list", regions=visible, action=action, limit=pg.fetch,
                        **cursor_params(pg, "after_at", "after_id"))
    items = []
    for r in rows:
        e = dict(r["event"])
        try:
            e["detail"] = json.loads(e.get("detail") or "{}")
        except ValueError:
            e["detail"] = {"raw": e.get("detail")}
        items.append(e)
    return items


@bp.get("/audit")
@page("admin", "bureau", nav="审计日志", nav_order=130)
def audit_log():
    who = current_principal()
    pg = list_page(2, default_limit=50, max_limit=200)
    limit, offset = pg.limit, pg.offset
    action = (request.args.get("action") or "").strip() or None
    body = pg.cut(events(who, action, pg), lambda e: [e.get("at") or "", e["id"]])
    items, more = body["items"], body["next"] is not None
    if wants_json():
        return jsonify({**body, "has_more": more})

    def link(off: int, after: str | None = None) -> str:
        # Offsets past MAX_OFFSET are refused: deeper pages continue from the last row's key.
        q = {"after": after, "limit": limit} if after or off > MAX_OFFSET else {"offset": off, "limit": limit}
        if action:
            q["action"] = action
        return "/audit?" + urlencode(q)

    api_q = {"limit": limit, "offset": offset, **({"after": request.args["after"]} if pg.after else {}),
             **({"action": action} if action else {})}
    for e in items:
        e["at_local"] = local_time(e.get("at"))
        e["action_label"] = action_label(e.get("action") or "")
        e["region_name"] = regions.district_name(e["region_code"]) if e.get("region_code") else ""
        e["detail_text"] = "；".join(f"{k}={v}" for k, v in (e["detail"] or {}).items() if v is not None)
    return render_template("audit/index.html", items=items, limit=limit, offset=offset, action=action or "",
                           page_sizes=PAGE_SIZES, cursor=pg.after is not None,
                           prev_url=link(max(0, offset - limit)) if offset or pg.after else None,
                           next_url=link(offset + limit, body["next"] if pg.after or offset + limit > MAX_OFFSET
                                         else None) if more else None,
                           api_url="/api/v1/audit?" + urlencode(api_q))
