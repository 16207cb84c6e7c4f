"""What an import may do to a delivery already in the ledger (issue 25).

An import creates deliveries and corrects the fields of claimed ones; it never changes who
delivered to whom, nor the status: that moves only through the ledger (claim → confirm /
dispute / withdraw), each step with its event. A delivery the caller may not see is not
described to it at all, dry run or not: its row gets one neutral reason.

>>> stored_delivery_problems({"supplier_uscc": "B", "client_uscc": "C", "status": "confirmed"},
...                          {"supplier_uscc": "A", "client_uscc": "C", "status": "claimed"}, False)
[('supplier_uscc', '导入不能改变交付的供给方或客户'), ('status', '状态只能在台账中确认、提出异议或撤回（导入不能改变状态）')]
"""
from __future__ import annotations


def stored_delivery_problems(row: dict, old: dict, status_forced: bool) -> list[tuple[str, str]]:
    """[(field, reason)] for a file row naming the stored delivery `old`."""
    out = [(k, "导入不能改变交付的供给方或客户") for k in ("supplier_uscc", "client_uscc")
           if row.get(k) and row.get(k) != old.get(k)]
    if not status_forced and row.get("status") and row["status"] != old.get("status"):
        out.append(("status", "状态只能在台账中确认、提出异议或撤回（导入不能改变状态）"))
    return out


def hide_foreign_deliveries(ctx, records, errors: list, visible) -> None:
    """Rows naming a stored delivery for which `visible(delivery)` is false get one neutral
    error in place of all others, so the report says nothing about that delivery."""
    foreign = {r["_row"] for r in records if r.get("id") in ctx.deliveries
               and not visible(ctx.deliveries[r["id"]])}
    if not foreign:
        return
    errors[:] = [e for e in errors if e["row"] not in foreign]
    for r in records:
        if r["_row"] in foreign:
            errors.append({"row": r["_row"], "field": "id", "reason": f"编号 {r['id']} 不可用：请换一个编号"})
