"""The projects part of the projection (issue #12): every 攻关项目 with its owner and service
organisation, as form 附件2 lists them, held in memory so the form is a mask over arrays and
not a database read per call (143 ms for 杭州 on the province demo).

The rows are those of queries/programmes/region_projects.cypher for every region, made into
the form's rows once (`reports.project_row`); per row the start date (NaT when missing or not
a date), the owner's region code and the rank of the form's order. A change of projects or of
their OWNS / SERVES links rebuilds the part (6,000 projects on the province demo: an import of
projects is rare); an Enterprise upsert patches the owners' and organisations' names and
regions in place. Built on first use (web.PROJECTION_ON_FIRST_USE).
"""
from __future__ import annotations

import numpy as np

from graphsvc.core import projection
from graphsvc.core.held_facts import HeldFacts

NAME = "programmes.projects"
ENTITIES = frozenset({"Project", "OWNS", "SERVES", "Enterprise"})


class State:
    def __init__(self, rows: list[dict]):
        from graphsvc.programmes import reports

        self.rows = [reports.project_row(r) for r in rows]
        self.owners = HeldFacts({"name": "enterprise_name", "region_code": "region_code"})
        self.services = HeldFacts({"name": "service_org"}, none_as={"service_org": ""})
        for src, row in zip(rows, self.rows):
            self.owners.hold(src.get("owner_uscc"), row)
            self.services.hold(src.get("service_org_uscc"), row)
        self.start = np.array([_day(r["start_date"]) for r in self.rows], dtype="datetime64[D]")
        order = sorted(range(len(self.rows)), key=lambda i: reports.project_order(self.rows[i]))
        self.rank = np.empty(len(self.rows), dtype=np.int64)
        self.rank[order] = np.arange(len(self.rows))
        self._regions()

    def _regions(self) -> None:
        """The owners' region codes as codes into `regs` (for scope masks over a small table)."""
        table: dict = {}
        self.region = np.array([table.setdefault(r["region_code"], len(table)) for r in self.rows], dtype=np.int64)
        self.regs = list(table)


def _day(value):
    from graphsvc.programmes import eligibility

    try:
        d = eligibility.as_date(value)
    except ValueError:
        return np.datetime64("NaT")
    return np.datetime64("NaT") if d is None else np.datetime64(d, "D")


def build(store) -> State:
    return State(store.read("programmes/projection_projects"))


def apply(st: State, changes: list) -> State | None:
    for c in changes:
        if c.entity != "Enterprise" or c.op != "upsert":
            return None
        if st.owners.apply(c.rows) and any("region_code" in r for r in c.rows):
            st._regions()
        st.services.apply(c.rows)
    return st


PART = projection.register(projection.Part(NAME, build=build, apply=apply, entities=ENTITIES))


def current(store) -> State:
    return projection.current(store, NAME)


def rows_in(st: State, inside, year: int) -> tuple[list[dict], int]:
    """附件2 (`reports.project_rows`) from the part: the rows whose owner's region code passes
    `inside(code)` started within the call's window, in the form's order, and how many passing
    had no start date. The rows are those held, not copies (copying was half of a city's
    form): the form's callers only read them."""
    from graphsvc.programmes import reports

    lo, hi = reports.project_window(year)
    ok = np.array([inside(c) for c in st.regs], dtype=bool)[st.region] if st.regs else np.zeros(0, dtype=bool)
    dated = ~np.isnat(st.start)
    undated = int((ok & ~dated).sum())
    pick = np.flatnonzero(ok & dated & (st.start >= np.datetime64(lo)) & (st.start <= np.datetime64(hi)))
    pick = pick[np.argsort(st.rank[pick], kind="stable")]
    rows = st.rows
    return [rows[i] for i in pick.tolist()], undated
