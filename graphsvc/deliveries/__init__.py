"""Deliveries: the ledger a supplier claims and a client confirms, the supplier's assessment (C1–C3) and
its .xlsx/PDF reports. `service` is what the API, the pages and the CLI call."""
