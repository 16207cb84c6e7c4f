"""The ceiling of the offline evaluation: rank by the demo generator's own utility.

graphsvc/demo/generate.py draws each delivery's provider from softmax(utility + Gumbel noise)
with the named constants SPECIALISATION, SIZE, SAME_DISTRICT, SAME_CITY, LEADER_TIE and
CHAIN_TIE over hidden inputs (each provider's specialisations, its size, which providers
served a chain leader in phase 1). Regenerating the world with the same seed gives those
inputs back (``World.truth``); ranking candidates by the utility without the noise is the
best any ranking can do on average.
"""
from __future__ import annotations

import numpy as np

from graphsvc.contractors import asof as A
from graphsvc.demo import generate as G


def oracle_hook(ax: A.AsOf, scale: str = "province", seed: int = 2023):
    """question_hook for fit.replay: {"oracle": utility of each candidate}."""
    w, t = G.world(scale, seed)
    T = w.truth
    ent_of = {u: i for i, u in enumerate(t["uscc"])}
    prov = T["prov"]
    prov_pos = {int(e): j for j, e in enumerate(prov)}
    to_truth = np.array([prov_pos.get(ent_of.get(u, -1), -1) for u in ax.usccs])
    t1_start, t1_size, t1_vals = T["tier1"]
    served = T["served"]
    chain_tie = (T["chain_leader"] @ served) > 0
    dist, city = w.district, w.city

    def hook(q: A.Question) -> dict:
        c = ent_of.get(q.client.uscc)
        j = to_truth[q.cand]
        if c is None or (j < 0).any() or w.industry[c] < 0:
            return {"oracle": np.zeros(len(q.cand))}
        pe = prov[j]
        u = G.SPECIALISATION * T["spec"][j, w.industry[c]] + G.SIZE * T["size"][j]
        u = u + G.SAME_DISTRICT * (dist[pe] == dist[c]) + G.SAME_CITY * (city[pe] == city[c])
        leaders = t1_vals[t1_start[c]: t1_start[c] + t1_size[c]].astype(np.int64)
        if len(leaders):
            u = u + G.LEADER_TIE * (served[leaders][:, j].sum(axis=0) > 0)
        u = u + G.CHAIN_TIE * chain_tie[w.chain[c]][j]
        return {"oracle": u.astype(float)}

    return hook
