"""The project's words, once: delivery kinds and statuses, project units, recognition kinds,
levels and statuses, and the yes/no words people type. Importers, rules, pages and the
dashboard all read them from here.

>>> yes_no(" 是 "), yes_no("√"), yes_no("没有"), yes_no("")
(True, True, False, None)
"""
from __future__ import annotations

DELIVERY_KINDS = {  # what each Binjiang provider type proves (rule C1)
    1: {"engineering_project"},
    2: {"platform_onboarding", "industrial_app"},
    3: {"security_contract"},
    4: {"module_transfer"},
    5: {"iot_project"},
    6: {"system_integration"},
}
UNITS = ("cell", "line", "workshop", "factory")
PROCESS_UNITS = ("workshop", "factory")  # rule C1: process industry counted by 车间 / 工厂
DELIVERY_STATUSES = ("claimed", "confirmed", "disputed", "withdrawn")
DELIVERY_RATINGS = ("excellent", "good", "qualified")

# Hangzhou's five kinds of 未来工厂 plus the umbrella title, then the other recognitions.
FUTURE_FACTORY_KINDS = ("未来工厂", "聚能工厂", "链主工厂", "智能工厂", "数字化车间", "云端工厂")
RECOGNITION_KINDS = FUTURE_FACTORY_KINDS + ("数字工厂", "工业互联网平台", "智造供给培育")
LEADER_KIND = "链主工厂"
LEVELS = ("国家", "省", "市", "区")
RECOGNITION_STATUSES = ("培育", "认定")

YES = frozenset({"true", "1", "yes", "y", "t", "是", "有", "对", "√"})
NO = frozenset({"false", "0", "no", "n", "f", "否", "无", "没有", "×"})


def yes_no(text: str) -> bool | None:
    """True/False for a yes/no word, None for blank; ValueError for anything else."""
    v = text.strip().lower()
    if not v:
        return None
    if v in YES:
        return True
    if v in NO:
        return False
    raise ValueError(text)


# ---------------------------------------------------------------- labels people read
# Every user-facing name of a key, status or action: pages, exports and the audit log read
# them from here (a module keeps a short alias where it had one).

DELIVERY_STATUS_NAMES = {"claimed": "待确认", "confirmed": "已确认", "disputed": "有异议", "withdrawn": "已撤回"}
DELIVERY_KIND_NAMES = {
    "engineering_project": "数字化制造工程项目",
    "platform_onboarding": "企业上平台服务",
    "industrial_app": "工业APP",
    "security_contract": "工业物联网安全服务合同",
    "module_transfer": "智能化模块转让",
    "iot_project": "智能产品物联网工程项目",
    "system_integration": "应用系统集成工程项目",
}
UNIT_NAMES = {"cell": "制造单元", "line": "生产线", "workshop": "车间", "factory": "工厂"}
RATING_NAMES = {"excellent": "优秀", "good": "良好", "qualified": "合格"}
DELIVERY_FIELD_LABELS = {
    "id": "交付编号", "supplier_uscc": "供给方统一社会信用代码", "client_uscc": "客户统一社会信用代码",
    "kind": "交付类型", "provider_type": "供给类型", "unit": "改造单元", "quantity": "数量",
    "contract_amount_wan": "合同金额（万元）", "signed_date": "签约日期", "accepted_date": "验收日期",
    "rating": "验收评价", "corrects": "更正的原记录编号", "reason": "理由",
}
INDUSTRY_KIND_NAMES = {"discrete": "离散型", "process": "流程型", "unclassified": "行业类型未知"}
STAGE_NAMES = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
ROLE_NAMES = {"admin": "管理员", "bureau": "经信部门", "manufacturer": "制造企业", "supplier": "智造供给服务商"}
TOKEN_STATES = {"active": "有效", "revoked": "已撤销", "expired": "已过期"}
# A provider's assessment conditions (rule C2 and the modules) and a self-check's rules read
# the same outcomes in the words of their documents.
CONDITION_OUTCOMES = {"pass": "符合", "fail": "不符合", "unknown": "无法判断", "not_applicable": "不适用",
                      "notice": "提示", "needs_reason": "原则上不符合，需说明理由"}
ELIGIBILITY_OUTCOMES = {"pass": "通过", "fail": "不通过", "unknown": "待补充", "not_applicable": "不适用",
                        "notice": "提示", "needs_reason": "原则上不符合，需说明理由", "reference": "参考指标"}

AUDIT_ACTIONS = {
    "import": "数据导入", "account.add": "新增账号", "account.disable": "停用账号", "account.enable": "启用账号",
    "account.set_active": "启停账号", "account.password": "修改密码", "token.create": "创建令牌",
    "token.revoke": "撤销令牌", "delivery.claim": "登记交付", "delivery.confirm": "确认交付",
    "delivery.dispute": "对交付提出异议", "delivery.withdraw": "撤回交付", "delivery.correct": "更正交付",
    "delivery.import": "导入交付记录", "delivery.import_historical": "导入台账之前的交付记录（导入人担保）",
    "account.password_reset": "重置密码",
    "project.group": "设置 1+N 组", "backup": "备份", "restore": "恢复",
    "login.success": "登录成功", "login.failure": "登录失败", "login.throttled": "登录被限制", "logout": "退出登录",
    "session.end": "结束会话", "access.denied": "拒绝访问", "export.download": "下载文件",
    "match.accept": "确认名称匹配", "match.reject": "驳回名称匹配",
}
IMPORT_KIND_NAMES = {"enterprises": "企业", "supplies": "供应关系", "deliveries": "交付记录", "recognitions": "认定/培育",
                     "projects": "攻关项目", "memberships": "聚能工厂成员", "capacities": "工序产能"}
AUDIT_DETAIL_LABELS = {
    "status": "状态", "supplier_uscc": "服务商", "client_uscc": "客户", "kind": "类别",
    "provider_type": "服务商类型", "contract_amount_wan": "合同金额（万元）", "corrects": "更正记录",
    "from": "原状态", "to": "新状态", "reason": "理由", "rows": "行数", "accepted": "接受",
    "rejected": "拒绝", "created": "新增", "updated": "更新", "partial": "部分导入", "role": "角色",
    "scope": "管辖范围", "uscc": "统一社会信用代码", "expires_at": "有效期至", "count": "数量",
    "method": "请求方法", "query": "查询参数", "file": "文件", "vouched_by": "担保人",
    "can_manage_accounts": "账号管理员", "id": "编号", "name": "名称", "row": "行号",
    "by_name": "按名称填写的行",
}
# How a row that names a company instead of giving its USCC was matched (the 名称匹配 page).
MATCH_DECISIONS = {"matched": "已匹配", "review": "待复核", "none": "未找到", "error": "有误"}
# The facts the rules read (graphsvc.programmes), by key: a reason names the one missing.
FACT_LABELS = {
    "region_code": "注册地行政区划代码",
    "is_manufacturer": "是否制造业企业",
    "credit_ok": "信用状况（未列入失信联合惩戒名单）",
    "category": "申报“未来工厂”类别",
    "recognitions": "“未来工厂”评定/培育记录",
    "in_pool_2021_2022": "是否已列入2021-2022年培育库",
    "start_date": "项目开工日期",
    "investment_wan": "项目实际投资额",
    "one_plus_n": "“1+N”标识",
    "prior_city_subsidy": "是否享受过市级数字化改造奖补",
    "group": "同组“1+N”项目",
    "group_id": "“1+N”项目组编号",
    "provider_types": "智造供给类型",
    "four_capabilities": "是否具备“四大能力”",
    "revenue_growth": "年营收增速",
    "tax_growth": "年税收增速",
    "high_tech": "是否国家高新技术企业",
    "own_ip": "是否拥有独立自主知识产权",
    "rd_spend_wan": "年研发投入",
    "rd_staff": "研发人员数",
    "has_team": "是否有数字化制造工程/平台/产品智能化团队",
    "three_year_goals": "是否有今后三年明确目标",
    "rd_budget": "是否有明确研发投入预算",
    "target_fields": "智能制造应用领域",
    "violations_3y": "近三年违法行为",
    "revenue_wan": "上一年营业收入",
    "revenue_growth_3y_avg": "近三年营业收入年均增速",
    "profit_margin": "营业收入利润率",
    "tax_per_mu_wan": "亩均税收",
    "market_rank_global": "全球市场占有率排名",
    "market_rank_national": "全国市场占有率排名",
    "credit_rating": "公共信用等级评价",
    "rd_ratio": "研发费用占营业收入比重",
    "rd_spend_wan_by_year": "近三年研发费用",
    "rd_staff_ratio": "研发人员占全部职工比例",
    "degree_ratio": "本科及以上学历或中级及以上职称人员占比",
    "talent_team": "是否拥有省级以上领军型创新创业团队/领军人才",
    "invention_patents": "涉数字产业领域有效发明专利数",
    "software_copyrights": "软件著作权数",
    "standards": "牵头或参与制修订国际/国家/行业标准数",
    "uses_cloud": "是否应用云服务器/云存储/云数据库/云安全",
    "data_middle_platform": "是否建有数据中台/业务中台/业务总线",
    "security_management": "是否建立网络安全管理制度",
    "data_classification": "是否建立数据分类分级管理制度",
    "developers": "平台活跃开发者数量",
    "integrated_apps": "平台集成的应用和解决方案数量",
    "service_cases_3y": "近三年服务案例数量",
    "industries_served": "解决方案适配的大类行业或社会领域数",
    "rated_tier": "2021-2022年已评定的最高类别",
    "rated": "是否已评定",
    "revenue_wan_by_year": "近年营业收入",
    "tax_wan_by_year": "近年税收",
    "employees": "职工人数",
    "name": "企业名称",
    "industry_code": "所属行业代码",
    "industry_kind": "离散/流程型",
}
# The audit detail's values that are keys themselves, by detail key.
AUDIT_DETAIL_VALUES = {"status": DELIVERY_STATUS_NAMES, "from": DELIVERY_STATUS_NAMES, "to": DELIVERY_STATUS_NAMES,
                       "kind": {**DELIVERY_KIND_NAMES, **IMPORT_KIND_NAMES}, "role": ROLE_NAMES,
                       "unit": UNIT_NAMES, "rating": RATING_NAMES, "by_name": MATCH_DECISIONS}
