"""The rules catalogue: completeness against docs/policy-rules.md, thresholds as data, and case coverage."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from graphsvc.programmes import catalogue, eligibility, subsidies, targets
from tests import test_eligibility, test_policy_fidelity, test_subsidies, test_targets

REPO = Path(__file__).resolve().parent.parent
POLICY_RULES = REPO / "docs" / "policy-rules.md"
SEEDS = REPO / "docs" / "seeds"
FILES = {"hz-2023-call.yaml": ("hz-2023-call", "000_"), "zj-2022-digital-factory.yaml": ("zj-2022-digital-factory", "001_"),
         "hz-2021-future-factory.yaml": ("hz-2021-future-factory", "002_"),
         "bj-2023-provider.yaml": ("bj-2023-provider", "003_"), "sx-2021-2025-plan.yaml": ("sx-2021-2025-plan", "004_")}
RULE_HEADING = re.compile(r"^###\s+([A-E]\d+(?:\.\d+)?)\s*$", flags=re.MULTILINE)


def policy_rule_ids() -> list[str]:
    """Rule ids in docs/policy-rules.md: one ``### A2.5`` heading per rule."""
    return RULE_HEADING.findall(POLICY_RULES.read_text(encoding="utf-8"))


def policy_sections() -> dict[str, dict]:
    """rule id -> {seed, rules_file, body} from docs/policy-rules.md; a rule's seed file and
    rules file are named in the ``## X. … — seed `…`, `….yaml` `` heading above it."""
    out, seed, rules_file = {}, None, None
    for block in re.split(r"^(?=##+ )", POLICY_RULES.read_text(encoding="utf-8"), flags=re.MULTILINE):
        head = block.splitlines()[0] if block else ""
        if head.startswith("## "):
            names = re.findall(r"`([^`]+)`", head)
            seed = next((n for n in names if n.endswith(".txt")), None)
            rules_file = next((n for n in names if n.endswith(".yaml")), None)
        elif (m := RULE_HEADING.match(head)):
            out[m.group(1)] = {"seed": seed, "rules_file": rules_file, "body": block}
    return out


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_one_file_per_document():
    cat = catalogue.load()
    assert {p.name for p in catalogue.RULES_DIR.glob("*.yaml")} == set(FILES)
    for fname, (doc_id, seed_prefix) in FILES.items():
        doc = cat["documents"][doc_id]
        assert doc["file"] == fname and doc["seed_file"].startswith(seed_prefix)
        assert doc["title"] and doc["issuer"] and doc["date"] and doc["version"]
    assert cat["documents"]["hz-2021-future-factory"]["valid_until"].isoformat() == "2025-12-31"


def test_seed_files_exist():
    docs = catalogue.load()["documents"].values()
    for doc in docs:
        assert (SEEDS / doc["seed_file"]).exists(), doc["seed_file"]
    assert {p.name for p in SEEDS.glob("*.txt")} == {d["seed_file"] for d in docs}
    index = (SEEDS / "README.md").read_text(encoding="utf-8")
    for doc in docs:
        row = next(line for line in index.splitlines() if doc["seed_file"] in line)
        assert doc["issuer"] in row and doc["date"].isoformat() in row, doc["id"]


def test_every_policy_rule_id_is_in_the_catalogue():
    ids = policy_rule_ids()
    assert len(ids) >= 54  # A1.1–A1.6, A2.1–A2.9, B1–B12, C1, C2.1–C2.5, C3.1–C3.8, D1–D11, E1, E2
    rules = catalogue.load()["rules"]
    assert [i for i in ids if i not in rules] == []
    assert [i for i in rules if i not in ids] == []  # and no invented ids
    assert len(ids) == len(set(ids))


def test_policy_rules_page_matches_the_catalogue():
    """Each rule's section names its document's seed and rules file, quotes the seed, and
    says whether the rule is computable exactly as the rules data does."""
    cat = catalogue.load()
    sections = policy_sections()
    assert set(sections) == set(cat["rules"])
    for rid, sec in sections.items():
        doc = cat["documents"][cat["rules"][rid]["document_id"]]
        assert (sec["seed"], sec["rules_file"]) == (doc["seed_file"], doc["file"]), rid
        seed = _squeeze((SEEDS / doc["seed_file"]).read_text(encoding="utf-8"))
        quotes = [line[1:] for line in sec["body"].splitlines() if line.startswith(">")]
        assert quotes, f"{rid}: no seed sentence quoted"
        for q in quotes:
            for fragment in q.split("……"):
                assert _squeeze(fragment) in seed, f"{rid}: not in {doc['seed_file']}: {fragment.strip()}"
        flags = re.findall(r"^- Computable: (yes|no)\b", sec["body"], flags=re.MULTILINE)
        assert flags == ["yes" if cat["rules"][rid]["computable"] else "no"], rid


def test_rules_have_chinese_text_and_params():
    for rid, r in catalogue.load()["rules"].items():
        assert re.search(r"[\u4e00-\u9fff]", r["text"]), rid
        assert isinstance(r["params"], dict), rid
        assert isinstance(r.get("computable"), bool), rid


def test_key_thresholds_are_parameters():
    p = catalogue.params
    assert p("A2.5")["min_investment_wan"] == 200
    assert p("A2.4")["min_start_date"].isoformat() == "2022-01-01"
    assert p("B4")["local_supply_ratio"] == 0.60
    assert p("C3.5")["rate"] == 0.15 and p("C3.5")["excellent_bonus"] == 0.05
    assert p("C3.5")["cap_per_provider_wan"] == 100
    awards = {(t["kind"], t["level"]): (t["award_wan"], t.get("yearly_cap"))
              for ladder in p("B10")["ladders"].values() for t in ladder}
    assert awards == {("数字化车间", "市"): (80, 50), ("智能工厂", "市"): (200, 20), ("链主工厂", "市"): (500, 5),
                      ("工业互联网平台", "省"): (200, None), ("工业互联网平台", "国家"): (300, None)}
    assert (p("D1")["revenue_over_wan"], p("D1")["alt_revenue_over_wan"], p("D1")["alt_growth_over"]) == \
        (80000, 20000, 0.20)
    assert (p("D2")["min_profit_margin"], p("D2")["min_tax_per_mu_wan"]) == (0.07, 30)
    assert p("D4")["min_rd_ratio"] == 0.05
    assert (p("D5")["min_rd_staff_ratio"], p("D5")["degree_ratio_over"]) == (0.15, 0.50)
    assert (p("D6")["min_invention_patents"], p("D6")["min_software_copyrights"], p("D6")["min_standards"]) == \
        (20, 100, 3)
    assert (p("D8")["developers_over"], p("D8")["integrated_apps_over"]) == (100, 100)
    assert (p("D9")["service_cases_over"], p("D9")["min_industries"]) == (100, 3)
    assert (p("C2.3")["min_rd_spend_wan"], p("C2.3")["min_rd_staff"]) == (500, 30)


def test_shaoxing_tables_add_up_as_the_seed_prints_them():
    t = catalogue.targets("sx-2021-2025-plan")
    for row in t["e1"]:
        total = sum(row["yearly"].values())
        if row["kind"] == "stock":
            assert (row["base"] or 0) + total == row["five_year"], row["indicator"]
        elif row["kind"] == "additions":
            assert total == row["five_year"], row["indicator"]
    for row in t["e2"]["rows"]:
        floors = sum(v["floor"] if isinstance(v, dict) else v for v in row["allocation"].values())
        assert floors == row["city_target"] - (row["base"] or 0), row["indicator"]
    alloc = t["e2"]["rows"][1]["allocation"]
    assert alloc["330683"] == {"floor": 1, "aim": 2} and alloc["330624"] == {"floor": 1, "aim": 2}


def test_programmes_are_evaluable():
    cat = catalogue.load()
    assert set(cat["programmes"]) == set(eligibility.PROGRAMMES)
    for prog in cat["programmes"].values():
        assert all(rid in eligibility.EVALUATORS for rid in prog["rule_ids"])


def test_catalogue_rejects_duplicates(tmp_path):
    for f in catalogue.RULES_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    shutil.copy(catalogue.RULES_DIR / "hz-2023-call.yaml", tmp_path / "zz-copy.yaml")
    with pytest.raises(catalogue.CatalogueError):
        catalogue.load(tmp_path)


def _modified_copy(tmp_path, fname, edit):
    for f in catalogue.RULES_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    data = yaml.safe_load((tmp_path / fname).read_text(encoding="utf-8"))
    edit(data)
    data["version"] += 1
    (tmp_path / fname).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return catalogue.load(tmp_path)


def test_changing_a_threshold_is_a_data_change(tmp_path):
    def raise_a25(data):
        next(r for r in data["rules"] if r["id"] == "A2.5")["params"]["min_investment_wan"] = 300

    cat = _modified_copy(tmp_path, "hz-2023-call.yaml", raise_a25)
    facts = test_eligibility.dp(investment_wan=250)
    assert eligibility.evaluate("A2.5", facts)["outcome"] == "pass"
    r = eligibility.evaluate("A2.5", facts, cat)
    assert r["outcome"] == "fail" and "300万元" in r["reason"]
    assert eligibility.check("hz-2023-digital-project", facts, cat)["outcome"] == "fail"


def test_changing_awards_and_targets_is_a_data_change(tmp_path):
    def edit(data):
        b10 = next(r for r in data["rules"] if r["id"] == "B10")
        b10["params"]["ladders"]["factory"][1]["award_wan"] = 250
        b10["params"]["ladders"]["factory"][1]["yearly_cap"] = 2
        next(r for r in data["rules"] if r["id"] == "B4")["params"]["local_supply_ratio"] = 0.55
        data["targets"][0]["target"] = 160

    cat = _modified_copy(tmp_path, "hz-2021-future-factory.yaml", edit)
    q = subsidies.quote({"kind": "智能工厂", "level": "市", "year": 2023},
                        [{"kind": "数字化车间", "level": "市", "amount_wan": 80}], {}, cat)
    assert q["payable_wan"] == 170
    assert subsidies.quote({"kind": "智能工厂", "level": "市", "year": 2023}, [], {"智能工厂": 2}, cat)["payable_wan"] == 0
    assert targets.b4_meets_target(0.56, cat) and not targets.b4_meets_target(0.56)
    assert targets.progress("330100", 2025, [], cat)[0]["target"] == 160


def _covered() -> dict:
    seen: dict = {}
    for mod in (test_eligibility, test_subsidies, test_targets, test_policy_fidelity):
        for rid, outcome in mod.COVERAGE:
            seen.setdefault(rid, set()).add(outcome)
    return seen


@pytest.mark.parametrize("rule_id", [i for i in catalogue.computable_rule_ids()])
def test_every_computable_rule_has_a_pass_and_a_fail_case(rule_id):
    assert rule_id in policy_rule_ids()
    # the other side of a notice rule is its notice, of a “原则上” rule its needs_reason
    r = catalogue.rule(rule_id)
    other = "notice" if r.get("kind") == "notice" else ("needs_reason" if r.get("in_principle") else "fail")
    assert {"pass", other} <= _covered().get(rule_id, set()), f"{rule_id}: {_covered().get(rule_id)}"


def test_non_computable_rules_are_the_descriptive_ones():
    cat = catalogue.load()
    off = sorted(i for i, r in cat["rules"].items() if not r["computable"])
    # prose, places and spaces the graph does not hold, the deadline, and the forms (see forms.py)
    assert off == ["A1.6", "A2.1", "A2.8", "A2.9", "B1", "B11", "B6", "B7", "B8", "B9", "D11"]


@pytest.mark.parametrize("module", ["catalogue", "eligibility", "subsidies", "targets", "forms"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"graphsvc.programmes.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0
