"""Run every benchmark module (or those named): `python -m bench.run [recommend local_supply …]`."""
from __future__ import annotations

import importlib
import pkgutil
import sys

from bench.common import Context, write_results


def main(argv: list[str]) -> int:
    import bench

    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")]
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv] or sorted(names)
    ctx = Context()
    table = []
    try:
        for name in wanted:
            mod = importlib.import_module(f"bench.{name}")
            rows = mod.run(ctx)
            write_results(name, rows)
            table.extend(rows)
    finally:
        ctx.close()
    print(f"{'benchmark':<48} {'dataset':<30} {'median':>10} {'p95':>10} {'unit':<7} target")
    for r in table:
        print(f"{r['name']:<48} {r.get('dataset', ''):<30} {_fmt(r.get('median')):>10} "
              f"{_fmt(r.get('p95')):>10} {r.get('unit', ''):<7} {r.get('target', '')}")
    return 0


def _fmt(v):
    return "" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
