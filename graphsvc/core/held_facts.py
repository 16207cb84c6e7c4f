"""Rows of a projection part that carry facts of an enterprise (a project's owner name, a
delivery's client industry kind), kept current when an Enterprise upsert changes those facts:
the part then serves whole rows without joining the enterprise on every call.

>>> owners = HeldFacts({"name": "owner_name", "region_code": "region_code"})
>>> row = {"id": "P1", "owner_name": "甲", "region_code": "330106"}
>>> owners.hold("U1", row)
>>> owners.apply([{"uscc": "U1", "name": "乙"}, {"uscc": "U9", "name": "丙"}])
True
>>> row
{'id': 'P1', 'owner_name': '乙', 'region_code': '330106'}
>>> owners.apply([{"uscc": "U1", "is_manufacturer": True}])
False
"""
from __future__ import annotations


class HeldFacts:
    def __init__(self, fields: dict[str, str], none_as: dict | None = None):
        self.fields = fields                  # Enterprise property -> the row's key
        self.none_as = none_as or {}          # the row's key -> what a missing fact reads as there
        self.rows: dict[str, list[dict]] = {}

    def hold(self, uscc: str | None, row: dict) -> None:
        if uscc is not None:
            self.rows.setdefault(uscc, []).append(row)

    def drop(self, uscc: str | None, row: dict) -> None:
        held = self.rows.get(uscc)
        if held is not None:
            held[:] = [r for r in held if r is not row]

    def apply(self, rows) -> bool:
        """Copy the facts the upserted enterprise `rows` carry into the rows held for them;
        whether a held row changed."""
        changed = False
        for r in rows:
            held = self.rows.get(r.get("uscc"))
            if not held:
                continue
            for prop, key in self.fields.items():
                if prop in r:
                    value = self.none_as.get(key) if r[prop] is None else r[prop]
                    for row in held:
                        row[key] = value
                    changed = True
        return changed
