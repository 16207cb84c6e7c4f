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
    """Cells kept by column as Arrow string arrays (a 2M-row file is a few Arrow buffers, not
    millions of Python strings); `rownos` are the spreadsheet row numbers of the data rows."""

    header: list[str]
    rownos: list[int]            # spreadsheet row number of each data row
    columns: list                # columns[j]: pyarrow string array of column j, one cell per data row

    def __len__(self) -> int:
        return len(self.rownos)

    def cell(self, j: int, i: int) -> str:
        """The text of column `j` in data row `i`."""
        return self.columns[j][i].as_py()


def _builder(rows, max_rows: int | None = None) -> Table:
    """Turn (rowno, cells) pairs into a columnar Table; the first non-empty row is the header."""
    import pyarrow as pa

    header: list[str] | None = None
    rownos: list[int] = []
    columns: list[list[str]] = []
    for rowno, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            columns = [[] for _ in header]
            continue
        rownos.append(rowno)
        if max_rows is not None and len(rownos) > max_rows:
            raise too_many_rows(max_rows)
        for j, col in enumerate(columns):
            col.append(cells[j] if j < len(cells) else "")
    return Table(header or [], rownos, [pa.array(c, type=pa.string()) for c in columns])


SUPPORTED = (".csv", ".xlsx")


def read_table(data: bytes, filename: str, progress=None, max_rows: int | None = None,
               max_unpacked: int | None = None) -> Table:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUPPORTED:
        raise FileError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .csv 或 .xlsx 文件")
    if not data or not data.strip():
        raise FileError("文件为空")
    if suffix == ".xlsx":
        _check_unpacked_size(data, max_unpacked)
    table = _read_xlsx(data, max_rows) if suffix == ".xlsx" else _read_csv(data, progress, max_rows)
    if not table.header or not any(h for h in table.header):
        raise FileError("文件没有表头行")
    return table


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030 is what Excel in China saves as "CSV".

    A file that is not UTF-8 but has lines that are UTF-8 Chinese was put together from two
    encodings: decoding it all as GB18030 would store those lines as mojibake, so it is refused.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = data.count(b"\n", 0, exc.start) + 1
    utf8_line = _utf8_chinese_line(data)
    if utf8_line is not None:
        raise FileError(f"文件混用了两种编码：第 {utf8_line} 行是 UTF-8，第 {first_bad} 行不是。"
                        "请将整个文件另存为 UTF-8 编码的 CSV")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError("无法识别文件编码：请保存为 UTF-8 或 GB18030 编码的 CSV") from None


def _utf8_chinese_line(data: bytes) -> int | None:
    """The number of the first line that is valid UTF-8 and holds a CJK ideograph written as
    UTF-8 (three bytes); GB18030 writes those in two, so a GB18030 line rarely passes."""
    for no, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 2:
            return no
    return None


def _read_csv(data: bytes, progress=None, max_rows: int | None = None) -> Table:
    fast = _read_csv_arrow(data, max_rows)
    if fast is not None:
        if progress:
            progress("读取", 1, 1)
        return fast
    return _read_csv_python(data, progress, max_rows)


def _plain_utf8(data: bytes) -> bytes | None:
    r"""`data` without its BOM when it is UTF-8 that the Arrow reader parses exactly as the
    strict `csv` module does; None otherwise (the Python reader then decides).

    Plain means: no quote character (so no quoted separators or line breaks), no NUL, no bare
    CR, no empty line (each text line is then one record, and record k is spreadsheet row k).
    Files saved from Excel without commas or quotes in any cell, and every generated file, are
    plain; anything else is read the way it always was.

    >>> _plain_utf8("\ufeff名称,代码\r\n甲,1\r\n".encode())
    b'\xe5\x90\x8d\xe7\xa7\xb0,\xe4\xbb\xa3\xe7\xa0\x81\r\n\xe7\x94\xb2,1\r\n'
    >>> [_plain_utf8(b) for b in (b'a,b\n"x",1\n', b'a\n\nb\n', b'a\rb\n', "名".encode("gb18030"))]
    [None, None, None, None]
    """
    import codecs

    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if (b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n")
            or data.startswith((b"\n", b"\r\n")) or b"\n\n" in data or b"\n\r\n" in data):
        return None
    check = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 23
    try:
        for i in range(0, len(data), step):   # validated in slices: no second copy of the file
            check.decode(data[i:i + step], final=i + step >= len(data))
    except UnicodeDecodeError:
        return None
    return data


def too_many_rows(max_rows: int) -> FileError:
    return FileError(f"文件超过每次导入 {max_rows} 行的上限：请拆分后分批导入")


def _plain_header(data: bytes):
    """(body, header cells) of a plain file (see `_plain_utf8`) whose first line
    has a cell; None otherwise."""
    body = _plain_utf8(data)
    if body is None:
        return None
    end = body.find(b"\n")
    first = (body if end < 0 else body[:end]).rstrip(b"\r").decode("utf-8").split(",")
    if not any(c.strip() for c in first):
        return None
    return body, first


def _csv_options(width: int, block_size: int) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(width)]
    return {"read_options": pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_size),
            "parse_options": pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            "convert_options": pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False)}


def _without_blank_rows(columns: list, first_row: int) -> tuple[list[int], list]:
    """(spreadsheet row numbers, columns) of the rows that have a non-blank cell; the rows are
    numbered from `first_row`. Rows of blank cells are skipped as the Python reader skips them
    (str.strip decides, once per distinct cell)."""
    import numpy as np
    import pyarrow as pa

    n = len(columns[0]) if columns else 0
    blank = np.ones(n, dtype=bool)
    for col in columns:
        enc = col.dictionary_encode()
        empty = np.array([not v.strip() for v in enc.dictionary.to_pylist()] or [True], dtype=bool)
        blank &= empty[enc.indices.to_numpy(zero_copy_only=False)]
        if not blank.any():
            break
    rownos = np.arange(first_row, first_row + n, dtype=np.int64)
    if blank.any():
        keep = np.nonzero(~blank)[0]
        rownos = rownos[keep]
        columns = [c.take(pa.array(keep)) for c in columns]
    return rownos.tolist(), columns


def _read_csv_arrow(data: bytes, max_rows: int | None = None) -> Table | None:
    """A plain file (see `_plain_utf8`) read by pyarrow's CSV reader into string columns;
    None when the file is not plain or its rows do not all have the header's width."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    plain = _plain_header(data)
    if plain is None:
        return None
    body, first = plain
    try:
        t = pacsv.read_csv(pa.py_buffer(body), **_csv_options(len(first), 1 << 24))
    except pa.ArrowInvalid:   # a row wider or narrower than the header: the Python reader pads
        return None
    rownos, columns = _without_blank_rows([t.column(j).combine_chunks() for j in range(len(first))], 2)
    if max_rows is not None and len(rownos) > max_rows:
        raise too_many_rows(max_rows)
    return Table([c.strip() for c in first], rownos, columns)


def csv_batches(data: bytes, block_size: int):
    r"""(header, Tables of about `block_size` bytes of rows each, in file order) for a plain
    file (see `_plain_utf8`), read as `_read_csv_arrow` reads it; None when it is not plain.

    Iterating raises pyarrow.ArrowInvalid at a row wider or narrower than the header (the
    Python reader pads those: such a file is for the whole-file path).

    >>> header, tables = csv_batches("a,b\n1,2\n , \n3,4\n".encode(), 6)
    >>> header, [(t.rownos, [c.to_pylist() for c in t.columns]) for t in tables]
    (['a', 'b'], [([2], [['1'], ['2']]), ([4], [['3'], ['4']])])
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    plain = _plain_header(data)
    if plain is None:
        return None
    body, first = plain
    header = [c.strip() for c in first]

    def tables():
        reader = pacsv.open_csv(pa.py_buffer(body), **_csv_options(len(first), block_size))
        row = 2
        for batch in reader:
            if not batch.num_rows:
                continue
            rownos, columns = _without_blank_rows(list(batch.columns), row)
            row += batch.num_rows
            if rownos:
                yield Table(header, rownos, columns)

    return header, tables()


def _read_csv_python(data: bytes, progress=None, max_rows: int | None = None, arrow: bool = True) -> Table:
    """The strict `csv` module reader (any file); `arrow`: a GB18030 file that is plain once
    transcoded to UTF-8 is read by the Arrow reader instead."""
    text = decode(data)
    if arrow and not text.isascii():
        fast = _read_csv_arrow(text.encode("utf-8"), max_rows)   # GB18030, transcoded
        if fast is not None:
            return fast
    # strict: a quote left open is an error, not a cell that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    total = data.count(b"\n") + 1 if progress else 0

    def rows():
        # A record is one spreadsheet row even when a cell holds line breaks.
        rowno, line = 0, 1
        while True:
            rowno += 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise FileError(f"第 {rowno} 行（文本第 {line} 行起）引号不成对或单元格过大：{exc}。"
                                "含逗号、引号或换行的单元格须整体用英文双引号括起，内部的双引号写两次") from None
            if progress and not rowno % 50000:
                progress("读取", reader.line_num, total)
            yield rowno, cells
            line = reader.line_num + 1
        if progress:
            progress("读取", total, total)

    return _builder(rows(), max_rows)


def _check_unpacked_size(data: bytes, limit: int | None) -> None:
    import zipfile

    if limit is None:
        return
    try:
        size = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileError(f"无法读取 .xlsx 文件：{exc}") from exc
    if size > limit:
        raise FileError(f".xlsx 文件解压后 {size // 2**20} MB，超过每次导入 {limit // 2**20} MB 的上限：请拆分后分批导入")


def _read_xlsx(data: bytes, max_rows: int | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise FileError(f"无法读取 .xlsx 文件：{exc}") from exc
    try:
        if not wb.worksheets:
            raise FileError(".xlsx 文件中没有工作表")
        ws = wb.worksheets[0]
        return _builder(((rowno, [_cell_text(v) for v in values])
                         for rowno, values in enumerate(ws.iter_rows(values_only=True), start=1)), max_rows)
    except FileError:
        raise
    except Exception as exc:  # a damaged sheet fails while its rows are read, not when opened
        raise FileError(f"无法读取 .xlsx 文件的内容：{exc}") from exc
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
