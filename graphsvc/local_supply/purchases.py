"""One leader's supply records of a year as columns: what its detail and its what-if read.

Per record a supplier code, a segment code, the amount and whether the supplier is local;
per supplier its USCC, name and region code, per segment code its id (None: no segment).
Suppliers are coded in USCC order and segments in the detail's order (ids ascending, None
last), so that a sort by these codes is the detail's sort by USCC and segment. The figures are
sums over these arrays; Python rows are made only for what a response shows (a supplier, a
segment, a step of the what-if), never one per record: at province scale a leader has a few
thousand records a year, and a dict per record was most of a detail's time.

Amounts are summed as ``math.fsum`` sums them (correctly rounded), so a figure does not depend
on the order of the records (``group_fsum``).
"""
from __future__ import annotations

import math

import numpy as np


def group_fsum(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per code 0..n-1 the ``math.fsum`` of its values (0.0 where it has none). A float sum of
    one or two values is correctly rounded already: only groups of three or more are summed
    by ``math.fsum`` (a leader's suppliers mostly have one or two records a year).

    >>> group_fsum(np.array([0, 1, 0, 0, 1]), np.array([0.1, 5.0, 0.2, 0.3, 1.0]), 3).tolist()
    [0.6, 6.0, 0.0]
    >>> 0.1 + 0.2 + 0.3
    0.6000000000000001
    """
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    count = np.bincount(codes, minlength=n)
    order = np.argsort(codes, kind="stable")
    v = values[order]
    start = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    out = np.zeros(n)
    one, two = count == 1, count == 2
    out[one] = v[start[one]]
    out[two] = v[start[two]] + v[start[two] + 1]
    for k in np.nonzero(count > 2)[0].tolist():
        out[k] = math.fsum(v[start[k]:start[k] + count[k]].tolist())
    return out + 0.0        # math.fsum's zero is +0.0


def distinct(x: np.ndarray) -> np.ndarray:
    """The distinct values of `x`, ascending: np.unique by a sort (NumPy 2's np.unique hashes,
    several times slower on a leader's few thousand records).

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    s = np.sort(np.asarray(x))
    return s[np.concatenate(([True], s[1:] != s[:-1]))] if len(s) else s


def _segment_order(ids: list) -> list[int]:
    """Positions of `ids` in the detail's order: ids ascending, None last."""
    return sorted(range(len(ids)), key=lambda k: (ids[k] is None, ids[k] or ""))


class Purchases:
    """The records (see the module docstring); `local` per record, the tables as lists."""

    __slots__ = ("supplier", "segment", "amount", "local", "usccs", "names", "regions", "segment_ids")

    def __init__(self, supplier, segment, amount, local, usccs: list, names: list, regions: list,
                 segment_ids: list):
        self.supplier = np.asarray(supplier, dtype=np.int64)
        self.segment = np.asarray(segment, dtype=np.int64)
        self.amount = np.asarray(amount, dtype=np.float64)
        self.local = np.asarray(local, dtype=bool)
        self.usccs, self.names, self.regions, self.segment_ids = usccs, names, regions, segment_ids

    @classmethod
    def from_rows(cls, rows: list[dict], local=None, amount: str = "amount_wan") -> Purchases:
        """From records as dicts {supplier_uscc, supplier_name?, supplier_region?, segment_id?,
        `amount`}, kept in their order; a supplier's name and region are those of its first
        record; `local`: a predicate on the region code (None: no record is local).

        >>> p = Purchases.from_rows([{"supplier_uscc": "B", "supplier_region": "330110", "amount_wan": 2.0},
        ...                          {"supplier_uscc": "A", "segment_id": "S1", "amount_wan": None}],
        ...                         lambda r: r == "330110")
        >>> p.usccs, p.supplier.tolist(), p.segment_ids, p.segment.tolist(), p.amount.tolist(), p.local.tolist()
        (['A', 'B'], [1, 0], ['S1', None], [1, 0], [2.0, 0.0], [True, False])
        """
        usccs = sorted({r["supplier_uscc"] for r in rows})
        code = {u: k for k, u in enumerate(usccs)}
        names, regions = [None] * len(usccs), [None] * len(usccs)
        for r in reversed(rows):
            k = code[r["supplier_uscc"]]
            names[k], regions[k] = r.get("supplier_name"), r.get("supplier_region")
        seen = list({r.get("segment_id"): None for r in rows})
        segment_ids = [seen[k] for k in _segment_order(seen)]
        seg_code = {s: k for k, s in enumerate(segment_ids)}
        return cls([code[r["supplier_uscc"]] for r in rows], [seg_code[r.get("segment_id")] for r in rows],
                   [float(r.get(amount) or 0.0) for r in rows],
                   [bool(local is not None and local(r.get("supplier_region"))) for r in rows],
                   usccs, names, regions, segment_ids)

    @classmethod
    def from_edges(cls, supplier_rank, seller, seg, sreg, amount, local, usccs, names, regs, segs) -> Purchases:
        """From edge columns in any order (`supplier_rank`: each record's supplier's place in USCC
        order, `seller` its enterprise index, `seg` its segment index or -1, `sreg` its supplier's
        region index, the same on all of a supplier's records), sorted in the detail's order
        (supplier, segment, then as given); the tables `usccs`, `names` (per enterprise), `regs`
        and `segs` are looked up for the suppliers and segments present only.

        >>> p = Purchases.from_edges(np.array([7, 3, 7]), np.array([1, 0, 1]), np.array([-1, 0, 1]),
        ...                          np.array([0, 1, 0]), np.array([1.0, 2.0, 3.0]), np.array([False, True, False]),
        ...                          ["A", "B"], ["a", "b"], ["310101", "330110"], ["S1", "S2"])
        >>> p.usccs, p.supplier.tolist(), p.segment_ids, p.segment.tolist(), p.amount.tolist(), p.regions
        (['A', 'B'], [0, 1, 1], ['S1', 'S2', None], [0, 1, 2], [2.0, 3.0, 1.0], ['330110', '310101'])
        """
        _, sup = np.unique(supplier_rank, return_inverse=True)
        k = int(sup.max()) + 1 if len(sup) else 0
        ents = np.zeros(k, dtype=np.int64)
        ents[sup] = seller
        reg = np.zeros(k, dtype=np.int64)
        reg[sup] = sreg
        gs, gcode = np.unique(seg, return_inverse=True)
        ids = [segs[g] if g >= 0 else None for g in gs.tolist()]
        order = _segment_order(ids)
        remap = np.empty(len(ids), dtype=np.int64)
        remap[order] = np.arange(len(ids))
        gcode = remap[gcode]
        rec = np.lexsort((gcode, sup))
        e = ents.tolist()
        return cls(sup[rec], gcode[rec], np.asarray(amount)[rec], np.asarray(local)[rec],
                   [usccs[i] for i in e], [names[i] for i in e], [regs[g] for g in reg.tolist()],
                   [ids[k] for k in order])

    def take(self, mask: np.ndarray) -> Purchases:
        """The records where `mask` holds, with the same tables."""
        return Purchases(self.supplier[mask], self.segment[mask], self.amount[mask], self.local[mask],
                         self.usccs, self.names, self.regions, self.segment_ids)

    def sums(self) -> tuple[float, float, int, int]:
        """(local_amount, total_amount, local_suppliers, suppliers), as ratios.sums_from_edges.

        >>> Purchases([0, 0, 1], [0, 0, 0], [1.0, 2.0, 4.0], [True, True, False], ["A", "B"], [None] * 2,
        ...           [None] * 2, [None]).sums()
        (3.0, 7.0, 1, 2)
        """
        return (math.fsum(self.amount[self.local].tolist()), math.fsum(self.amount.tolist()),
                len(distinct(self.supplier[self.local])), len(distinct(self.supplier)))

    def first_of_supplier(self) -> np.ndarray:
        """Per supplier code, its first record (len(self) where it has none)."""
        first = np.full(len(self.usccs), len(self.supplier), dtype=np.int64)
        np.minimum.at(first, self.supplier, np.arange(len(self.supplier), dtype=np.int64))
        return first

    def __len__(self) -> int:
        return len(self.supplier)
