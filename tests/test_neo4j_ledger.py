"""The delivery ledger on Neo4j: the LadybugDB module's transition tests, and concurrent
confirmation decided by the database alone (the Neo4j adapter takes no Python lock)."""
from __future__ import annotations

from tests import test_ledger
from tests.engines import rerun_on_neo4j

rerun_on_neo4j(test_ledger, globals(), skip={
    "test_cli_confirm_and_assessment": "closes the store and opens its directory from the CLI",
})


def test_fifty_parallel_confirmations_have_exactly_one_winner(neo4j_fresh, neo4j_server, accounts):
    """50 threads over 5 separate drivers decide one claim at once, three claims in turn. The
    Neo4j adapter takes no Python lock: only the database's write lock taken in
    queries/delivery_transition.cypher orders them."""
    import threading

    from graphsvc.deliveries import ledger
    from graphsvc.core.access import Principal
    from graphsvc.deliveries.ledger import Conflict
    from tests.test_ledger import claim_body, events

    provider = Principal("provider", "supplier", uscc=accounts["provider"]["uscc"])
    deciders = [Principal("maker", "manufacturer", uscc=accounts["maker"]["uscc"]),
                Principal("hz_bureau", "bureau", scope="330100")]
    stores = [neo4j_server.open() for _ in range(5)]
    try:
        for _round in range(3):
            d = ledger.claim(neo4j_fresh, provider, claim_body(accounts["maker"]["uscc"]))
            barrier = threading.Barrier(50)
            won, lost, other = [], [], []

            def decide(i: int, d=d, barrier=barrier, won=won, lost=lost, other=other):
                action = "confirm" if i % 2 == 0 else "dispute"
                barrier.wait()
                try:
                    won.append((action, ledger.transition(stores[i % 5], deciders[i % 2], d["id"], action)["status"]))
                except Conflict as exc:
                    lost.append(exc.current)
                except Exception as exc:  # anything else (a transient error leaking out) fails the test
                    other.append(repr(exc))

            threads = [threading.Thread(target=decide, args=(i,)) for i in range(50)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert other == []
            assert len(won) == 1 and len(lost) == 49, won
            final = {"confirm": "confirmed", "dispute": "disputed"}[won[0][0]]
            assert won[0][1] == final and set(lost) == {final}
            assert neo4j_fresh.read_one("deliveries/get", id=d["id"])["delivery"]["status"] == final
            assert sorted(e["action"] for e in events(neo4j_fresh, d["id"])) == [
                "delivery.claim", f"delivery.{won[0][0]}"]
    finally:
        for s in stores:
            s.close()
