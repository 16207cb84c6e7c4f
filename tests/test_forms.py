"""Government forms (A1.6 附件1, A2.9 附件2, D11 附件3): write real .xlsx files and read them back."""

import datetime as dt

import openpyxl
import pytest

from graphsvc.programmes import forms

FF_ROWS = [
    {"enterprise_name": "示例智造有限公司", "category": "智能工厂", "chain": "智能装备", "rating_2021_2022": "2022年数字化车间",
     "build_status": "在建", "contact": "张三", "phone": "0571-88880001"},
    {"name": "示例链主股份有限公司", "category": "链主工厂", "chain": "汽车及零部件"},
    {"enterprise_name": "示例云端品牌有限公司", "category": "云端工厂"},
]

DP_ROWS = [
    {"enterprise_name": "示例牵头有限公司", "project_name": "整厂数字化改造", "industry": "C34 通用设备制造业",
     "service_org": "示例数字工程有限公司", "investment_wan": 1200, "one_plus_n": "1", "contact": "李四",
     "phone": "13800000001"},
    {"enterprise_name": "示例配套有限公司", "project_name": "产线协同改造", "investment_wan": 150, "one_plus_n": "Ｎ"},
    {"enterprise_name": "示例独立有限公司", "project_name": "仓储系统集成", "investment_wan": 260, "one_plus_n": None},
]

DF_ROWS = [
    {"region": "宁波市", "enterprise_name": "示例数字科技有限公司", "main_business": "工业软件", "revenue_wan": 95000,
     "profit_wan": 8000, "contact": "王五", "phone": "0574-88880001"},
    {"region": "宁波市", "enterprise_name": "示例云计算有限公司", "main_business": "云服务", "revenue_wan": 30000,
     "profit_wan": 2500},
]


def _open(path):
    return openpyxl.load_workbook(path).active


def _merged(ws):
    return {str(r) for r in ws.merged_cells.ranges}


def test_future_factory_summary(tmp_path):
    path = forms.write_form("future-factory-summary", FF_ROWS, tmp_path / "a1.xlsx", "西湖区")
    ws = _open(path)
    assert ws["A1"].value == "附件1"
    assert ws["A2"].value == "2023年杭州市“未来工厂”培育企业汇总表"
    assert "A2:H2" in _merged(ws)
    assert ws["A3"].value == "区、县（市）经信部门（盖章）：西湖区"
    assert [c.value for c in ws[4]] == ["序号", "企业名称", "“未来工厂”类别", "所属产业链",
                                        "2021-2022年“未来工厂”评定情况", "建设状态", "联系人", "联系方式"]
    assert [ws.cell(row=r, column=1).value for r in (5, 6, 7)] == [1, 2, 3]
    assert ws["B6"].value == "示例链主股份有限公司"   # the `name` alias feeds 企业名称
    assert ws["C7"].value == "云端工厂"
    assert ws.column_dimensions["B"].width >= 20


def test_digital_project_summary(tmp_path):
    path = forms.write_form("digital-project-summary", DP_ROWS, tmp_path / "a2.xlsx", "萧山区",
                            filled_on=dt.date(2023, 3, 17))
    ws = _open(path)
    assert ws["A1"].value == "附件2"
    assert ws["A2"].value == "2023年杭州市制造业数字化改造攻关项目征集汇总表"
    assert "A2:I2" in _merged(ws)
    assert ws["A3"].value == "区、县(市)经信部门（盖章）：萧山区"   # as printed in seed 000's 附件2
    assert "填报时间：2023年3月17日" in [c.value for c in ws[3]]
    assert [c.value for c in ws[4]] == ["序号", "企业名称", "项目名称", "所属行业", "数字工程服务机构",
                                        "项目计划投资额（万元）", "是否为“1+N”形式项目", "联系人", "联系方式"]
    assert [ws.cell(row=r, column=1).value for r in (5, 6, 7)] == [1, 2, 3]
    assert [ws.cell(row=r, column=7).value for r in (5, 6, 7)] == ["1", "N", None]   # A2.9
    assert ws["F5"].value == 1200
    assert ws["A8"].value.startswith("注：若为“1+N”形式数字化改造项目")


def test_digital_project_summary_blank_date_and_bad_marker(tmp_path):
    ws = _open(forms.write_form("digital-project-summary", [], tmp_path / "b.xlsx", "余杭区"))
    assert "填报时间：" in [c.value for c in ws[3]]
    with pytest.raises(ValueError):
        forms.write_form("digital-project-summary", [{"one_plus_n": "2"}], tmp_path / "c.xlsx", "余杭区")


def test_digital_factory_ranking(tmp_path):
    path = forms.write_form("digital-factory-ranking", DF_ROWS, tmp_path / "d11.xlsx", "宁波市")
    ws = _open(path)
    assert ws["A1"].value == "附件3"
    assert ws["A2"].value == "各设区市推荐的数字工厂汇总排序表"
    assert ws["A3"].value == "报送单位：宁波市（盖章）"
    assert {"工作联系人：", "电话："} <= {c.value for c in ws[3]}
    assert [c.value for c in ws[4]] == ["序号", "区域", "企业名称", "主营业务", "2021年度", None, "企业联系人", "联系电话"]
    assert [c.value for c in ws[5]][4:6] == ["销售收入（万元）", "利润总额（万元）"]
    assert {"E4:F4", "A4:A5", "H4:H5"} <= _merged(ws)
    assert forms.header_row_count("digital-factory-ranking") == 2
    assert [ws.cell(row=r, column=1).value for r in (6, 7)] == [1, 2]
    assert (ws["C6"].value, ws["E6"].value, ws["F6"].value) == ("示例数字科技有限公司", 95000, 8000)


def test_forms_catalogue_matches_rules():
    # every form names the rule whose columns it follows, and that rule points back at it
    from graphsvc.programmes import catalogue
    for form_id, spec in forms.FORMS.items():
        assert catalogue.params(spec["rule_id"])["form_id"] == form_id
        assert spec["columns"][0]["header"] == "序号" and spec["columns"][0]["field"] is None
        assert all(c["width"] > 0 for c in spec["columns"])


def test_unknown_form(tmp_path):
    with pytest.raises(KeyError):
        forms.write_form("nope", [], tmp_path / "x.xlsx", "x")


@pytest.mark.parametrize("form_id", sorted(forms.FORMS))
def test_forms_print_page_wide_on_as_many_pages_as_needed(tmp_path, form_id):
    """Officials print these to stamp them: fit to the page width only (height 0 = as many pages
    as the rows need), header rows repeated on every page, page numbers in the footer."""
    ws = _open(forms.write_form(form_id, [], tmp_path / "p.xlsx", "西湖区"))
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    first_header = 4
    last_header = first_header + forms.header_row_count(form_id) - 1
    assert ws.print_title_rows == f"${first_header}:${last_header}"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_rows_are_as_tall_as_their_wrapped_text(tmp_path):
    """A wrapped cell gets its lines: spreadsheet programs do not grow rows they did not lay out."""
    rows = [{**DP_ROWS[0], "industry": "化学原料和化学制品制造业"}, DP_ROWS[1]]
    ws = _open(forms.write_form("digital-project-summary", rows, tmp_path / "h.xlsx", "西湖区"))
    assert ws.row_dimensions[5].height == 2 * forms.LINE_PT        # the industry wraps onto a second line
    assert ws.row_dimensions[6].height is None                        # one line: the default height
    assert ws.row_dimensions[4].height == 3 * forms.LINE_PT        # “是否为“1+N”形式项目” in a 12-wide column, a line spare
