"""An all-or-nothing streamed import copies staged parts while it still reads (issue #19).

Into an empty supplies table the engine copies the first parts before the reader has checked
the last rows; a bad row among those last rows must still reject the whole file, name that row
and leave nothing written, and the same file without it must land whole.
"""
from __future__ import annotations

import numpy as np

from graphsvc.demo.generate import make_usccs

FIRMS = 60


def _files():
    firms = make_usccs(np.array(["330108"] * FIRMS), np.arange(81_000_001, 81_000_001 + FIRMS))
    ent = ("uscc,name,region_code\n" + "".join(f"{u},企业{i},330106\n" for i, u in enumerate(firms))).encode()
    lines = ["supplier_uscc,buyer_uscc,year,amount_wan"]
    for s in range(FIRMS):
        for b in range(FIRMS):
            if s != b:
                lines += [f"{firms[s]},{firms[b]},{y},{s + b}.5" for y in (2022, 2023)]
    return ent, lines


def test_a_bad_last_row_rolls_back_the_parts_already_copied(tmp_path, monkeypatch):
    import threading

    import loaders.importer as importer
    import loaders.staging as staging
    from loaders.importer import run_import
    from tests.conftest import open_test_store

    monkeypatch.setattr(importer, "STREAM_BYTES", 4096)   # batches of ~4 kB, parts of 500 rows
    monkeypatch.setattr(staging, "PART_ROWS", 500)
    ent, lines = _files()
    store = open_test_store(tmp_path / "db")
    try:
        assert run_import(store, "enterprises", ent, "e.csv").status == "ok"
        bad = lines[:-1] + [lines[-1].replace(",2023,", ",20２3年,")]
        copied = threading.Event()
        check = importer._check_supplies

        def last_batch_after_a_copy(ctx, recs, errors, keys=None):
            # The reader checks the batch holding the bad row only once a part is in the engine.
            if len(lines) in recs.column("_row"):
                assert copied.wait(60)
            return check(ctx, recs, errors, keys)

        monkeypatch.setattr(importer, "_check_supplies", last_batch_after_a_copy)
        rep = run_import(store, "supplies", ("\n".join(bad) + "\n").encode(), "s.csv",
                         progress=lambda stage, done, total: copied.set() if stage == "写入" and done else None)
        assert rep.status == "rejected" and rep.accepted == 0
        assert [(e["row"], e["field"]) for e in rep.errors] == [(len(lines), "year")]
        assert store.counts()["SUPPLIES"] == 0
        assert copied.is_set()   # parts were copied before the bad row was read, then undone

        rep = run_import(store, "supplies", ("\n".join(lines) + "\n").encode(), "s.csv")
        assert rep.status == "ok" and rep.accepted == rep.rows == len(lines) - 1
        assert store.counts()["SUPPLIES"] == len(lines) - 1
    finally:
        store.close()
