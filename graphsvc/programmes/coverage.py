"""Which programmes and forms apply where: each policy document covers the regions of its
issuer (``document.regions`` in the rules YAML); a programme or a form applies to the regions
its document covers.  A caller sees the programmes that apply to its own region, and a form is
exported only for a region inside its document's coverage.

>>> applies(["330100"], "330108"), applies(["330100"], "330600"), applies(["330000"], "330600")
(True, False, True)
>>> [p for p in programmes_for_region("330600")]
['zj-2022-digital-factory']
>>> form_refusal("future-factory-summary", "330602")
'附件1“2023年杭州市“未来工厂”培育企业汇总表”出自杭州市的文件，只适用于杭州市；所选地区绍兴市越城区不在其范围内'
"""
from __future__ import annotations

from graphsvc.core import regions
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import forms


def applies(document_regions: list[str], region: str | None) -> bool:
    """Does a document covering *document_regions* concern a caller in *region*?  It does when
    the two overlap: the region lies in the coverage (a district of the city) or contains it
    (the city's bureau oversees its districts' programmes)."""
    if not region:
        return True
    return any(regions.in_scope(region, d) or regions.in_scope(d, region) for d in document_regions)


def within(document_regions: list[str], region: str) -> bool:
    """Is *region* wholly inside the coverage (a form filled for it is the document's form)?"""
    return any(regions.in_scope(region, d) for d in document_regions)


def programme_regions(programme_id: str, catalogue: dict | None = None) -> list[str]:
    return list(_cat.programme(programme_id, catalogue)["regions"])


def programmes_for_region(region: str | None, catalogue: dict | None = None) -> list[str]:
    """Programme ids (listing order) that apply to a caller in *region* (None: all)."""
    return [p for p in _cat.programme_ids(catalogue) if applies(programme_regions(p, catalogue), region)]


def names(codes: list[str]) -> str:
    return "、".join(regions.district_name(c) or c for c in codes)


def programme_refusal(programme_id: str, region: str | None, catalogue: dict | None = None) -> str | None:
    """Why *programme_id* is not for a caller in *region* (None when it applies)."""
    covered = programme_regions(programme_id, catalogue)
    if applies(covered, region):
        return None
    name = _cat.programme(programme_id, catalogue)["name"]
    return (f"“{name}”只适用于{names(covered)}，"
            f"您所在的{regions.district_name(region) or region}不在其范围内")


def form_regions(form_id: str, catalogue: dict | None = None) -> list[str]:
    return _cat.document_regions(_cat.rule(forms.FORMS[form_id]["rule_id"], catalogue)["document_id"], catalogue)


def form_refusal(form_id: str, region: str, catalogue: dict | None = None) -> str | None:
    """Why form *form_id* cannot be exported for *region* (None when it can)."""
    covered = form_regions(form_id, catalogue)
    if within(covered, region):
        return None
    spec = forms.FORMS[form_id]
    return (f"{spec['attachment']}“{spec['title']}”出自{names(covered)}的文件，只适用于{names(covered)}；"
            f"所选地区{_full_name(region)}不在其范围内")


def _full_name(code: str) -> str:
    city = regions.city_of(code)
    own = regions.district_name(code) or code
    if city and city != regions.current_code(code):
        return (regions.district_name(city) or "") + own
    return own


def forms_for_region(region: str | None, catalogue: dict | None = None) -> list[str]:
    """Form ids whose document applies to a caller in *region* (None: all)."""
    return [f for f in forms.FORMS if applies(form_regions(f, catalogue), region)]
