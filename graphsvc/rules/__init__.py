"""Programme rules engine: the policy documents' rules as data, evaluated by pure functions.

- ``catalogue``   — load ``refdata/rules/*.yaml``; look rules, params, targets up by id.
- ``eligibility`` — ``check(programme, facts)``: per-rule pass/fail/unknown/not_applicable.
- ``subsidies``   — ``quote(...)`` (B10), ``item14_reward(...)`` (C3.5) and the other money rules.
- ``targets``     — ``progress(region_code, year, recognitions)`` (B2–B5, D10, E1, E2).
- ``forms``       — ``write_form(form_id, rows, out_path, region_name)``: the government .xlsx tables.

Everything takes and returns plain dicts and lists; apart from reading the rules
YAML and ``forms.write_form`` writing its file, nothing here touches the database,
HTTP or the file system.
"""
