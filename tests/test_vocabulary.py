"""One vocabulary (graphsvc/core/vocabulary.py): every audit action the code writes has its
Chinese name there, and the label dicts live nowhere else."""
from __future__ import annotations

import re
from pathlib import Path

from graphsvc.core import audit, vocabulary
from graphsvc.core.audit_labels import detail_text
from graphsvc.deliveries import ledger

ROOT = Path(__file__).resolve().parents[1]
ACTION = re.compile(r'"((?:account|token|login|logout|session|delivery|match|access|export|project|backup|restore)'
                    r'(?:\.[a-z_]+)?)"')


def _sources():
    for top in ("graphsvc", "loaders", "web"):
        yield from (ROOT / top).rglob("*.py")


def test_every_written_audit_action_has_a_chinese_name():
    written = {m for p in _sources() if p.name != "vocabulary.py" for m in ACTION.findall(p.read_text(encoding="utf-8"))
               if "." in m}
    written |= {f"delivery.{a}" for a in (*ledger.ACTIONS, "claim")}
    assert "delivery.import_historical" in written and "account.password_reset" in written
    unnamed = sorted(a for a in written if audit.action_label(a) == a)
    assert not unnamed, f"audit actions without a name in vocabulary.AUDIT_ACTIONS: {unnamed}"


def test_every_written_audit_detail_key_has_a_chinese_name():
    keys = {k for p in _sources() for block in re.findall(r"detail=\{(.*?)\}", p.read_text(encoding="utf-8"), re.S)
            for k in re.findall(r'"([a-z_]+)":', block)}
    assert {"role", "can_manage_accounts", "vouched_by"} <= keys
    assert sorted(keys - set(vocabulary.AUDIT_DETAIL_LABELS)) == []


def test_detail_values_that_are_keys_are_named():
    text = detail_text({"status": "confirmed", "kind": "security_contract", "role": "supplier", "file": "a_b.csv"})
    assert text == "状态=已确认；类别=工业物联网安全服务合同；角色=智造供给服务商；文件=a_b.csv"


def test_label_dicts_live_in_the_vocabulary():
    """No module or template spells a status, kind, unit or rating name again."""
    words = [*vocabulary.DELIVERY_STATUS_NAMES.values(), *vocabulary.DELIVERY_KIND_NAMES.values(),
             *vocabulary.UNIT_NAMES.values(), *vocabulary.RATING_NAMES.values(), *vocabulary.TOKEN_STATES.values()]
    pattern = re.compile(r'["\'][a-z_]+["\']\s*:\s*["\'](' + "|".join(map(re.escape, words)) + r')["\']')
    found = {str(p.relative_to(ROOT)): pattern.findall(p.read_text(encoding="utf-8"))
             for p in [*_sources(), *(ROOT / "web" / "templates").rglob("*.html")] if p.name != "vocabulary.py"}
    assert {p: w for p, w in found.items() if w} == {}
