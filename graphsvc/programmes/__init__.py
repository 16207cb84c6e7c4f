"""Programmes: the policy documents' rules as data (`catalogue`) and their evaluation — eligibility,
subsidies (B10, C3.5), targets (B2–B5, D10, E1, E2) and the government forms. `facts` gathers an
enterprise's or project's facts from the graph; `service` is what the API, the pages and the CLI call."""
