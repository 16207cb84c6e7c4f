"""The one spreadsheet writer every export uses (issue #20 item 1; issue #25 finding 14).

openpyxl turns every string that starts with "=" into a live formula, and Excel or WPS treat
text starting with "+", "-", "@", tab or carriage return as a formula when it is edited or
pasted. Names come from imported files and registered deliveries, so an enterprise named
`=HYPERLINK("http://…","x")` would become a link in a bureau official's workbook. OWASP's rule
is applied to every text cell: such values are written as explicit text cells with a quote
prefix (shown unchanged, never evaluated); numbers stay numbers. Characters that XML 1.0
cannot hold (control characters such as U+0007) are replaced by U+FFFD instead of making
openpyxl raise (which answered 500).

>>> risky("=1+1"), risky("-5"), risky("普通企业"), risky(-5)
(True, True, False, False)
>>> csv_value("=cmd|' /C calc'!A0"), csv_value(-5), csv_value("a\\x07b")
("'=cmd|' /C calc'!A0", -5, 'a\\ufffdb')
"""
from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def risky(value) -> bool:
    """Whether a value would be (or could become) a formula in a spreadsheet program."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def clean(value):
    """The value with characters illegal in .xlsx replaced (non-strings unchanged)."""
    return _ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def put(ws, row: int, column: int, value):
    """Write one cell: text that looks like a formula becomes a quote-prefixed text cell."""
    value = clean(value)
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if risky(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append(ws, values) -> None:
    """ws.append with the rule of `put` applied to every cell."""
    values = [clean(v) for v in values]
    ws.append(values)
    row = ws._current_row  # the row ws.append just wrote (openpyxl keeps it for the next append)
    for column, value in enumerate(values, 1):
        if risky(value):
            put(ws, row, column, value)


def csv_value(value):
    """A CSV field: text that looks like a formula gets a leading apostrophe (the CSV has no
    cell types, so this is the marker spreadsheet programs honour)."""
    value = clean(value)
    return "'" + value if risky(value) else value


def csv_row(values) -> list:
    return [csv_value(v) for v in values]
