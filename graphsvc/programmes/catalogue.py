"""The programme rules as data: load the YAML files and look rules up by id.

Each file under ``graphsvc/refdata/rules/`` holds one policy document: its
``document`` header, a ``version``, its ``rules`` (id, Chinese text from the
seed, ``params`` with every threshold) and, where the document sets them,
``targets`` and ``programmes`` (programme id -> rule ids evaluated for it).
Code never spells a threshold: it asks this module for ``params(rule_id)``,
so next year's figures are a data change.

A catalogue is a plain dict::

    {"documents": {doc_id: {...header, "version", "file"}},
     "rules": {rule_id: {...rule, "document_id"}},
     "targets": {doc_id: <targets section>},
     "programmes": {programme_id: {"document_id", "rule_ids", "name", "order", "subject",
                                   "suppliers", "what_if"}}}

Example:

>>> cat = load()
>>> params("A2.5", cat)["min_investment_wan"]
200
>>> rule("B4", cat)["document_id"]
'hz-2021-future-factory'
>>> programme_rule_ids("hz-2023-digital-project", cat)
['A2.3', 'A2.4', 'A2.5', 'A2.6', 'A2.2']
"""

from __future__ import annotations

import functools
from pathlib import Path

from graphsvc.core.reference import REFDATA

import yaml

RULES_DIR = REFDATA / "rules"


class CatalogueError(ValueError):
    """A rules file is malformed (duplicate id, missing field …)."""


def load(directory: str | Path | None = None) -> dict:
    """Read every ``*.yaml`` in *directory* (default: the packaged rules).

    >>> sorted(load()["documents"])[:2]
    ['bj-2023-provider', 'hz-2021-future-factory']
    """
    directory = Path(directory) if directory is not None else RULES_DIR
    cat: dict = {"documents": {}, "rules": {}, "targets": {}, "programmes": {}}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CatalogueError(f"no rules files in {directory}")
    for path in files:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        _add_document(cat, data, path.name)
    return cat


def _add_document(cat: dict, data: dict, filename: str) -> None:
    for key in ("document", "version", "rules"):
        if key not in data:
            raise CatalogueError(f"{filename}: missing '{key}'")
    doc = dict(data["document"])
    for key in ("id", "title", "issuer", "date", "seed_file", "regions"):
        if key not in doc:
            raise CatalogueError(f"{filename}: document lacks '{key}'")
    doc["regions"] = [str(c) for c in doc["regions"]]
    doc_id = doc["id"]
    if doc_id in cat["documents"]:
        raise CatalogueError(f"{filename}: duplicate document id {doc_id}")
    doc["version"] = data["version"]
    doc["file"] = filename
    cat["documents"][doc_id] = doc
    for r in data["rules"]:
        for key in ("id", "text", "params"):
            if key not in r:
                raise CatalogueError(f"{filename}: rule {r.get('id')!r} lacks '{key}'")
        if r["id"] in cat["rules"]:
            raise CatalogueError(f"{filename}: duplicate rule id {r['id']}")
        cat["rules"][r["id"]] = {**r, "params": r["params"] or {}, "document_id": doc_id}
    if data.get("targets") is not None:
        cat["targets"][doc_id] = data["targets"]
    for prog_id, spec in (data.get("programmes") or {}).items():
        cat["programmes"][prog_id] = _programme(prog_id, spec, doc_id, cat, filename)


def _programme(prog_id: str, spec, doc_id: str, cat: dict, filename: str) -> dict:
    """A programme entry: the short form is the list of its rule ids; the full form a mapping
    ``{name, order, subject, suppliers, rules, what_if}``."""
    spec = {"rules": spec} if isinstance(spec, list) else dict(spec or {})
    rule_ids = list(spec.get("rules") or [])
    unknown = [i for i in rule_ids if i not in cat["rules"]]
    if unknown:
        raise CatalogueError(f"{filename}: programme {prog_id} names unknown rules {unknown}")
    subject = spec.get("subject", "enterprise")
    basis = spec.get("basis", "conditions")
    if basis not in ("conditions", "reference"):
        raise CatalogueError(f"{filename}: programme {prog_id}: basis must be conditions or reference")
    if subject not in ("enterprise", "project"):
        raise CatalogueError(f"{filename}: programme {prog_id}: subject must be enterprise or project")
    return {"document_id": doc_id, "rule_ids": rule_ids, "name": spec.get("name") or prog_id,
            "order": spec.get("order", 99), "subject": subject, "suppliers": bool(spec.get("suppliers")),
            "what_if": list(spec.get("what_if") or []), "basis": basis,
            "regions": list(cat["documents"][doc_id].get("regions") or [])}


@functools.lru_cache(maxsize=1)
def _default() -> dict:
    return load()


def default() -> dict:
    """The packaged catalogue, loaded once per process.

    Callers must not mutate it; pass your own ``load(dir)`` result to try
    other figures.
    """
    return _default()


def rule(rule_id: str, catalogue: dict | None = None) -> dict:
    """The rule dict for *rule_id* (KeyError naming the id if absent).

    >>> rule("A2.4")["params"]["min_start_date"].isoformat()
    '2022-01-01'
    """
    cat = catalogue if catalogue is not None else default()
    try:
        return cat["rules"][rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}") from None


def params(rule_id: str, catalogue: dict | None = None) -> dict:
    """The ``params`` of *rule_id*.

    >>> params("B4")["local_supply_ratio"]
    0.6
    """
    return rule(rule_id, catalogue)["params"]


def targets(document_id: str, catalogue: dict | None = None):
    """The ``targets`` section of a document (None if it sets none)."""
    cat = catalogue if catalogue is not None else default()
    return cat["targets"].get(document_id)


def programme_rule_ids(programme: str, catalogue: dict | None = None) -> list[str]:
    """Rule ids evaluated for *programme*, in report order."""
    cat = catalogue if catalogue is not None else default()
    try:
        return list(cat["programmes"][programme]["rule_ids"])
    except KeyError:
        known = ", ".join(sorted(cat["programmes"]))
        raise KeyError(f"unknown programme {programme!r} (known: {known})") from None


def programme_ids(catalogue: dict | None = None) -> list[str]:
    """Programme ids in listing order (the ``order`` the rules files give them).

    >>> programme_ids()
    ['hz-2023-digital-project', 'hz-2023-future-factory', 'bj-2023-provider', 'zj-2022-digital-factory']
    """
    cat = catalogue if catalogue is not None else default()
    return sorted(cat["programmes"], key=lambda i: (cat["programmes"][i]["order"], i))


def programme(programme_id: str, catalogue: dict | None = None) -> dict | None:
    """The catalogue entry of *programme_id* (None if there is no such programme)."""
    cat = catalogue if catalogue is not None else default()
    return cat["programmes"].get(programme_id)


def targets_document(rule_id: str, catalogue: dict | None = None) -> str:
    """The document whose ``targets`` section rule *rule_id* measures (B2 → the Hangzhou plan).

    >>> targets_document("B2"), targets_document("D10")
    ('hz-2021-future-factory', 'zj-2022-digital-factory')
    """
    return rule(rule_id, catalogue)["document_id"]


def computable_rule_ids(catalogue: dict | None = None) -> list[str]:
    """Ids of the rules marked ``computable: true``, in catalogue order."""
    cat = catalogue if catalogue is not None else default()
    return [i for i, r in cat["rules"].items() if r.get("computable")]


def document_regions(document_id: str, catalogue: dict | None = None) -> list[str]:
    """The region codes a document covers (its ``regions``: the issuer's jurisdiction).

    >>> document_regions("bj-2023-provider"), document_regions("hz-2023-call")
    (['330108'], ['330100'])
    """
    cat = catalogue if catalogue is not None else default()
    return list(cat["documents"][document_id]["regions"])
