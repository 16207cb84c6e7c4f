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
