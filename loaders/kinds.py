"""The import kinds of docs/domain-model.md §7 (plus `capacities`, issue #16): columns (English and Chinese headers) and parsers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable

from graphsvc.core import coercion as f
from graphsvc.core.vocabulary import (DELIVERY_KINDS, DELIVERY_RATINGS, DELIVERY_STATUSES, LEVELS, RECOGNITION_KINDS, RECOGNITION_STATUSES, UNITS)

# The vocabulary lives in graphsvc.core.vocabulary; importers only use it.


@dataclass(frozen=True)
class Column:
    name: str
    zh: tuple[str, ...]
    parse: Callable[[str], object]
    required: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    columns: tuple[Column, ...]
    # USCC column → the company-name column that may stand in for it (issue #24): a row naming
    # the company instead is matched to an enterprise before it is checked.
    by_name: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _name_cell(raw: str):
    """A company name as written (matching cleans it); checked by the matcher, not here."""
    return raw.strip() or None


def _names(*pairs: tuple[str, tuple[str, ...]]) -> tuple[Column, ...]:
    """Company-name columns, and `name_region` (the place of the row's first named company)."""
    return tuple(Column(n, zh, _name_cell) for n, zh in pairs) + (
        Column("name_region", ("名称所在地区", "所在地区"), _name_cell),)


def _any_delivery_kind(raw: str):
    v = raw.strip()
    if not v:
        return None
    known = sorted(set().union(*DELIVERY_KINDS.values()))
    if v not in known:
        raise f.FieldError(f"交付类型应为 {'/'.join(known)} 之一，实为“{v}”")
    return v


def _provider_type(raw: str):
    return f.integer(raw, 1, 6)


def _process(raw: str):
    from graphsvc.core.reference import process_words

    v = raw.strip()
    if not v:
        return None
    pid = process_words().get(v) or process_words().get(v.lower())
    if pid is None:
        raise f.FieldError(f"未知的工序“{v}”：应为工序目录（processes.yaml）中的编号或中文名，如 cnc/数控机加工")
    return pid


def former_names(raw: str):
    """曾用名: several names separated by `;` or `；` (commas belong to some names); each ≤ 200 characters.

    >>> former_names(" 杭州示例恒达机械有限公司；杭州恒达机械厂; ")
    ['杭州示例恒达机械有限公司', '杭州恒达机械厂']
    >>> former_names("") is None
    True
    """
    names = [n for n in (f.text(p) for p in re.split(r"[;；]", raw)) if n]
    for n in names:
        if len(n) > 200:
            raise f.FieldError(f"曾用名“{n[:20]}…”超过 200 个字符")
    return list(dict.fromkeys(names)) or None


def _positive_integer(raw: str):
    return f.integer(raw, 1)


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("enterprises", "企业", (
        Column("uscc", ("统一社会信用代码",), f.uscc, True),
        Column("name", ("企业名称",), f.text, True),
        Column("region_code", ("行政区划代码", "注册地区划代码"), f.region_code),
        Column("industry_code", ("所属行业", "行业代码"), f.industry_code),
        Column("industry_kind", ("行业类型", "离散/流程"), f.choice(("discrete", "process"))),
        Column("is_manufacturer", ("是否制造业企业", "是否制造业"), f.boolean),
        Column("provider_types", ("智造供给类型", "供给类型"), f.provider_types),
        Column("high_tech", ("高新技术企业", "是否高新技术企业"), f.boolean),
        Column("credit_ok", ("信用良好", "未列入失信名单"), f.boolean),
        Column("revenue_wan", ("营业收入（万元）", "营业收入(万元)", "营业收入"), f.number),
        Column("rd_spend_wan", ("研发投入（万元）", "研发投入(万元)", "研发投入"), f.number),
        Column("rd_staff", ("研发人员数", "研发人员"), f.integer),
        Column("employees", ("从业人员数", "员工人数"), f.integer),
        Column("segment_ids", ("链上环节", "产业链环节"), f.split_list),
        Column("former_names", ("曾用名", "曾用名称"), former_names),
    )),
    Kind("supplies", "供应关系", (
        Column("supplier_uscc", ("供应商统一社会信用代码", "供应方统一社会信用代码"), f.uscc, True),
        Column("buyer_uscc", ("采购方统一社会信用代码", "需求方统一社会信用代码"), f.uscc, True),
        Column("year", ("年度", "年份"), f.year, True),
        Column("amount_wan", ("采购金额（万元）", "金额（万元）", "金额(万元)"), f.number, True),
        Column("segment_id", ("链上环节", "产业链环节"), f.text),
        *_names(("supplier_name", ("供应商名称", "供应方名称")), ("buyer_name", ("采购方名称", "需求方名称"))),
    ), by_name=(("buyer_uscc", "buyer_name"), ("supplier_uscc", "supplier_name"))),
    Kind("deliveries", "交付记录", (
        Column("id", ("编号", "交付编号"), f.delivery_id, True),
        Column("supplier_uscc", ("供给方统一社会信用代码", "服务商统一社会信用代码"), f.uscc, True),
        Column("client_uscc", ("客户统一社会信用代码", "服务对象统一社会信用代码"), f.uscc, True),
        Column("kind", ("交付类型",), _any_delivery_kind, True),
        Column("provider_type", ("供给类型",), _provider_type, True),
        Column("unit", ("改造单元", "单元"), f.choice(UNITS)),
        Column("quantity", ("数量",), f.integer),
        Column("contract_amount_wan", ("合同金额（万元）", "合同金额(万元)", "合同金额"), f.number),
        Column("signed_date", ("签约日期", "签订日期"), f.date),
        Column("accepted_date", ("验收日期",), f.date),
        Column("status", ("状态",), f.choice(DELIVERY_STATUSES)),
        Column("rating", ("评价", "验收评价"), f.choice(DELIVERY_RATINGS)),
        *_names(("supplier_name", ("供给方名称", "服务商名称")), ("client_name", ("客户名称", "服务对象名称"))),
    ), by_name=(("client_uscc", "client_name"), ("supplier_uscc", "supplier_name"))),
    Kind("recognitions", "认定/培育", (
        Column("uscc", ("统一社会信用代码",), f.uscc, True),
        Column("kind", ("类别", "认定类别"), f.choice(RECOGNITION_KINDS), True),
        Column("level", ("级别",), f.choice(LEVELS), True),
        Column("status", ("状态", "建设状态"), f.choice(RECOGNITION_STATUSES), True),
        Column("year", ("年度", "年份"), f.year, True),
        Column("chain_id", ("所属产业链", "产业链"), f.text),
        Column("rating", ("评级", "评定情况"), f.text),
        *_names(("name", ("企业名称",))),
    ), by_name=(("uscc", "name"),)),
    Kind("projects", "攻关项目", (
        Column("id", ("项目编号", "编号"), f.text, True),
        Column("owner_uscc", ("统一社会信用代码", "企业统一社会信用代码"), f.uscc, True),
        Column("name", ("项目名称",), f.text, True),
        Column("industry_code", ("所属行业",), f.industry_code),
        Column("investment_wan", ("项目计划投资额（万元）", "投资额（万元）", "投资额(万元)"), f.number),
        Column("start_date", ("开工日期", "项目开始日期"), f.date),
        Column("one_plus_n", ("是否为“1+N”形式项目", "1+N"), f.choice(("1", "N"))),
        Column("group_id", ("1+N组号", "组号"), f.text),
        Column("service_org_uscc", ("数字工程服务机构统一社会信用代码",), f.uscc),
        Column("prior_city_subsidy", ("已获市级数字化改造补助", "已获市级补助"), f.boolean),
        *_names(("owner_name", ("企业名称",)), ("service_org_name", ("数字工程服务机构名称",))),
    ), by_name=(("owner_uscc", "owner_name"), ("service_org_uscc", "service_org_name"))),
    Kind("memberships", "聚能工厂成员", (
        Column("platform_uscc", ("平台统一社会信用代码", "聚能工厂统一社会信用代码"), f.uscc, True),
        Column("member_uscc", ("成员统一社会信用代码", "成员企业统一社会信用代码"), f.uscc, True),
        Column("since", ("加入日期",), f.date),
        Column("capabilities", ("能力", "工艺能力"), f.split_list),
    )),
    Kind("capacities", "工序产能", (
        Column("uscc", ("统一社会信用代码", "工厂统一社会信用代码"), f.uscc, True),
        Column("process", ("工序",), _process, True),
        Column("units_per_week", ("周产能（件）", "周产能(件)", "周产能"), _positive_integer, True),
        Column("unit_cost_yuan", ("单件成本（元）", "单件成本(元)", "单件成本"), f.number, True),
        Column("setup_cost_yuan", ("准备费（元）", "准备费(元)", "准备费", "开机费"), f.number, True),
        Column("valid_from", ("有效期起", "生效日期"), f.date),
        Column("valid_to", ("有效期止", "失效日期"), f.date),
    )),
]}


def header_map(kind: Kind, header: list[str]) -> tuple[dict[int, Column], list[str]]:
    """Map file columns to kind columns by English or Chinese name; return (map, unknown headers)."""
    names = {}
    for c in kind.columns:
        names[c.name.lower()] = c
        for z in c.zh:
            names[z] = c
    mapping, unknown = {}, []
    for i, h in enumerate(header):
        col = names.get(h.strip()) or names.get(h.strip().lower())
        if col is None:
            if h.strip():
                unknown.append(h.strip())
            continue
        mapping[i] = col
    return mapping, unknown


def repeated_columns(kind: Kind, header: list[str]) -> list[dict]:
    """Report entries for kind columns the header names more than once (`name,name`, or
    `uscc` beside its alias `统一社会信用代码`): which of the two is meant cannot be guessed."""
    mapping, _ = header_map(kind, header)
    where: dict[str, list[int]] = {}
    for i, col in mapping.items():
        where.setdefault(col.name, []).append(i)
    return [{"row": 1, "field": name, "reason": "列“{}”出现了 {} 次（第 {} 列：{}）：每列只能出现一次".format(
                name, len(ix), "、".join(str(i + 1) for i in ix), "、".join(header[i].strip() for i in ix))}
            for name, ix in where.items() if len(ix) > 1]
