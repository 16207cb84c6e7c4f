"""Reference data (regions, chains, segments) as nodes, so queries can walk to them."""
from __future__ import annotations

from graphsvc.core import reference
from graphsvc.core import regions


def ensure_reference(store) -> dict:
    """Load regions, chains and segments into the store if the stored set differs.

    Cheap when nothing changed (three counts), so it runs at every start and import.
    """
    all_regions = regions.regions()
    chains = reference.chains()
    segs = reference.segments()
    counts = {label: store.read_cypher(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]
              for label in ("Region", "Chain", "Segment")}
    want = {"Region": len(all_regions), "Chain": len(chains), "Segment": len(segs)}
    if counts == want:
        return {"loaded": False, **counts}
    with store.transaction() as tx:
        tx.upsert_nodes("Region", [{"code": c, "name": r["name"], "level": r["level"],
                                    "parent": r.get("parent") or None} for c, r in all_regions.items()])
        tx.upsert_nodes("Chain", [{"id": c["id"], "name": c["name"], "ecosystem": c.get("ecosystem")}
                                  for c in chains])
        tx.upsert_nodes("Segment", [{"id": sid, "chain_id": s["chain_id"], "name": s["name"],
                                     "stage": s["stage"]} for sid, s in segs.items()])
        tx.replace_rels("OF_CHAIN", [{"from": sid, "to": s["chain_id"]} for sid, s in segs.items()],
                        mode="from")
    return {"loaded": True, **want}
