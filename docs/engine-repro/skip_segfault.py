"""Minimal reproduction: LadybugDB 0.22 segfaults on ORDER BY … SKIP $s LIMIT n (docs/engine-issues.md).

    .venv/bin/python docs/engine-repro/skip_segfault.py 1000 15000     # exit -11 (SIGSEGV) on 0.22.0
    .venv/bin/python docs/engine-repro/skip_segfault.py 1000 15000 --keyset   # the workaround: fine

Each query runs in a child process so a crash is reported instead of ending this script.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def child(n: int, skip: int, keyset: bool) -> None:
    import ladybug

    d = tempfile.mkdtemp()
    db = ladybug.Database(os.path.join(d, "g.lbdb"), buffer_pool_size=256 * 1024 * 1024)
    c = ladybug.Connection(db)
    c.execute("CREATE NODE TABLE E(uscc STRING, PRIMARY KEY(uscc))")
    with open(os.path.join(d, "e.csv"), "w") as fh:
        fh.write("uscc\n" + "".join(f"U{i:017d}\n" for i in range(n)))
    c.execute(f"COPY E FROM '{d}/e.csv' (header=true)")
    if keyset:
        r = c.execute("MATCH (e:E) WHERE e.uscc > $a RETURN e.uscc ORDER BY e.uscc LIMIT 100", {"a": ""})
    else:
        r = c.execute("MATCH (e:E) RETURN e.uscc ORDER BY e.uscc SKIP $s LIMIT 100", {"s": skip})
    rows = 0
    while r.has_next():
        r.get_next()
        rows += 1
    print(f"returned {rows} rows")


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
        sys.exit(0)
    n, skip = int(sys.argv[1]), int(sys.argv[2])
    keyset = "--keyset" in sys.argv
    rc = subprocess.run([sys.executable, __file__, "--child", str(n), str(skip), "1" if keyset else "0"]).returncode
    print(f"rows={n} skip={skip} keyset={keyset}: exit code {rc}" + (" (SIGSEGV)" if rc == -11 else ""))
    sys.exit(0 if rc == 0 else 1)
