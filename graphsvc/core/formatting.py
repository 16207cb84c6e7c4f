"""How figures are written for people: one rule for percentages everywhere (pages, exports, CLI)."""
from __future__ import annotations

import math


def pct_text(ratio: float | None, digits: int = 2) -> str:
    """A ratio as a percentage for people, never rounded up across a line.

    Float noise is removed first, then the figure is truncated, so 59.996% shows as 59.99%
    (not 60.00%, which would read as meeting the target) while 0.6 shows as 60.00%.

    >>> pct_text(0.6), pct_text(0.59996), pct_text(0.5999999999999999), pct_text(None)
    ('60.00%', '59.99%', '60.00%', '—')
    """
    if ratio is None:
        return "—"
    scale = 10 ** (digits + 2)
    return f"{math.floor(round(ratio * scale, 6)) / 10 ** digits:.{digits}f}%"


def wan_text(amount_wan, unit: bool = True) -> str:
    """An amount given in 万元 as people read it: 亿元 from 1 亿 (= 10,000 万元) up, two decimals
    at most, no needless zeros.

    >>> wan_text(80000), wan_text(45.1785), wan_text(120), wan_text(12345.6), wan_text(None)
    ('8亿元', '45.18万元', '120万元', '1.23亿元', '—')
    """
    if amount_wan is None:
        return "—"
    value, suffix = (amount_wan / 10000, "亿元") if abs(amount_wan) >= 10000 else (amount_wan, "万元")
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return text + (suffix if unit else "")
