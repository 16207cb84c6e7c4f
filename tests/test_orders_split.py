"""The order-split MILP (graphsvc.orders.split) on cases small enough to solve by hand.

Each test states the optimum worked out by hand in its docstring; the solver must find it.
"""
from __future__ import annotations

import itertools

import pytest

from graphsvc.orders.split import Infeasible, Offer, Step, shortfalls, solve


def _alloc(plan) -> dict:
    return {(a.step, a.uscc): a.quantity for a in plan.allocations}


def test_cheapest_unit_cost_loses_to_its_setup_cost():
    """Step: 100 cnc parts in 1 week. A: 10 元/件 + 500 元 setup; B: 12 元/件, no setup; each
    can make 100. A alone: 1000 + 500 = 1500; B alone: 1200; any split pays A's setup and
    saves at most 2 元 per part moved (≤ 200 < 500). Optimum: B makes all 100, 1200 元 —
    greedy by unit cost would pick A (1500)."""
    steps = [Step(0, "cnc", 100)]
    offers = [Offer("A", "甲厂", "cnc", 100, 10.0, 500.0), Offer("B", "乙厂", "cnc", 100, 12.0, 0.0)]
    plan = solve(steps, offers, weeks=1)
    assert _alloc(plan) == {(0, "B"): 100}
    assert plan.total_cost == 1200.0
    assert plan.status == "optimal"
    reasons = " ".join(plan.allocations[0].reasons)
    assert "甲厂" in reasons and "准备费 500" in reasons  # says why the cheaper unit cost lost


def test_two_factories_must_share_a_step():
    """150 parts in 1 week. A: 100/wk at 10 元 + 100 setup; B: 100/wk at 11 元 + 100;
    C: 200/wk at 20 元, no setup. Nobody but C can make 150 alone (C: 3000). A 100 + B 50 =
    1100 + 650 = 1750; A 100 + C 50 = 1100 + 1000 = 2100; B 100 + A 50 = 1200 + 600 = 1800.
    Optimum: A 100 (full), B 50, 1750 元. With 2 weeks A alone suffices: 1500 + 100 = 1600."""
    offers = [Offer("A", "甲", "cnc", 100, 10.0, 100.0), Offer("B", "乙", "cnc", 100, 11.0, 100.0),
              Offer("C", "丙", "cnc", 200, 20.0, 0.0)]
    plan = solve([Step(0, "cnc", 150)], offers, weeks=1)
    assert _alloc(plan) == {(0, "A"): 100, (0, "B"): 50}
    assert plan.total_cost == 1750.0
    a = next(x for x in plan.allocations if x.uscc == "A")
    assert a.capacity_units == 100 and any("产能用满" in r for r in a.reasons)
    plan2 = solve([Step(0, "cnc", 150)], offers, weeks=2)
    assert _alloc(plan2) == {(0, "A"): 150} and plan2.total_cost == 1600.0


def test_infeasible_names_the_short_step_and_the_weeks_needed():
    """Step 1 wants 500 smt boards in 2 weeks; A makes 100/wk and B 50/wk: 300 available,
    200 short; 500 / 150 per week → 4 weeks would do. Step 0 (cnc) is fine."""
    steps = [Step(0, "cnc", 10), Step(1, "smt", 500)]
    offers = [Offer("A", "甲", "smt", 100, 5.0, 0.0), Offer("B", "乙", "smt", 50, 6.0, 0.0),
              Offer("C", "丙", "cnc", 10, 30.0, 0.0)]
    with pytest.raises(Infeasible) as e:
        solve(steps, offers, weeks=2)
    assert e.value.shortfalls == [{"step": 1, "process": "smt", "quantity": 500, "capacity_units": 300,
                                   "short_units": 200, "weeks_needed": 4}]
    solve(steps, offers, weeks=4)  # and four weeks indeed suffice


def test_nobody_offers_the_process():
    with pytest.raises(Infeasible) as e:
        solve([Step(0, "painting", 5)], [Offer("A", "甲", "cnc", 100, 1.0, 0.0)], weeks=3)
    assert e.value.shortfalls[0]["short_units"] == 5 and e.value.shortfalls[0]["weeks_needed"] is None


def test_min_local_share_changes_the_answer():
    """100 parts. N (not local): 10 元, L (local): 15 元, both 100/wk, no setup. Unconstrained:
    N makes all, 1000 元, local share 0. With local cost ≥ 50% of total and x parts at L:
    15x ≥ 0.5·(15x + 10(100 − x)) ⇔ 12.5x ≥ 500 ⇔ x ≥ 40; cost 1000 + 5x is least at x = 40:
    L 40 (600 元), N 60 (600 元), total 1200, share exactly 0.5."""
    steps = [Step(0, "assembly", 100)]
    offers = [Offer("N", "外地厂", "assembly", 100, 10.0, 0.0, local=False),
              Offer("L", "本地厂", "assembly", 100, 15.0, 0.0, local=True)]
    free = solve(steps, offers, weeks=1, local_region=True)
    assert _alloc(free) == {(0, "N"): 100} and free.total_cost == 1000.0 and free.local_share == 0.0
    bound = solve(steps, offers, weeks=1, min_local_share=0.5, local_region=True)
    assert _alloc(bound) == {(0, "L"): 40, (0, "N"): 60}
    assert bound.total_cost == 1200.0 and bound.local_share == pytest.approx(0.5)
    assert any("本地" in r for r in next(a for a in bound.allocations if a.uscc == "L").reasons)


def test_local_share_that_cannot_be_met():
    """Local capacity 10 of 100 parts at the same price: the local share is at most 10%."""
    offers = [Offer("N", "外", "assembly", 100, 10.0, 0.0), Offer("L", "本", "assembly", 10, 10.0, 0.0, local=True)]
    with pytest.raises(Infeasible) as e:
        solve([Step(0, "assembly", 100)], offers, weeks=1, min_local_share=0.5, local_region=True)
    assert e.value.reason == "local_share" and e.value.shortfalls == []


def test_steps_of_one_process_share_a_factory_capacity():
    """Two cnc steps of 80 each; A (10 元) and B (12 元) make 100/wk each, no setup. A cannot
    make 160: A 100 in total, B 60 → 1000 + 720 = 1720 元."""
    offers = [Offer("A", "甲", "cnc", 100, 10.0, 0.0), Offer("B", "乙", "cnc", 100, 12.0, 0.0)]
    plan = solve([Step(0, "cnc", 80), Step(1, "cnc", 80)], offers, weeks=1)
    used = {}
    for a in plan.allocations:
        used[a.uscc] = used.get(a.uscc, 0) + a.quantity
    assert used == {"A": 100, "B": 60} and plan.total_cost == 1720.0


def test_matches_brute_force_on_small_instances():
    """Every split of a small step over three factories, enumerated: the MILP's cost is the least."""
    offers = [Offer("A", "甲", "cnc", 7, 3.0, 9.0), Offer("B", "乙", "cnc", 5, 2.0, 14.0),
              Offer("C", "丙", "cnc", 9, 4.0, 1.0)]
    for qty in (1, 4, 8, 12, 19, 21):
        best = min(sum(o.unit_cost * x + (o.setup_cost if x else 0) for o, x in zip(offers, xs))
                   for xs in itertools.product(*(range(o.units_per_week + 1) for o in offers)) if sum(xs) == qty)
        plan = solve([Step(0, "cnc", qty)], offers, weeks=1)
        assert plan.total_cost == pytest.approx(best), qty
        assert sum(a.quantity for a in plan.allocations) == qty


def test_shortfalls_pool_capacity_across_steps_in_order():
    steps = [Step(0, "cnc", 60), Step(1, "cnc", 60)]
    assert shortfalls(steps, [Offer("A", "甲", "cnc", 100, 1.0, 0.0)], 1) == [
        {"step": 1, "process": "cnc", "quantity": 60, "capacity_units": 40, "short_units": 20, "weeks_needed": 2}]


@pytest.mark.parametrize("seed", range(6))
def test_integer_quantities_come_from_the_transportation_structure(seed):
    """`solve` lets HiGHS branch on the setup choices only (quantities are integral at the
    optimum because fixing the setups leaves a totally unimodular transportation problem).
    On random orders whose steps share processes, the optimum must equal the programme with
    every variable declared integer, and every quantity must be a whole number summing to the
    step's quantity."""
    import random

    import numpy as np
    from scipy.optimize import milp

    from graphsvc.orders import split

    rnd = random.Random(seed)
    offers = [Offer(f"F{f}", f"厂{f}", rnd.choice(["cnc", "smt"]), rnd.randint(5, 60),
                    round(rnd.uniform(5, 20), 2), float(rnd.choice([0, 50, 200, 800]))) for f in range(25)]
    steps = [Step(i, rnd.choice(["cnc", "smt"]), rnd.randint(20, 150)) for i in range(4)]
    plan = solve(steps, offers, weeks=2)  # these seeds are feasible: capacity ≥ 2× demand
    pairs = split._pairs(steps, offers)
    cost, cons, bounds, _ = split._programme(steps, offers, pairs, 2, None)
    full = milp(cost, constraints=cons, integrality=np.ones(len(cost)), bounds=bounds,
                options={"mip_rel_gap": 1e-9})
    assert plan.status == "optimal"
    assert plan.total_cost == pytest.approx(full.fun, abs=0.01)
    for s in steps:
        assert sum(a.quantity for a in plan.allocations if a.step == s.index) == s.quantity
