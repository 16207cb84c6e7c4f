"""The ceiling of the offline evaluation: rank by the demo generator's own utility.

graphsvc/demo/generate.py draws each delivery's provider from softmax(utility + Gumbel noise)
with the named constants SPECIALISATION, SIZE, SAME_DISTRICT, SAME_CITY, LEADER_TIE and
CHAIN_TIE over hidden inputs (each provider's specialisations, its size, which providers
served a chain leader in phase 1). Regenerating the world with the same seed gives those
inputs back (``World.truth``); ranking candidates by the utility without the noise is the
best any ranking can do on average.

``oracle_asof`` is the same utility with the ties limited to what the date rules let a
ranking know (asof.AsOf): the leader tie only through a supply link on record by the year
before, the chain tie only through leaders recognised by the year before, and no tie before
the phase-1 projects exist. Specialisations and size stay the hidden truth, so it bounds what
the date rules allow, not what the deliveries teach.
"""
from __future__ import annotations

import numpy as np

from graphsvc.contractors import asof as A
from graphsvc.demo import generate as G


def oracle_hook(ax: A.AsOf, scale: str = "province", seed: int = 2023):
    """question_hook for fit.replay: {"oracle", "oracle_asof": utility of each candidate}."""
    w, t = G.world(scale, seed)
    T = w.truth
    uscc = t["uscc"]
    ent_of = {u: i for i, u in enumerate(uscc)}
    prov = T["prov"]
    prov_pos = {int(e): j for j, e in enumerate(prov)}
    to_truth = np.array([prov_pos.get(ent_of.get(u, -1), -1) for u in ax.usccs])
    t1_start, t1_size, t1_vals = T["tier1"]
    served = T["served"]
    chain_tie = (T["chain_leader"] @ served) > 0
    dist, city = w.district, w.city
    leader_uscc = [uscc[e] for e in w.leaders]
    phase2 = str(G.PHASE2_START)

    def hook(q: A.Question) -> dict:
        c = ent_of.get(q.client.uscc)
        j = to_truth[q.cand]
        if c is None or (j < 0).any() or w.industry[c] < 0:
            zero = np.zeros(len(q.cand))
            return {"oracle": zero, "oracle_asof": zero}
        pe = prov[j]
        u = G.SPECIALISATION * T["spec"][j, w.industry[c]] + G.SIZE * T["size"][j]
        u = u + G.SAME_DISTRICT * (dist[pe] == dist[c]) + G.SAME_CITY * (city[pe] == city[c])
        known = u.copy()
        leaders = t1_vals[t1_start[c]: t1_start[c] + t1_size[c]].astype(np.int64)
        if len(leaders):
            u = u + G.LEADER_TIE * (served[leaders][:, j].sum(axis=0) > 0)
        u = u + G.CHAIN_TIE * chain_tie[w.chain[c]][j]
        year, signed = int(q.delivery.signed[:4]), q.delivery.signed
        if signed >= phase2:
            links = ax.buyers.get(q.client.uscc, {})
            mine = [li for li in leaders if links.get(leader_uscc[li], 9999) <= year]
            if mine:
                known = known + G.LEADER_TIE * (served[mine][:, j].sum(axis=0) > 0)
            of_chain = [li for li in np.flatnonzero(T["chain_leader"][w.chain[c]])
                        if ax._leader(leader_uscc[li], year)]
            if of_chain:
                known = known + G.CHAIN_TIE * (served[of_chain][:, j].sum(axis=0) > 0)
        return {"oracle": u.astype(float), "oracle_asof": known.astype(float)}

    return hook
