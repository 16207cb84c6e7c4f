"""Field parsers: text cell -> typed value, or a FieldError whose message is the reason.

Reasons are in Chinese because they are shown to the people who fix the spreadsheet.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re

import numpy as np
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from graphsvc.core import regions, vocabulary
from graphsvc.core.vocabulary import DELIVERY_KINDS, PROCESS_UNITS


class FieldError(ValueError):
    pass




# Control characters other than tab and line break: invisible in a spreadsheet, and an
# .xlsx export cannot hold them (openpyxl refuses the cell), so they are refused at the door.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_control(v: str) -> str:
    m = _CONTROL.search(v)
    if m:
        raise FieldError(f"含有不可见的控制字符 U+{ord(m.group()):04X}（第 {m.start() + 1} 个字符）")
    return v


def text(raw: str) -> str | None:
    # A line break inside a cell is LF in Excel; a Windows CSV may carry it as CRLF.
    raw = raw.strip().replace("\r\n", "\n")
    return _no_control(raw) or None


def uscc(raw: str) -> str | None:
    raw = raw.strip().upper()
    if not raw:
        return None
    return _validated_uscc(raw)


@functools.lru_cache(maxsize=1 << 20)
def _validated_uscc(raw: str) -> str:
    # python-stdnum spends ~0.1 ms per code; a supplies file names each enterprise many times
    # and follows the enterprises file that named it first, so remember the verdicts.
    try:
        return stdnum_uscc.validate(raw)
    except InvalidLength:
        raise FieldError(f"统一社会信用代码应为18位，实为{len(raw)}位") from None
    except InvalidChecksum:
        raise FieldError("统一社会信用代码校验位错误") from None
    except (InvalidFormat, InvalidComponent):
        raise FieldError("统一社会信用代码含有不允许的字符") from None


def region_code(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d{6}", raw):
        raise FieldError("行政区划代码应为6位数字")
    if not regions.is_known_region(raw):
        raise FieldError(f"未知的行政区划代码 {raw}")
    return regions.current_code(raw)


def boolean(raw: str) -> bool | None:
    try:
        return vocabulary.yes_no(raw)
    except ValueError:
        raise FieldError(f"应为 true/false 或 是/否，实为“{raw.strip()}”") from None


def number(raw: str, minimum: float | None = 0.0) -> float | None:
    v = raw.strip().replace(",", "").replace("，", "")
    if not v:
        return None
    try:
        x = float(v)
    except ValueError:
        raise FieldError(f"应为数字，实为“{raw.strip()}”") from None
    if math.isnan(x) or math.isinf(x):
        raise FieldError("应为有限的数字")
    if minimum is not None and x < minimum:
        raise FieldError(f"不能小于 {minimum:g}")
    return x


def integer(raw: str, minimum: int | None = 0, maximum: int | None = None) -> int | None:
    x = number(raw, minimum)
    if x is None:
        return None
    if not float(x).is_integer():
        raise FieldError(f"应为整数，实为“{raw.strip()}”")
    if maximum is not None and x > maximum:
        raise FieldError(f"不能大于 {maximum}")
    if abs(x) >= 2**63:  # the stores keep INT64
        raise FieldError("数值超出范围")
    return int(x)


def year(raw: str) -> int | None:
    return integer(raw, 2000, 2100)


def date(raw: str) -> str | None:
    v = raw.strip()
    if not v:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", v)
    if not m:
        raise FieldError(f"日期格式应为 YYYY-MM-DD，实为“{v}”")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise FieldError(f"不存在的日期“{v}”") from None


def choice(options):
    allowed = {str(o): o for o in options}

    def parse(raw: str):
        v = raw.strip()
        if not v:
            return None
        if v not in allowed:
            raise FieldError(f"取值应为 {'/'.join(allowed)} 之一，实为“{v}”")
        return allowed[v]

    return parse


def split_list(raw: str) -> list[str]:
    return [_no_control(p.strip()) for p in re.split(r"[;；,，、]", raw) if p.strip()]


def provider_types(raw: str) -> list[int] | None:
    parts = split_list(raw)
    if not parts:
        return None  # an empty cell is "not given", as for every other typed column
    out = []
    for p in parts:
        if p not in {"1", "2", "3", "4", "5", "6"}:
            raise FieldError(f"供给类型应为 1–6，实为“{p}”")
        out.append(int(p))
    return sorted(set(out))


def industry_code(raw: str) -> str | None:
    v = raw.strip().upper()
    if not v:
        return None
    if not re.fullmatch(r"[A-T]\d{2,4}", v):
        raise FieldError(f"所属行业应为 GB/T 4754 代码（如 C39），实为“{raw.strip()}”")
    return v


def check_delivery_fields(rec: dict, client: dict | None, supplier: dict | None,
                          today: dt.date) -> list[tuple[str, str]]:
    """Cross-field rules for one delivery; returns [(field, reason)]. Shared by the importer and the ledger."""
    out = []
    pt, kind = rec.get("provider_type"), rec.get("kind")
    if pt and kind and kind not in DELIVERY_KINDS[pt]:
        out.append(("kind", f"供给类型 {pt} 的交付类型应为 {'/'.join(sorted(DELIVERY_KINDS[pt]))}"))
    if supplier is not None and pt and pt not in (supplier.get("provider_types") or []):
        out.append(("provider_type", f"供给方未登记为第 {pt} 类智造供给服务商"))
    unit = rec.get("unit")
    if unit and client is not None and client.get("industry_kind") == "process" and unit not in PROCESS_UNITS:
        out.append(("unit", "流程型行业客户只按车间/工厂计（规则 C1），不能为 " + unit))
    for d in ("signed_date", "accepted_date"):
        if rec.get(d) and rec[d] > today.isoformat():
            out.append((d, "日期不能晚于今天"))
    if rec.get("signed_date") and rec.get("accepted_date") and rec["accepted_date"] < rec["signed_date"]:
        out.append(("accepted_date", "验收日期不能早于签约日期"))
    if rec.get("supplier_uscc") and rec.get("supplier_uscc") == rec.get("client_uscc"):
        out.append(("client_uscc", "客户不能是供给方自身"))
    return out


# Delivery ids: what the ledger's URLs, exports and spreadsheets can carry safely (no "/",
# no markup, no leading "=" a spreadsheet would evaluate).
DELIVERY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


def delivery_id(raw: str) -> str | None:
    v = raw.strip()
    if not v:
        return None
    if not DELIVERY_ID.fullmatch(v):
        raise FieldError("编号只能含字母、数字、点、下划线和连字符，最长64位")
    return v


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def plain_valid_usccs(values) -> np.ndarray:
    """For each string, whether it is a valid USCC written plainly: exactly 18 characters,
    8 digits then 10 of the USCC alphabet, check character right (python-stdnum's rules,
    computed over the whole column at once in NumPy). False does not mean invalid: a code with
    spaces, dashes, lower case or a wrong check character is for `uscc` to judge or explain.

    >>> plain_valid_usccs(["91110000600037341L", "91110000600037341M", " 91110000600037341L", "x"]).tolist()
    [True, False, False, False]
    """
    arr = np.asarray(values, dtype=object)
    out = np.zeros(len(arr), dtype=bool)
    if not len(arr):
        return out
    lengths = np.fromiter((len(v) if isinstance(v, str) else 0 for v in arr), dtype=np.int64, count=len(arr))
    cand = np.nonzero(lengths == 18)[0]
    if not len(cand):
        return out
    try:
        raw = "".join(arr[cand].tolist()).encode("ascii")
    except UnicodeEncodeError:   # rare: check the ASCII ones alone
        ascii_ = np.array([arr[i].isascii() for i in cand], dtype=bool)
        sub = np.zeros(len(cand), dtype=bool)
        if ascii_.any():
            sub[ascii_] = plain_valid_usccs(arr[cand[ascii_]].tolist())
        out[cand] = sub
        return out
    out[cand] = _plain_valid_chars(np.frombuffer(raw, dtype=np.uint8).reshape(len(cand), 18))
    return out


def plain_valid_usccs_arrow(texts) -> np.ndarray:
    """`plain_valid_usccs` of an Arrow string array, read from its buffer (no Python string
    per value: a supplies file's batches hold hundreds of thousands of distinct codes).

    >>> import pyarrow as pa
    >>> plain_valid_usccs_arrow(pa.array(["91110000600037341L", "91110000600037341M", None, "x"])).tolist()
    [True, False, False, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.zeros(len(texts), dtype=bool)
    cand = np.nonzero(pc.fill_null(pc.equal(pc.binary_length(texts), 18), False).to_numpy(zero_copy_only=False))[0]
    if not len(cand):
        return out
    # After `take` the candidates (18 bytes each) lie one after the other in the data buffer.
    picked = texts.take(pa.array(cand)).cast(pa.string())
    start = int(np.frombuffer(picked.buffers()[1], dtype=np.int32)[picked.offset])
    chars = np.frombuffer(picked.buffers()[2], dtype=np.uint8, count=18 * len(cand), offset=start)
    chars = chars.reshape(len(cand), 18)
    out[cand] = _plain_valid_chars(chars)
    return out


def _plain_valid_chars(chars: np.ndarray) -> np.ndarray:
    """Rows of 18 bytes: whether each is a plainly written valid USCC."""
    value = np.full(256, -1, dtype=np.int64)
    value[np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(len(_USCC_ALPHABET))
    v = value[chars]
    ok = (v >= 0).all(axis=1) & (chars[:, :8] >= ord("0")).all(axis=1) & (chars[:, :8] <= ord("9")).all(axis=1)
    check = (31 - (np.where(v[:, :17] < 0, 0, v[:, :17]) @ np.array(_USCC_WEIGHTS)) % 31) % 31
    return ok & (v[:, 17] == check)
