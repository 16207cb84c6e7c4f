"""Cypher queries, one file a query, one folder a feature (package data, so a wheel carries them).

Code names a query `<folder>/<file stem>`, e.g. `store.read("local_supply/leaders", ...)`.
"""
