"""Validate an import file completely, then write it in one transaction — or not at all.

The report lists every rejected row as {row, field, reason}, with `row` numbered as a
spreadsheet shows it (header = row 1). With `partial`, good rows are written and bad rows
reported; without it one bad row means nothing is written.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from collections.abc import Callable

from graphsvc.core import audit
from graphsvc.core import regions
from graphsvc.core import reference
from graphsvc.core import coercion as f
from graphsvc.core.coercion import check_delivery_fields
from graphsvc.core.store import StoreUnavailable
from graphsvc.core.store.typed_rows import ColumnRows
from graphsvc.core.vocabulary import DELIVERY_STATUS_NAMES
from loaders.delivery_rules import hide_foreign_deliveries, stored_delivery_problems
from loaders.failures import engine_error
from loaders.kinds import KINDS, Kind, header_map, repeated_columns
from loaders.memory import release_freed
from loaders.read import FileError, csv_batches, read_table, too_many_rows
from loaders.staging import Staged, StagedStream, staging_dir

CHUNK = 5000
# Supplies files larger than this are read, checked and staged in batches of about this many
# bytes (`_stream`); smaller ones are read whole.
STREAM_BYTES = 4 << 20
# After an import of this many rows, freed memory goes back to the system (`release_freed`).
RELEASE_ABOVE = 50_000
# Above this many USCCs to look up, the importer reads every stored enterprise in one scan.
SCAN_ABOVE = 20_000
log = logging.getLogger(__name__)


class UnknownKind(LookupError):
    pass


@dataclass
class Report:
    kind: str
    filename: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    relationships: int = 0
    dry_run: bool = False
    partial: bool = False
    status: str = "ok"  # ok | dry_run | rejected (validation) | failed (the engine refused the write)
    errors_omitted: int = 0  # errors past the report's cap
    # Rows naming a company instead of its USCC (issue #24): how many were matched and applied,
    # and the rows left for a person (`review`: candidates to choose from; `none`: no candidate),
    # which wait in the review queue; `held` lists those rows (capped like `errors`).
    by_name: dict = field(default_factory=lambda: {"matched": 0, "review": 0, "none": 0})
    held: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


Progress = Callable[[str, int, int], None]
# [{"name", "region"}] → [{"decision": matched|review|none|error, "uscc"?, "candidates", "error"?}]
Resolver = Callable[[list[dict]], list[dict]]


def _noop(stage: str, done: int, total: int) -> None:
    pass


def run_import(store, kind_name: str, data: bytes, filename: str, *, dry_run: bool = False,
               partial: bool = False, actor: str | None = None, ip: str | None = None,
               force_status: str | None = None, progress: Progress = _noop,
               today: dt.date | None = None, scope: str | None = None,
               own_uscc: str | None = None, max_rows: int | None = None,
               max_unpacked: int | None = None, max_errors: int | None = None,
               historical: bool = False, resolve: Resolver | None = None,
               also: Callable[[object], None] | None = None) -> Report:
    """Import one file of `kind_name`. Raises UnknownKind or FileError for file-level faults.

    `scope` (a bureau's region code) rejects rows about enterprises outside it; `own_uscc`
    (a supplier importing its claims) rejects deliveries it is not the supplier of.
    New deliveries enter the ledger as `claimed` for their client to confirm; only a
    `historical` import (an administrator or a bureau vouching for records that predate the
    ledger) may bring them in already confirmed, disputed or withdrawn, and each such delivery
    records who vouched for it.

    A row may name a company instead of giving its USCC (`Kind.by_name`): `resolve` (the
    caller's name matcher, see `Resolver`) decides each name. Matched rows are checked and
    written like any other; rows it cannot decide are not written but queued (`MatchReview`
    nodes, in the same transaction) for a person to accept or reject. `also(tx)` runs inside
    the write transaction (a queued row being accepted marks itself decided there).
    """
    kind = KINDS.get(kind_name)
    if kind is None:
        raise UnknownKind(f"未知的导入类型“{kind_name}”：可选 {', '.join(KINDS)}")
    report = Report(kind=kind.name, filename=filename, dry_run=dry_run, partial=partial)

    def context(present: set) -> _Context:
        return _Context(store=store, today=today or dt.date.today(), force_status=force_status,
                        present=present, actor=actor, ip=ip, filename=filename, historical=historical)

    def finish(tx, good, created: int, updated: int, queued=(), table=None) -> None:
        """What every import's transaction writes after its rows: queued rows, `also`, the audit."""
        if queued:
            tx.upsert_nodes("MatchReview", _review_nodes(kind, table, queued, actor, scope, filename))
        if also is not None:
            also(tx)
        audit.record(tx, audit.event(actor, f"import.{kind.name}", filename, ip=ip, region_code=scope, detail={
            "rows": report.rows, "accepted": len(good), "rejected": report.rejected,
            "created": created, "updated": updated, "partial": partial,
            **({"by_name": report.by_name} if kind.by_name and any(report.by_name.values()) else {})}))

    # Only an all-or-nothing write may start before the last row is checked: the transaction
    # then simply rolls back. The store says whether its writer copies parts as they come.
    overlap = not (dry_run or partial) and getattr(store, "copies_while_staging", False)
    # A streamed import's staged part files live until the import ends, whatever its outcome;
    # so does what the import allocated, which goes back to the system before the next one.
    with staging_dir() as tmp, _released(report):
        read = None if scope or own_uscc else \
            _stream(kind, data, filename, report, context, progress, max_rows, tmp, overlap=overlap)
        if read is not None and overlap:
            if _copy_while_reading(store, kind, read, report, max_errors, finish, progress):
                return report
            read = None   # the reader found the file is for the whole-file path: nothing was kept
        if read is None:
            read = _whole_file(kind, data, filename, report, context, progress, max_rows, max_unpacked, resolve)
        if read is None:
            return report
        ctx, records, errors, held, matched, table = read
        if scope or own_uscc:
            _check_rights(ctx, kind.name, records, errors, scope, own_uscc)
        good, queued = _tally(report, errors, records, held, matched, max_errors)
        if errors and not partial:
            report.status = "rejected"
            report.accepted = 0
            return report
        if dry_run:
            report.status = "dry_run"
            return report
        progress("写入", 0, len(good))
        try:
            with store.transaction() as tx:
                created, updated, rels = _KIND_WRITERS[kind.name](tx, ctx, good)
                finish(tx, good, created, updated, queued, table)
        except StoreUnavailable:
            raise
        except Exception as exc:  # the engine's or driver's own types, whichever engine runs
            _refused(report, exc, filename, good)
            return report
        progress("写入", len(good), len(good))
        report.created, report.updated, report.relationships = created, updated, rels
        return report


def _tally(report: Report, errors: list, records, held: dict, matched: set, max_errors: int | None):
    """Fill the report's counts, errors and held rows; (the rows to write, the held rows to queue)."""
    bad_rows = {e["row"] for e in errors}
    good = records.without(bad_rows) if isinstance(records, (Records, Staged)) else \
        [r for r in records if r["_row"] not in bad_rows]
    report.errors = sorted(errors, key=lambda e: (e["row"], e["field"]))
    if max_errors is not None and len(report.errors) > max_errors:
        report.errors_omitted = len(report.errors) - max_errors
        del report.errors[max_errors:]
    report.rejected = len(bad_rows)
    report.accepted = len(good)
    queued = [h for row, h in sorted(held.items()) if row not in bad_rows]
    for h in queued:
        report.by_name[h["decision"]] += 1
    if matched:
        good_rows = good.column("_row") if isinstance(good, Records) else [r["_row"] for r in good]
        report.by_name["matched"] = sum(1 for r in good_rows if r in matched)
    report.held = [{k: h[k] for k in ("row", "field", "name", "decision", "candidates")} for h in queued]
    if max_errors is not None and len(report.held) > max_errors:
        del report.held[max_errors:]
    return good, queued


def _refused(report: Report, exc: Exception, filename: str, good) -> None:
    # A warning, not log.exception: the CLI prints unconfigured log records, and the
    # report carries the engine's message already.
    log.warning("import of %s (%s) refused by the engine: %s", filename, report.kind, exc)
    report.errors.append(engine_error(exc, filename, good))
    report.status, report.accepted = "failed", 0


class _Undo(Exception):
    """Raised inside the write transaction to roll back what it copied."""


def _copy_while_reading(store, kind: Kind, read, report: Report, max_errors: int | None, finish,
                        progress: Progress) -> bool:
    """An all-or-nothing streamed import written while it is read: the transaction copies each
    staged part as the reader thread closes it (`StagedStream`), so the engine's COPY overlaps
    the Python checks of the batches after it (province supplies: most of the checks' time).
    Any bad row rolls the transaction back, as a bad row found before writing would have kept
    it from starting; the report is the one the read-then-write order gives.

    False when the reader found the file is for the whole-file path (nothing written)."""
    ctx, staged, errors = read[:3]
    refused = None
    progress("写入", 0, staged.expected)
    try:
        with store.transaction() as tx:
            try:
                created, updated, rels = _KIND_WRITERS[kind.name](tx, ctx, staged)
            except StoreUnavailable:
                raise
            except Exception as exc:   # the engine's own types; the checks still decide the report
                refused = exc
            staged.wait()
            good, _ = _tally(report, errors, staged, {}, set(), max_errors)
            if errors or refused is not None:
                raise _Undo
            finish(tx, good, created, updated)
    except _Undo:
        if errors:
            report.status, report.accepted = "rejected", 0
        else:
            _refused(report, refused, report.filename, good)
        return True
    except _WholeFile:
        return False
    finally:
        staged.cancel()   # the staging directory goes when the import ends: the reader first
    progress("写入", len(good), len(good))
    report.created, report.updated, report.relationships = created, updated, rels
    return True


@contextmanager
def _released(report: Report):
    try:
        yield
    finally:
        # Only after a large file: a collection and a trim cost a server's other threads a
        # pause, which a few hundred rows do not repay.
        if report.rows >= RELEASE_ABOVE:
            release_freed()


def _whole_file(kind: Kind, data: bytes, filename: str, report: Report, context, progress: Progress,
                max_rows: int | None, max_unpacked: int | None, resolve: Resolver | None):
    """The file read whole, parsed and checked: (ctx, records, errors, held rows, matched rows,
    table), or None when its header alone rejects it (the report then says why)."""
    table = read_table(data, filename, progress, max_rows, max_unpacked)
    mapping, unknown, present, problems = _read_header(kind, table.header)
    if unknown:
        report.warnings.append(_unknown_columns(unknown))
    report.rows = len(table)
    if problems:
        report.errors = problems
        report.rejected = report.rows
        report.status = "rejected"
        return None
    if not len(table):
        raise FileError("文件只有表头，没有数据行")

    ctx = context(present)
    cols, errors = _parse_columns(kind, table, mapping, progress, ctx)
    arrow = cols.pop("_arrow")
    held, matched = _resolve_names(kind, cols, errors, resolve, present) if kind.by_name else ({}, set())
    if not held:
        table.columns = []   # only queued rows read their cells again: free the text columns
    if kind.name in _COLUMN_CHECKS:
        if any(nm in present for _, nm in kind.by_name):
            arrow = {}   # names resolved to USCCs changed cells after parsing: the copies are stale
        records = Records(cols, arrow=arrow).without(set(held))
        _COLUMN_CHECKS[kind.name](ctx, records, errors)
    else:
        records = [r for r in _materialise(cols) if r["_row"] not in held]
        _KIND_CHECKS[kind.name](ctx, records, errors)
    return ctx, records, errors, held, matched, table


class _WholeFile(Exception):
    """The streamed reader found the file is for the whole-file path (see `_stream`)."""


def _stream(kind: Kind, data: bytes, filename: str, report: Report, context, progress: Progress,
            max_rows: int | None, directory: Path, block_size: int | None = None, overlap: bool = False):
    """A large supplies file read, parsed and checked in batches of about STREAM_BYTES, each
    batch's passing rows staged as a Parquet part file for the engine to copy: peak memory
    follows the batch, not the file. Only the duplicate check spans batches (a few integers
    per row), and it is complete before the import is decided.

    (ctx, staged rows, errors, {}, set(), None) as `_whole_file` returns them, or None when
    the whole-file path is to read the file: another kind, a small file, an .xlsx, a file that
    is not plain UTF-8 (see read.csv_batches) or has a row of another width, a header that
    path reports on, or company names given for USCCs.

    With `overlap` the batches are read in a thread (`StagedStream`) and this returns at once:
    the staged rows then hold the errors and the report's row count only once `wait()` has
    returned, which raises _WholeFile when the file turns out to be for the whole-file path.
    """
    import pyarrow as pa

    block = block_size or STREAM_BYTES
    if kind.name not in _STREAMED or Path(filename or "").suffix.lower() != ".csv" or len(data) <= block:
        return None
    batches = csv_batches(data, block)
    if batches is None:
        return None
    header, tables = batches
    mapping, unknown, present, problems = _read_header(kind, header)
    if problems or any(nm in present for _, nm in kind.by_name):
        return None
    ctx = context(present)
    on_part = lambda done, n: progress("写入", done, n)
    total = max(1, data.count(b"\n"))
    staged = StagedStream(directory, list(SUPPLY_COLUMNS), on_part, total) if overlap else \
        Staged(directory, list(SUPPLY_COLUMNS), on_part)
    keys = _SupplyKeys()
    errors: list[dict] = []
    if total > SCAN_ABOVE or overlap:
        # Batch by batch, each asks about fewer codes than make a scan worth it, yet together
        # they ask about most stored enterprises (province: 171k lookups, a third of the check).
        # A reader thread asks the store nothing: the writer's transaction holds its connection.
        _scan_regions(ctx)

    def read() -> None:
        try:
            for table in tables:
                if overlap and staged.cancelled:
                    return
                cols, found = _parse_columns(kind, table, mapping, _noop, ctx)
                recs = Records(cols, arrow=cols.pop("_arrow"))
                suppliers = _check_supplies(ctx, recs, found, keys)
                passed = recs.without({e["row"] for e in found})
                staged.add(_supply_columns(ctx, passed, keys.regions_of(suppliers, passed.keep)),
                           passed.column("_row"), len(table))
                errors.extend(found)
                if found and overlap:
                    staged.stop_copying()   # nothing copied will be kept
                if max_rows is not None and staged.rows > max_rows:
                    raise too_many_rows(max_rows)
                progress("校验", min(staged.rows, total), total)
        except pa.ArrowInvalid as exc:
            raise _WholeFile from exc
        staged.finish()
        if not staged.rows:
            raise _WholeFile
        keys.report(errors)
        if errors and overlap:
            staged.stop_copying()
        # The staged rows carry all the writer needs: the stored enterprises can go before the
        # engine's copy needs the memory.
        ctx.known, ctx.scanned, ctx.regions = {}, False, None
        release_freed()
        if unknown:
            report.warnings.append(_unknown_columns(unknown))
        report.rows = staged.rows

    if overlap:
        staged.start(read)
    else:
        try:
            read()
        except _WholeFile:
            return None
        finally:
            staged.finish()
    return ctx, staged, errors, {}, set(), None


def _unknown_columns(unknown: list[str]) -> str:
    return f"已忽略未识别的列：{'、'.join(unknown)}"


def _read_header(kind: Kind, header: list[str]) -> tuple[dict, list[str], set, list[dict]]:
    """(column map, unknown headers, columns present, header errors) of a file's header:
    a required column missing (with no name column standing in for it), or one given twice."""
    mapping, unknown = header_map(kind, header)
    present = {c.name for c in mapping.values()}
    by_name = dict(kind.by_name)
    missing = [c for c in kind.columns if c.required and c.name not in present
               and by_name.get(c.name) not in present]
    problems = [{"row": 1, "field": c.name, "reason": f"缺少必填列“{c.name}”（{c.zh[0]}）"
                 + (f"或名称列“{by_name[c.name]}”" if c.name in by_name else "")}
                for c in missing] + repeated_columns(kind, header)
    return mapping, unknown, present, problems


@dataclass
class _Context:
    store: object
    today: dt.date
    force_status: str | None
    present: set
    known: dict = field(default_factory=dict)      # stored enterprises seen so far
    deliveries: dict = field(default_factory=dict)  # stored deliveries named by the file
    actor: str | None = None
    ip: str | None = None
    filename: str = ""
    looked_up: set = field(default_factory=set)    # USCCs already asked about
    historical: bool = False                       # vouched-for records that predate the ledger
    scanned: bool = False                          # `known` holds every stored enterprise
    # Every stored enterprise's region by USCC, where a streamed supplies import scanned them:
    # a third of the memory of `known`'s rows, which its reader would hold beside the engine's copy.
    regions: dict | None = None


def _parse_columns(kind: Kind, table, mapping, progress: Progress, ctx: _Context):
    """Parse column by column, each distinct cell value once: a supplies file repeats the same
    few hundred thousand USCCs across millions of rows. The column is dictionary-encoded
    (Arrow), the distinct texts are parsed, and rows pick their value by index (NumPy).

    USCC columns check the distinct codes in one vectorised pass (`plain_valid_usccs`); only
    codes it does not pass plainly go through python-stdnum, which also words the reason.
    """
    import pyarrow as pa

    errors = []
    n = len(table)
    cols: dict[str, list] = {"_row": table.rownos}
    arrow: dict[str, object] = {}
    rownos = np.asarray(table.rownos, dtype=np.int64)
    named = {u for u, nm in kind.by_name if nm in {c.name for c in mapping.values()}}
    # Kinds checked and written by column keep their cells as Arrow arrays only, unless names
    # are resolved to USCCs (that changes cells in place).
    columnar = kind.name in _COLUMN_CHECKS and not named
    for done, (idx, col) in enumerate(mapping.items(), start=1):
        enc = table.columns[idx].dictionary_encode()
        codes = enc.indices.to_numpy(zero_copy_only=False)
        plain_numbers = _plain_numbers(enc.dictionary) if col.parse is f.number else None
        if columnar and plain_numbers is not None and plain_numbers[0].all():
            # Every text a plain number (a supplies file's amounts: most texts distinct): the
            # column is Arrow's cast as it is, with no Python float per text and back.
            arrow[col.name] = plain_numbers[1].take(enc.indices)
            progress("校验", done * n // max(1, len(mapping)), n)
            continue
        distinct = enc.dictionary.to_pylist()
        values = np.empty(len(distinct) + 1, dtype=object)   # the last slot: an empty column
        problems: list[int] = []
        empty: list[int] = []
        plain = _plain_usccs(enc.dictionary, distinct, values) if col.parse is f.uscc else None
        if plain_numbers is not None:
            plain, values[:-1] = plain_numbers[0], plain_numbers[1].to_pylist()
        for k in range(len(distinct)) if plain is None else np.nonzero(~plain)[0].tolist():
            raw = distinct[k]
            try:
                values[k] = col.parse(raw)
            except f.FieldError as exc:
                values[k] = exc
                problems.append(k)
                continue
            if values[k] is None and col.required and col.name not in named:
                empty.append(k)
        for ks, reason in ((problems, None), (empty, "必填项为空")):
            if not ks:
                continue
            for i in np.nonzero(np.isin(codes, ks))[0].tolist():
                errors.append({"row": int(rownos[i]), "field": col.name,
                               "reason": reason or str(values[codes[i]])})
        for k in problems:
            values[k] = None
        # The same column as Arrow, for the kinds checked and written by column.
        with suppress(pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            arrow[col.name] = pa.array(values[:-1].tolist()).take(enc.indices)
        if not columnar or col.name not in arrow:   # columnar kinds make Python lists on demand
            cols[col.name] = values[codes].tolist() if n else []
        progress("校验", done * n // max(1, len(mapping)), n)
    for col in kind.columns:
        if col.required and col.name not in cols and col.name not in arrow:
            cols[col.name] = [None] * n
    cols["_arrow"] = arrow
    return cols, errors


def _plain_usccs(texts, distinct: list, values: np.ndarray) -> np.ndarray:
    """`plain[k]` where cell text k is a valid USCC once stripped and upper-cased, its code
    then put in `values[k]`. Texts already written plainly (nearly all) are found from the
    Arrow array's buffer; only the others are stripped and upper-cased in Python."""
    plain = f.plain_valid_usccs_arrow(texts)
    values[np.nonzero(plain)[0]] = [distinct[k] for k in np.nonzero(plain)[0].tolist()]
    rest = np.nonzero(~plain)[0]
    if len(rest):
        normed = [distinct[k].strip().upper() for k in rest.tolist()]
        ok = f.plain_valid_usccs(normed)
        for k, code in zip(rest[ok].tolist(), (c for c, g in zip(normed, ok) if g)):
            values[k] = code
        plain[rest[ok]] = True
    return plain


def _plain_numbers(texts):
    """(plain, values) for an Arrow array of cell texts: `plain[k]` where text k is digits with
    at most one decimal point (no sign, spaces or separators: what `coercion.number` accepts
    unchanged), `values[k]` its float, read by Arrow's cast in one pass (correctly rounded, as
    Python's float is), as an Arrow float64 array. Other texts (null in `values`) are left to
    `coercion.number`.

    >>> import pyarrow as pa
    >>> plain, values = _plain_numbers(pa.array(["12.50", " 3", "-1", "1,000", "7"]))
    >>> plain.tolist(), values.to_pylist()
    ([True, False, False, False, True], [12.5, None, None, None, 7.0])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = pc.match_substring_regex(texts, r"^[0-9]{1,15}(\.[0-9]{1,15})?$")
    plain = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return plain, pc.if_else(mask, texts, pa.scalar(None, pa.string())).cast(pa.float64())


def _resolve_names(kind: Kind, cols: dict[str, list], errors: list, resolve: Resolver | None,
                   present: set) -> tuple[dict[int, dict], set[int]]:
    """Fill USCC cells from the company names given instead; ({row: held row}, matched rows).

    A row is held (not written, queued for review) when one of its names is not `matched`;
    a name the matcher refuses (empty, too long, punctuation only, unknown region) is an error
    naming the row and the name's column.
    """
    n = len(cols["_row"])
    rownos = cols["_row"]
    region = cols.get("name_region") or [None] * n
    asks: list[tuple[int, str, str, int]] = []   # (row index, uscc field, name field, pair index)
    for pair, (ufield, nfield) in enumerate(kind.by_name):
        if nfield not in present:
            continue
        ucol, ncol = cols.get(ufield) or [None] * n, cols[nfield]
        required = kind.column(ufield).required
        for i in range(n):
            if ucol[i] is None and ncol[i]:
                asks.append((i, ufield, nfield, pair))
            elif ucol[i] is None and required and not any(e["row"] == rownos[i] and e["field"] == ufield
                                                          for e in errors):
                errors.append({"row": rownos[i], "field": ufield, "reason": f"必填项为空：请填写统一社会信用代码或名称（{nfield}）"})
    if not asks:
        return {}, set()
    if resolve is None:
        for i, _, nfield, _ in asks:
            errors.append({"row": rownos[i], "field": nfield, "reason": "此处不支持按名称导入：请填写统一社会信用代码"})
        return {}, set()
    answers = resolve([{"name": cols[nf][i], "region": region[i] if pair == 0 else None}
                       for i, _, nf, pair in asks])
    held: dict[int, dict] = {}
    matched: set[int] = set()
    for (i, ufield, nfield, _), a in zip(asks, answers):
        row = rownos[i]
        if a["decision"] == "error":
            err = a.get("error") or {}
            errors.append({"row": row, "field": "name_region" if err.get("field") == "region" else nfield,
                           "reason": err.get("reason") or "名称无法匹配"})
        elif a["decision"] == "matched":
            cols.setdefault(ufield, [None] * n)[i] = a["uscc"]
            matched.add(row)
        elif row not in held:   # the first undecided name of a row is the one a person resolves
            held[row] = {"row": row, "index": i, "field": ufield, "name_field": nfield, "name": cols[nfield][i],
                         "decision": a["decision"], "candidates": a.get("candidates") or [],
                         "region": a.get("region_code")}
    return held, matched - set(held)


def _review_nodes(kind: Kind, table, queued: list[dict], actor, scope, filename) -> list[dict]:
    """MatchReview nodes for held rows: the row as the file had it, to be imported on acceptance.

    `region_code` scopes the item (a district bureau reviews its district's rows): the place the
    row names, else the best candidate's region, else the importing bureau's own region."""
    now = audit.now_iso()
    out = []
    for h in queued:
        cells = {hdr: table.cell(j, h["index"]) for j, hdr in enumerate(table.header) if hdr.strip()}
        region = h["region"] or ""
        if not region and h["candidates"]:
            region = h["candidates"][0].get("region_code") or ""
        region = region or scope or ""
        key = json.dumps([kind.name, filename, h["row"], cells, now], ensure_ascii=False, sort_keys=True)
        out.append({"id": "MR-" + hashlib.sha256(key.encode()).hexdigest()[:16], "kind": kind.name,
                    "field": h["field"], "name_field": h["name_field"], "name": h["name"],
                    "decision": h["decision"], "candidates": json.dumps(h["candidates"], ensure_ascii=False),
                    "data": json.dumps(cells, ensure_ascii=False), "row": h["row"], "file": filename,
                    "region_code": region, "status": "pending", "created_at": now, "created_by": actor or "",
                    "decided_at": None, "decided_by": None, "uscc": None})
    return out


def _materialise(cols: dict[str, list]) -> list[dict]:
    names = list(cols)
    return [dict(zip(names, vals)) for vals in zip(*cols.values())]


class Records:
    """Parsed rows kept as columns; `rows()` yields dicts lazily (for the 2M-row kinds)."""

    def __init__(self, cols: dict[str, list], keep: list[int] | None = None, arrow: dict | None = None):
        self.cols = cols
        self.keep = keep if keep is not None else range(len(cols["_row"]))
        self.arrow = arrow or {}   # parsed columns as Arrow arrays (all rows), where parsing made them

    def __len__(self) -> int:
        return len(self.keep)

    def column(self, name: str) -> list:
        c = self.cols.get(name)
        if c is None and name in self.arrow:
            c = self.cols[name] = self.arrow[name].to_pylist()
        if c is None:
            return [None] * len(self.keep)
        return c if isinstance(self.keep, range) else [c[i] for i in self.keep]

    def arrow_column(self, name: str, typ):
        """The kept rows of column `name` as an Arrow array of type `typ`."""
        import pyarrow as pa

        col = self.arrow.get(name)
        if col is None:
            return pa.array(self.column(name), typ)
        if not isinstance(self.keep, range):
            col = col.take(pa.array(self.keep, pa.int64()))
        return col.cast(typ)

    def __iter__(self):
        for name in self.arrow:
            self.column(name)
        names = list(self.cols)
        return ({n: self.cols[n][i] for n in names} for i in self.keep)

    def without(self, bad_rows: set) -> Records:
        if not bad_rows:
            return self
        rownos = self.cols["_row"]
        return Records(self.cols, [i for i in self.keep if rownos[i] not in bad_rows], self.arrow)


def _err(errors, rec, fieldname, reason):
    errors.append({"row": rec["_row"], "field": fieldname, "reason": reason})


def _dedupe(records, errors, keyfn, fieldname):
    seen = {}
    for r in records:
        k = keyfn(r)
        if None in (k if isinstance(k, tuple) else (k,)):
            continue
        if k in seen:
            _err(errors, r, fieldname, f"与第 {seen[k]} 行重复")
        else:
            seen[k] = r["_row"]


def _stored_enterprises(ctx, usccs) -> dict:
    """The stored enterprises among `usccs` (with the facts checks need), memoised per import."""
    wanted = {u for u in usccs if u}
    pending = sorted(wanted - ctx.looked_up)
    if len(pending) > SCAN_ABOVE and not ctx.scanned:
        _scan_enterprises(ctx)
    if ctx.scanned:
        pending = []
    for i in range(0, len(pending), CHUNK):
        for row in ctx.store.read("enterprises/existing", usccs=pending[i:i + CHUNK]):
            ctx.known[row["uscc"]] = row
    ctx.looked_up.update(pending)
    return {u: ctx.known[u] for u in wanted if u in ctx.known}


def _scan_enterprises(ctx) -> None:
    """Every stored enterprise into `ctx.known`: one columnar scan of the label costs less
    than more than SCAN_ABOVE key lookups."""
    t = ctx.store.read_columns("imports/enterprises_all")
    cols = {c: t.column(c).to_pylist() for c in t.column_names}
    for vals in zip(*cols.values()):
        row = dict(zip(cols, vals))
        ctx.known.setdefault(row["uscc"], row)
    ctx.scanned = True


def _scan_regions(ctx) -> None:
    """Every stored enterprise's region into `ctx.regions` (one columnar scan)."""
    t = ctx.store.read_columns("imports/enterprises_all")
    enc = t.column("region_code").combine_chunks().dictionary_encode()
    names = np.array(enc.dictionary.to_pylist() + [None], dtype=object)   # each region text once
    at = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    ctx.regions = dict(zip(t.column("uscc").to_pylist(), names[at].tolist()))


def _require_known(errors, records, stored, fields_):
    for r in records:
        for fld in fields_:
            u = r.get(fld)
            if u and u not in stored:
                _err(errors, r, fld, f"企业 {u} 不在图谱中：请先导入企业")


# The enterprise a row is "about", for scoping a bureau's import.
_SUBJECT = {"enterprises": "uscc", "supplies": "buyer_uscc", "deliveries": "client_uscc",
            "recognitions": "uscc", "projects": "owner_uscc", "memberships": "platform_uscc",
            "capacities": "uscc"}


def _check_rights(ctx, kind_name, records, errors, scope, own_uscc):
    fld = _SUBJECT[kind_name]
    if own_uscc:
        for r in records:
            if kind_name != "deliveries" or r.get("supplier_uscc") != own_uscc:
                _err(errors, r, "supplier_uscc" if kind_name == "deliveries" else fld,
                     "只能导入本企业作为供给方的交付记录")
        if kind_name == "deliveries":
            hide_foreign_deliveries(ctx, records, errors, lambda d: d.get("supplier_uscc") == own_uscc)
        return
    stored = _stored_enterprises(ctx, [r.get(fld) for r in records])
    for r in records:
        u = r.get(fld)
        # Both the region on record and the one the file asks for must be the bureau's: a
        # row cannot re-home or rename another region's enterprise.
        codes = {(stored.get(u) or {}).get("region_code")}
        if kind_name == "enterprises":
            codes.add(r.get("region_code"))
        if u and any(c and not regions.in_scope(c, scope) for c in codes):
            _err(errors, r, fld, f"企业 {u} 不在本单位管辖区域 {scope} 内")
    if kind_name == "deliveries":
        parties = _stored_enterprises(ctx, [u for d in ctx.deliveries.values()
                                            for u in (d.get("supplier_uscc"), d.get("client_uscc"))])
        hide_foreign_deliveries(ctx, records, errors, lambda d: any(
            regions.in_scope((parties.get(d.get(k)) or {}).get("region_code") or "", scope)
            for k in ("supplier_uscc", "client_uscc")))


# -- per-kind checks -----------------------------------------------------------------------
def _check_enterprises(ctx, records, errors):
    segments = reference.segments()
    _dedupe(records, errors, lambda r: r.get("uscc"), "uscc")
    stored = _stored_enterprises(ctx, [r.get("uscc") for r in records])
    for r in records:
        if r.get("uscc") and not r.get("region_code") and (stored.get(r["uscc"]) or {}).get("region_code"):
            # A file without the region says nothing about it: the stored one stands.
            r["region_code"] = stored[r["uscc"]]["region_code"]
        elif r.get("uscc") and not r.get("region_code"):
            guess = r["uscc"][2:8]
            if regions.is_known_region(guess):
                r["region_code"] = regions.current_code(guess)
            else:
                _err(errors, r, "region_code", "缺少行政区划代码，且无法从统一社会信用代码推断")
        code = r.get("industry_code")
        if code and r.get("industry_kind") is None and "industry_kind" not in ctx.present:
            r["industry_kind"] = reference.industry_kind(code)
        if r.get("is_manufacturer") is None and "is_manufacturer" not in ctx.present and code:
            r["is_manufacturer"] = code.startswith("C")
        for s in r.get("segment_ids") or []:
            if s not in segments:
                _err(errors, r, "segment_ids", f"未知的链上环节 {s}")


def _check_supplies(ctx, recs: Records, errors, keys: _SupplyKeys | None = None) -> np.ndarray:
    """The supply rules over whole columns (Arrow compute and NumPy; 2M rows in a province file):
    not a self-supply, a known segment, both parties stored, no (supplier, buyer, year, segment)
    twice. Errors are appended rule by rule, which keeps each row's errors in the order the
    row-by-row check gave them (the report is sorted by row and field, stably).

    `keys` gathers the rows' keys when the file comes in batches; its `report` then names the
    duplicates once every batch is in. Without it the duplicates are named here. Returns the
    rows' supplier numbers in `keys` (`codes`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = keys is None
    keys = keys or _SupplyKeys()
    if len(recs):
        segments = reference.segments()
        rownos = np.asarray(recs.column("_row"), dtype=np.int64)
        sup = recs.arrow_column("supplier_uscc", pa.string())
        buy = recs.arrow_column("buyer_uscc", pa.string())
        seg = recs.arrow_column("segment_id", pa.string())
        year = recs.arrow_column("year", pa.int64())
        # Once every stored enterprise is held, later batches ask nothing more of the store.
        stored = ctx.regions
        if stored is None:
            rows = ctx.known if ctx.scanned else \
                _stored_enterprises(ctx, set(sup.unique().to_pylist()) | set(buy.unique().to_pylist()))
            stored = {u: r.get("region_code") for u, r in rows.items()}

        def rows_where(mask) -> list[int]:
            return np.nonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))[0].tolist()

        def add(where, fld, reason):
            for i in where:
                errors.append({"row": int(rownos[i]), "field": fld, "reason": reason(i)})

        add(rows_where(pc.equal(sup, buy)), "buyer_uscc", lambda i: "供应方与采购方不能是同一企业")

        def unknown(col, values):   # a null is not unknown (is_in answers false for it)
            return pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=values)))

        add(rows_where(unknown(seg, pa.array(sorted(segments), pa.string()))),
            "segment_id", lambda i: f"未知的链上环节 {seg[i].as_py()}")
        numbers = {}
        for fld, col in (("supplier_uscc", sup), ("buyer_uscc", buy)):
            numbers[fld] = keys.codes(col, stored)
            add(np.nonzero(~keys.known[numbers[fld]] & (numbers[fld] > 0))[0].tolist(), fld,
                lambda i, col=col: f"企业 {col[i].as_py()} 不在图谱中：请先导入企业")
        keys.add(rownos, numbers["supplier_uscc"], numbers["buyer_uscc"], seg, year)
    if whole:
        keys.report(errors)
    return numbers["supplier_uscc"] if len(recs) else np.zeros(0, dtype=np.int64)


_ABSENT = object()


class _SupplyKeys:
    """The (supplier, buyer, segment, year) of each row that has supplier, buyer and year,
    gathered batch after batch as small integers (texts numbered in the order first seen),
    for one duplicate check over the whole file."""

    def __init__(self):
        self.numbers: dict[str, int] = {}        # text → its number (from 1; 0: no segment)
        self.batches: list[np.ndarray] = []      # per batch: rows x (row number, sup, buy, seg, year)
        # Per number: whether the text was asked about as a USCC, whether it is stored, and
        # the stored enterprise's region.
        self.asked = np.ones(1, dtype=bool)     # number 0 (none) is never asked about
        self.known = np.zeros(1, dtype=bool)
        self.regions = np.zeros(1, dtype=np.int32)     # the stored region's number in `region_texts`
        self.region_texts: dict = {None: 0}
        self.texts: list = [None]                # number → its text

    def codes(self, col, stored: dict) -> np.ndarray:
        """Each row's number for its USCC in `col` (0: none). A code is looked up in `stored`
        (the stored enterprises' regions by USCC) the first time it is seen, not again in each
        batch that names it; `known[number]` then says whether it is stored."""
        numbers = self._numbers(col)
        grow = len(self.numbers) + 1 - len(self.known)
        if grow > 0:
            self.asked = np.concatenate([self.asked, np.zeros(grow, dtype=bool)])
            self.known = np.concatenate([self.known, np.zeros(grow, dtype=bool)])
            self.regions = np.concatenate([self.regions, np.zeros(grow, dtype=np.int32)])
        new = np.unique(numbers[~self.asked[numbers]])
        if len(new):
            found = [stored.get(self.texts[n], _ABSENT) for n in new.tolist()]
            self.known[new] = [f is not _ABSENT for f in found]
            seen = self.region_texts
            self.regions[new] = [0 if f is _ABSENT else seen.setdefault(f, len(seen)) for f in found]
            self.asked[new] = True
        return numbers

    def regions_of(self, numbers: np.ndarray, keep) -> object:
        """The stored region of each supplier numbered `numbers` (`codes`) at positions `keep`,
        as an Arrow array."""
        import pyarrow as pa

        at = numbers if isinstance(keep, range) else numbers[np.asarray(keep, dtype=np.int64)]
        return pa.array(list(self.region_texts), pa.string()).take(pa.array(self.regions[at]))

    def _numbers(self, col) -> np.ndarray:
        import pyarrow.compute as pc

        enc = col.dictionary_encode()
        seen = self.numbers
        distinct = enc.dictionary.to_pylist()
        before = len(seen)
        numbers = np.fromiter((seen.setdefault(v, len(seen) + 1) for v in distinct), np.int64, len(distinct))
        # Numbers are handed out in the order of `distinct`: the new texts, in order.
        self.texts += [distinct[k] for k in np.nonzero(numbers > before)[0].tolist()]
        return np.append(numbers, 0)[pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)]

    def add(self, rownos: np.ndarray, sup: np.ndarray, buy: np.ndarray, seg, year) -> None:
        """Gather the keys of a batch: `sup` and `buy` its rows' USCC numbers (`codes`)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        keyed = (sup > 0) & (buy > 0) & pc.is_valid(year).to_numpy(zero_copy_only=False)
        at = np.nonzero(keyed)[0]
        if not len(at):
            return
        # int32: row numbers, text numbers and years all fit, in half the memory of int64.
        self.batches.append(np.stack([rownos[at], sup[at], buy[at], self._numbers(seg.take(pa.array(at))),
                                      year.take(pa.array(at)).to_numpy(zero_copy_only=False)], axis=1).astype(np.int32))

    def report(self, errors: list) -> None:
        """Append an error for each row whose key an earlier row has. The texts' numbers are
        forgotten first: this runs beside the engine's copy of the last part, and its sort
        needs the room (province: 2M keys)."""
        self.numbers, self.texts, self.regions = {}, [None], self.regions[:1]
        if sum(len(b) for b in self.batches) < 2:
            return
        rows = np.concatenate(self.batches)
        self.batches = []
        low = rows[:, 1:].min(axis=0).astype(np.int64)
        sizes = (rows[:, 1:].max(axis=0).astype(np.int64) - low + 1).tolist()
        if float(np.prod(sizes, dtype=np.float64)) < 2.0 ** 62:   # one int64 per row: a flat sort
            key = rows[:, 1] - low[0]
            for j, size in zip(range(2, 5), sizes[1:]):
                key *= size
                key += rows[:, j] - low[j - 1]
            order = np.argsort(key, kind="stable")   # equal keys in file order: the first leads
            key = key[order]
            later = np.nonzero(key[1:] == key[:-1])[0] + 1
            del key
            # Each run of equal keys starts at the last position, up to there, where the key changed.
            starts = np.zeros(len(rows), dtype=np.int64)
            starts[later] = -1
            starts = np.maximum.accumulate(np.where(starts < 0, 0, np.arange(len(rows))))
            dup, first = order[later], order[starts[later]]
        else:
            _, first, inverse = np.unique(rows[:, 1:], axis=0, return_index=True, return_inverse=True)
            first_of = first[inverse.reshape(-1)]
            dup = np.nonzero(first_of != np.arange(len(rows)))[0]
            first = first_of[dup]
        for j, k in sorted(zip(dup.tolist(), first.tolist())):
            errors.append({"row": int(rows[j, 0]), "field": "buyer_uscc", "reason": f"与第 {int(rows[k, 0])} 行重复"})


def _check_deliveries(ctx, records, errors):
    _dedupe(records, errors, lambda r: r.get("id"), "id")
    stored = _stored_enterprises(ctx, [u for r in records for u in
                                             (r.get("supplier_uscc"), r.get("client_uscc"))])
    _require_known(errors, records, stored, ("supplier_uscc", "client_uscc"))
    for r in records:
        if r.get("quantity") is None:
            r["quantity"] = 1
        for fld, reason in check_delivery_fields(r, stored.get(r.get("client_uscc")),
                                                 stored.get(r.get("supplier_uscc")), ctx.today):
            _err(errors, r, fld, reason)
    ids = sorted({r["id"] for r in records if r.get("id")})
    existing = {}
    for i in range(0, len(ids), CHUNK):
        for row in ctx.store.read("imports/deliveries_existing", ids=ids[i:i + CHUNK]):
            existing[row["delivery"]["id"]] = row["delivery"]
    ctx.deliveries = existing
    compare = [c for c in KINDS["deliveries"].columns if c.name != "id"]
    for r in records:
        old = existing.get(r.get("id"))
        if old is None:
            r["status"] = ctx.force_status or r.get("status") or "claimed"
            if r["status"] != "claimed" and not ctx.historical:
                _err(errors, r, "status", "新交付只能以“待确认”导入，由客户在台账中确认；早于台账的历史记录"
                     "请以“历史记录”方式导入（由导入单位担保并记入审计）")
            elif r["status"] == "confirmed" and ctx.historical:
                r["confirmed_by"] = r.get("confirmed_by") or f"{ctx.actor or 'import'}（历史记录担保）"
            continue
        for reason in stored_delivery_problems(r, old, ctx.force_status is not None):
            _err(errors, r, *reason)
        r["status"] = old.get("status")
        if old.get("status") != "claimed":
            changed = [c.name for c in compare if c.name in ctx.present
                       if _differs(old.get(c.name), r.get(c.name))]
            if changed:
                _err(errors, r, changed[0], f"交付 {r['id']} 的状态为“{DELIVERY_STATUS_NAMES.get(old.get('status'), old.get('status'))}”，"
                     "不可修改（更正请新建记录并关联原记录）")
            else:
                r["_unchanged"] = True


def _differs(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) > 1e-9
    return (a if a not in ("",) else None) != (b if b not in ("",) else None)


def _check_recognitions(ctx, records, errors):
    chains = {c["id"] for c in reference.chains()}
    for r in records:
        r["id"] = recognition_id(r)
        if r.get("kind") == "链主工厂" and not r.get("chain_id"):
            _err(errors, r, "chain_id", "链主工厂须注明所属产业链")
        if r.get("chain_id") and r["chain_id"] not in chains:
            _err(errors, r, "chain_id", f"未知的产业链 {r['chain_id']}")
    _dedupe(records, errors, lambda r: r["id"] if r.get("uscc") else None, "uscc")
    stored = _stored_enterprises(ctx, [r.get("uscc") for r in records])
    _require_known(errors, records, stored, ("uscc",))


def recognition_id(r: dict) -> str:
    """A recognition is identified by who, what, which level, which status and which year."""
    return f"{r.get('uscc')}/{r.get('kind')}/{r.get('level')}/{r.get('status')}/{r.get('year')}"


def _check_projects(ctx, records, errors):
    _dedupe(records, errors, lambda r: r.get("id"), "id")
    for r in records:
        if r.get("one_plus_n") and not r.get("group_id"):
            _err(errors, r, "group_id", "“1+N”项目须填写组号")
    stored = _stored_enterprises(ctx, [u for r in records for u in
                                             (r.get("owner_uscc"), r.get("service_org_uscc"))])
    _require_known(errors, records, stored, ("owner_uscc", "service_org_uscc"))


def _check_memberships(ctx, records, errors):
    _dedupe(records, errors, lambda r: (r.get("platform_uscc"), r.get("member_uscc")), "member_uscc")
    for r in records:
        if r.get("platform_uscc") and r.get("platform_uscc") == r.get("member_uscc"):
            _err(errors, r, "member_uscc", "成员企业不能是平台自身")
    stored = _stored_enterprises(ctx, [u for r in records for u in
                                             (r.get("platform_uscc"), r.get("member_uscc"))])
    _require_known(errors, records, stored, ("platform_uscc", "member_uscc"))


def _check_capacities(ctx, records, errors):
    for r in records:
        r["id"] = f"{r.get('uscc')}/{r.get('process')}/{r.get('valid_from') or ''}"
        if r.get("valid_from") and r.get("valid_to") and r["valid_to"] < r["valid_from"]:
            _err(errors, r, "valid_to", f"有效期止 {r['valid_to']} 早于有效期起 {r['valid_from']}")
    _dedupe(records, errors, lambda r: r["id"] if r.get("uscc") and r.get("process") else None, "process")
    stored = _stored_enterprises(ctx, [r.get("uscc") for r in records])
    _require_known(errors, records, stored, ("uscc",))


# -- per-kind writers ----------------------------------------------------------------------
def _node_rows(records, columns):
    return [{c: r.get(c) for c in columns} for r in records]


def _write_enterprises(tx, ctx, good):
    # Derived columns are written only when the file gave what they derive from.
    derived = {"region_code"} | ({"industry_kind", "is_manufacturer"} if "industry_code" in ctx.present else set())
    cols = [c for c in ("uscc", "name", "region_code", "industry_code", "industry_kind", "is_manufacturer",
                        "provider_types", "high_tech", "credit_ok", "revenue_wan", "rd_spend_wan",
                        "rd_staff", "employees", "former_names") if c in ctx.present or c in derived]
    # As columns, not a dict per row: a province file's 200k rows went through two more dict
    # copies on their way to the engine's Arrow table (a fifth of the import's Python time).
    res = tx.upsert_nodes("Enterprise", ColumnRows({c: [r.get(c) for r in good] for c in cols}, len(good)))
    # Only enterprises that are new or moved need their LOCATED_IN edge rewritten.
    moved = [r for r in good if r.get("region_code") and
             (ctx.known.get(r["uscc"]) or {}).get("region_code") != r["region_code"]]
    rels = tx.replace_rels("LOCATED_IN", ColumnRows({"from": [r["uscc"] for r in moved],
                                                     "to": [r["region_code"] for r in moved]}, len(moved)),
                           mode="from")
    relocated = [{"uscc": r["uscc"], "region_code": r["region_code"]} for r in moved if r["uscc"] in ctx.known]
    for i in range(0, len(relocated), CHUNK):
        tx.run("imports/supplies_set_supplier_region", rows=relocated[i:i + CHUNK])
    tx.log_change("SUPPLIES", "update", [{"from": r["uscc"], "supplier_region": r["region_code"]} for r in relocated])
    if "segment_ids" in ctx.present:
        # A segment named twice in one cell is one membership, not two edges.
        pairs = [(r["uscc"], s) for r in good for s in dict.fromkeys(r.get("segment_ids") or [])]
        seg_rows = ColumnRows({"from": [u for u, _ in pairs], "to": [s for _, s in pairs]}, len(pairs))
        # Enterprises listed with an empty cell lose their segments too: the file is the new set.
        cleared = [r["uscc"] for r in good if not r.get("segment_ids")]
        if cleared:
            tx.run_cypher("MATCH (a:Enterprise)-[e:IN_SEGMENT]->(:Segment) WHERE a.uscc IN $k DELETE e",
                          {"k": cleared})
            tx.log_change("IN_SEGMENT", "delete", [{"from": u} for u in cleared])
        rels += tx.replace_rels("IN_SEGMENT", seg_rows, mode="from")
    return res["created"], res["updated"], rels


# The SUPPLIES columns in the order of the engine's schema, as the writers hand them over.
SUPPLY_COLUMNS = ("from", "to", "year", "amount_wan", "segment_id", "supplier_region")


def _supply_columns(ctx, good: Records, region=None) -> dict:
    """The edges as Arrow columns (no Python object per row); the supplier's region, unless
    given (`_SupplyKeys.regions_of`), is looked up once per distinct supplier."""
    import pyarrow as pa

    sup = good.arrow_column("supplier_uscc", pa.string())
    if region is None:
        enc = sup.dictionary_encode()
        region = pa.array([(ctx.known.get(u) or {}).get("region_code") for u in enc.dictionary.to_pylist()],
                          pa.string()).take(enc.indices)
    return {"from": sup, "to": good.arrow_column("buyer_uscc", pa.string()),
            "year": good.arrow_column("year", pa.int64()),
            "amount_wan": good.arrow_column("amount_wan", pa.float64()),
            "segment_id": good.arrow_column("segment_id", pa.string()),
            "supplier_region": region}


def _write_supplies(tx, ctx, good: Records | Staged):
    rows = good.part_rows() if isinstance(good, Staged) else ColumnRows(_supply_columns(ctx, good))
    return 0, 0, tx.replace_rels("SUPPLIES", rows, mode="pair")


def _write_deliveries(tx, ctx, good):
    good = [r for r in good if not r.get("_unchanged")]
    cols = [c.name for c in KINDS["deliveries"].columns] + (["confirmed_by"] if ctx.historical else [])
    res = tx.upsert_nodes("Delivery", _node_rows(good, cols))
    # One event per delivery the file created or changed, as the ledger writes per claim.
    action = "delivery.import_historical" if ctx.historical else "delivery.import"
    tx.upsert_nodes("AuditEvent", [audit.event(ctx.actor, action, r["id"], ip=ctx.ip,
                                               region_code=(ctx.known.get(r["client_uscc"]) or {}).get("region_code"),
                                               detail={"created": r["id"] not in ctx.deliveries, "status": r["status"],
                                                       "supplier_uscc": r["supplier_uscc"],
                                                       "client_uscc": r["client_uscc"], "file": ctx.filename,
                                                       **({"vouched_by": ctx.actor} if ctx.historical else {})})
                                   for r in good])
    rels = tx.replace_rels("DELIVERED", [{"from": r["supplier_uscc"], "to": r["id"]} for r in good], mode="to")
    rels += tx.replace_rels("FOR", [{"from": r["id"], "to": r["client_uscc"]} for r in good], mode="from")
    return res["created"], res["updated"], rels


def _write_recognitions(tx, ctx, good):
    cols = ["id", "uscc", "kind", "level", "status", "year", "chain_id", "rating"]
    res = tx.upsert_nodes("Recognition", _node_rows(good, cols))
    rels = tx.replace_rels("HAS", [{"from": r["uscc"], "to": r["id"]} for r in good], mode="to")
    return res["created"], res["updated"], rels


def _write_projects(tx, ctx, good):
    cols = [c.name for c in KINDS["projects"].columns if c.name in ctx.present or c.name == "id"]
    res = tx.upsert_nodes("Project", _node_rows(good, cols))
    rels = tx.replace_rels("OWNS", [{"from": r["owner_uscc"], "to": r["id"]} for r in good], mode="to")
    if "service_org_uscc" in ctx.present:
        ids = [r["id"] for r in good]
        tx.run_cypher("MATCH (:Enterprise)-[e:SERVES]->(p:Project) WHERE p.id IN $ids DELETE e", {"ids": ids})
        tx.log_change("SERVES", "delete", [{"to": i} for i in ids])
        rels += tx.replace_rels("SERVES", [{"from": r["service_org_uscc"], "to": r["id"]} for r in good
                                           if r.get("service_org_uscc")], mode="pair")
    groups = sorted({r["group_id"] for r in good if r.get("group_id")})
    if groups:
        tx.log_change("LEADS", "delete", tx.run("imports/project_group_unlink", group_ids=groups))
        tx.log_change("LEADS", "replace_pair", tx.run("imports/project_group_link", group_ids=groups))
    return res["created"], res["updated"], rels


def _write_memberships(tx, ctx, good):
    rows = [{"from": r["platform_uscc"], "to": r["member_uscc"], "since": r.get("since"),
             "capabilities": r.get("capabilities") or None} for r in good]
    return 0, 0, tx.replace_rels("ORGANIZES", rows, mode="pair")


def _write_capacities(tx, ctx, good):
    cols = ["id", *(c.name for c in KINDS["capacities"].columns)]
    res = tx.upsert_nodes("Capacity", _node_rows(good, cols))
    rels = tx.replace_rels("HAS_CAPACITY", [{"from": r["uscc"], "to": r["id"]} for r in good], mode="to")
    return res["created"], res["updated"], rels


_COLUMN_CHECKS = {"supplies": _check_supplies}
_STREAMED = {"supplies"}   # kinds `_stream` reads in batches
_KIND_CHECKS = {"enterprises": _check_enterprises,
                "deliveries": _check_deliveries, "recognitions": _check_recognitions,
                "projects": _check_projects, "memberships": _check_memberships,
                "capacities": _check_capacities}
_KIND_WRITERS = {"enterprises": _write_enterprises, "supplies": _write_supplies,
                 "deliveries": _write_deliveries, "recognitions": _write_recognitions,
                 "projects": _write_projects, "memberships": _write_memberships,
                 "capacities": _write_capacities}
