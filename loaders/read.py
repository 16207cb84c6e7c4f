"""Reading tabular import files: CSV (UTF-8, UTF-8 with BOM, GB18030) and .xlsx.

Rows come back with the number a spreadsheet shows (header = row 1), so an error report
points at the line a person sees when they open the file.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class FileError(ValueError):
    """The file as a whole cannot be read (type, encoding, empty, no header)."""


@dataclass
class Table:
    """Cells kept by column: a 2M-row file holds each distinct value once (interned)."""

    header: list[str]
    rownos: list[int]            # spreadsheet row number of each data row
    columns: list[list[str]]     # columns[j][i] = cell text of column j in data row i

    def __len__(self) -> int:
        return len(self.rownos)


def _builder(rows) -> Table:
    """Turn (rowno, cells) pairs into a columnar Table; the first non-empty row is the header."""
    header: list[str] | None = None
    rownos: list[int] = []
    columns: list[list[str]] = []
    interned: list[dict] = []
    for rowno, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            columns = [[] for _ in header]
            interned = [{} for _ in header]
            continue
        rownos.append(rowno)
        for j, col in enumerate(columns):
            v = cells[j] if j < len(cells) else ""
            col.append(interned[j].setdefault(v, v))
    return Table(header or [], rownos, columns)


SUPPORTED = (".csv", ".xlsx")


def read_table(data: bytes, filename: str, progress=None) -> Table:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUPPORTED:
        raise FileError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .csv 或 .xlsx 文件")
    if not data or not data.strip():
        raise FileError("文件为空")
    table = _read_xlsx(data) if suffix == ".xlsx" else _read_csv(data, progress)
    if not table.header or not any(h for h in table.header):
        raise FileError("文件没有表头行")
    return table


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030 is what Excel in China saves as "CSV"."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise FileError("无法识别文件编码：请保存为 UTF-8 或 GB18030 编码的 CSV")


def _read_csv(data: bytes, progress=None) -> Table:
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    total = data.count(b"\n") + 1 if progress else 0

    def rows():
        for cells in reader:
            if progress and not reader.line_num % 50000:
                progress("读取", reader.line_num, total)
            yield reader.line_num, cells
        if progress:
            progress("读取", total, total)

    return _builder(rows())


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise FileError(f"无法读取 .xlsx 文件：{exc}") from exc
    ws = wb.worksheets[0]
    try:
        return _builder((rowno, [_cell_text(v) for v in values])
                        for rowno, values in enumerate(ws.iter_rows(values_only=True), start=1))
    finally:
        wb.close()


def _cell_text(v) -> str:
    import datetime as dt

    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
