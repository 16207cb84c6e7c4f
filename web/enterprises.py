"""Enterprises the caller may see, and the public reference data (chains, regions), as JSON.
Scoping rules: graphsvc.enterprises.service."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from graphsvc.enterprises import service as enterprises
from web.auth import current_principal, page, require, store
from web.openapi import AFTER, LIMIT, LIST, OFFSET, USCC, err, ok, p, q
from web.openapi import PREFIX as API
from web.paging import list_page
from web.params import arg_float, arg_int, arg_uscc
from web.respond import respond

bp = Blueprint("enterprises", __name__)


@bp.get(API + "/enterprises")
@require()
def enterprise_list():
    pg = list_page(1)
    pt = arg_int("provider_type", None, minimum=1, maximum=6)
    rows = enterprises.list_enterprises(store(), current_principal(), region=request.args.get("region"),
                                        q=request.args.get("q"), provider_type=pt, fetch=pg.fetch, after=pg.after)
    return jsonify(pg.cut(rows, enterprises.enterprise_key))


@bp.get(API + "/enterprises/<uscc>")
@require()
def enterprise(uscc):
    return jsonify(enterprises.enterprise(store(), current_principal(), uscc))


def _tier_args() -> dict:
    return {"year": arg_int("year", None, minimum=1900, maximum=2100),
            "tiers": arg_int("tiers", 2, minimum=1, maximum=4),
            "min_amount_wan": arg_float("min_amount_wan", None, minimum=0)}


@bp.get(API + "/enterprises/<uscc>/upstream")
@require()
def upstream(uscc):
    return jsonify(enterprises.upstream(store(), current_principal(), uscc, **_tier_args()))


@bp.get(API + "/enterprises/<uscc>/downstream")
@require()
def downstream(uscc):
    return jsonify(enterprises.downstream(store(), current_principal(), uscc, **_tier_args()))


@bp.get(API + "/enterprises/<uscc>/impact")
@require()
def impact(uscc):
    year = arg_int("year", None, minimum=1900, maximum=2100)
    return jsonify(enterprises.impact(store(), current_principal(), uscc, year=year))


@bp.get(API + "/paths")
@require()
def paths():
    src, dst = arg_uscc("from"), arg_uscc("to")
    hops = arg_int("max_hops", 4, minimum=1, maximum=6)
    return jsonify(enterprises.paths(store(), current_principal(), src, dst, max_hops=hops))


@bp.get(API + "/enterprise-search")
@require()
def enterprise_search():
    limit = arg_int("limit", 10, minimum=1, maximum=50)
    return jsonify(enterprises.suggest(store(), current_principal(), request.args.get("q", ""), limit=limit))


@bp.get(API + "/project-search")
@require()
def project_search():
    limit = arg_int("limit", 10, minimum=1, maximum=50)
    return jsonify(enterprises.suggest_projects(store(), current_principal(), request.args.get("q", ""), limit=limit))


@bp.get("/enterprises")
@page(nav="企业查询", nav_order=15, nav_for=("admin", "bureau"))
def search_page():
    body = enterprises.suggest(store(), current_principal(), request.args.get("q", ""), limit=50)
    return respond(body, "enterprises/search.html")


@bp.get("/enterprises/<uscc>")
@page()
def profile_page(uscc):
    year = arg_int("year", None, minimum=1900, maximum=2100)
    from graphsvc.contractors.recommend import provider_type_names
    from graphsvc.deliveries.ledger import KIND_NAMES

    from graphsvc.enterprises.explore import GRAPH_PER_TIER, graph_items

    body = enterprises.profile(store(), current_principal(), uscc, year=year)
    graph = {"root": {"uscc": body["enterprise"]["uscc"], "name": body["enterprise"]["name"]},
             "up": graph_items(body["upstream"]["items"]), "down": graph_items(body["downstream"]["items"])}
    return respond(body, "enterprises/profile.html", kind_names=KIND_NAMES, type_names=provider_type_names(),
                   graph=graph, graph_per_tier=GRAPH_PER_TIER)


@bp.get(API + "/chains")
def chains():
    return jsonify(enterprises.chains())


@bp.get(API + "/regions/<code>")
def region(code):
    return jsonify(enterprises.region(code))


_ENTERPRISE = {"type": "object", "properties": {"uscc": {"type": "string"}, "name": {"type": "string"}},
               "required": ["uscc"], "additionalProperties": True}
_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array"}},
         "additionalProperties": True}

_NAMED = {"type": "object", "properties": {"uscc": {"type": "string", "nullable": True},
                                          "name": {"type": "string", "nullable": True}},
          "additionalProperties": True}
_NUM = {"type": "number", "nullable": True}
_TIERS = {"type": "object", "required": ["uscc", "direction", "year", "items", "tiers", "withheld", "note"],
          "properties": {
              "uscc": {"type": "string"}, "name": {"type": "string", "nullable": True},
              "direction": {"type": "string", "enum": ["upstream", "downstream"]},
              "year": {"type": "integer", "nullable": True}, "note": {"type": "string", "nullable": True},
              "withheld": {"type": "integer"},
              "items": {"type": "array", "items": {"type": "object", "required": ["uscc", "tier", "amount_wan", "via", "local"],
                        "properties": {"uscc": {"type": "string"}, "name": {"type": "string", "nullable": True},
                                       "region_code": {"type": "string", "nullable": True},
                                       "tier": {"type": "integer"}, "amount_wan": {"type": "number"},
                                       "via": {"type": "array", "items": {"type": "string"}},
                                       "via_withheld": {"type": "integer"}, "local": {"type": "boolean"}}}},
              "tiers": {"type": "array", "items": {"type": "object", "required": ["tier", "count", "amount_wan", "local_amount_wan"],
                        "properties": {"tier": {"type": "integer"}, "count": {"type": "integer"},
                                       "amount_wan": {"type": "number"}, "local_amount_wan": {"type": "number"}}}}},
          "additionalProperties": True}
_IMPACT = {"type": "object", "required": ["uscc", "year", "items", "withheld", "note"],
           "properties": {
               "uscc": {"type": "string"}, "year": {"type": "integer", "nullable": True},
               "note": {"type": "string", "nullable": True}, "withheld": {"type": "integer"},
               "items": {"type": "array", "items": {"type": "object", "properties": {
                   "uscc": {"type": "string"}, "direct_amount_wan": {"type": "number"},
                   "indirect_amount_wan": {"type": "number"}, "direct_share": _NUM, "exposure_share": _NUM,
                   "ratio_before": _NUM, "ratio_after": _NUM, "local_candidate": {"type": "boolean"}},
                   "additionalProperties": True}}},
           "additionalProperties": True}
_PATHS = {"type": "object", "required": ["from", "to", "max_hops", "paths", "withheld"],
          "properties": {
              "from": _NAMED, "to": _NAMED, "max_hops": {"type": "integer"}, "withheld": {"type": "integer"},
              "note": {"type": "string", "nullable": True},
              "paths": {"type": "array", "items": {"type": "object", "required": ["hops", "steps"], "properties": {
                  "hops": {"type": "integer"},
                  "steps": {"type": "array", "items": {"type": "object", "required": ["from", "to", "rel"], "properties": {
                      "from": _NAMED, "to": _NAMED,
                      "rel": {"type": "string", "enum": ["supplies", "delivery", "ecosystem", "chain", "group"]}},
                      "additionalProperties": True}}}}}},
          "additionalProperties": True}
_YEAR = q("year", {"type": "integer", "minimum": 1900, "maximum": 2100},
          description="Default: the latest year with supply records.")
_TIER_PARAMS = [p("uscc", USCC), _YEAR, q("tiers", {"type": "integer", "minimum": 1, "maximum": 4}),
                q("min_amount_wan", {"type": "number", "minimum": 0})]

_SUGGEST = {"type": "object", "required": ["q", "items", "note"],
            "properties": {"q": {"type": "string"}, "note": {"type": "string", "nullable": True},
                           "items": {"type": "array", "items": {"type": "object", "required": ["uscc"], "properties": {
                               "uscc": {"type": "string"}, "name": {"type": "string", "nullable": True},
                               "region_code": {"type": "string", "nullable": True},
                               "region_name": {"type": "string", "nullable": True}}}}},
            "additionalProperties": False}

_PROJECTS = {"type": "object", "required": ["q", "items", "note"],
             "properties": {"q": {"type": "string"}, "note": {"type": "string", "nullable": True},
                            "items": {"type": "array", "items": {
                                "type": "object", "required": ["id", "owner_uscc"], "properties": {
                                    "id": {"type": "string"}, "name": {"type": "string", "nullable": True},
                                    "one_plus_n": {"type": "string", "nullable": True},
                                    "owner_uscc": {"type": "string"}, "owner_name": {"type": "string", "nullable": True}}}}},
             "additionalProperties": False}
_SUGGEST_PARAMS = [q("q", {"type": "string", "maxLength": 60}), q("limit", {"type": "integer", "minimum": 1, "maximum": 50})]

OPENAPI = {
    "/enterprise-search": {"get": {
        "summary": "Enterprises the caller may name by name fragment or USCC prefix, best first (suggestions as "
                   "one types): those it sees, and for a manufacturer or supplier the other party of its deliveries",
        "parameters": _SUGGEST_PARAMS, "responses": {**ok(_SUGGEST), **err(400, 401)}}},
    "/project-search": {"get": {
        "summary": "Projects of enterprises the caller sees, by id prefix or by the owner's name or USCC "
                   "(suggestions as one types)",
        "parameters": _SUGGEST_PARAMS, "responses": {**ok(_PROJECTS), **err(400, 401)}}},
    "/enterprises/{uscc}/upstream": {"get": {
        "summary": "Suppliers of an enterprise over 1-4 tiers in a year (unseen enterprises only counted)",
        "parameters": _TIER_PARAMS, "responses": {**ok(_TIERS), **err(400, 401, 404)}}},
    "/enterprises/{uscc}/downstream": {"get": {
        "summary": "Buyers of an enterprise over 1-4 tiers in a year (unseen enterprises only counted)",
        "parameters": _TIER_PARAMS, "responses": {**ok(_TIERS), **err(400, 401, 404)}}},
    "/enterprises/{uscc}/impact": {"get": {
        "summary": "What each 链主工厂 loses if this enterprise stops supplying",
        "parameters": [p("uscc", USCC), _YEAR], "responses": {**ok(_IMPACT), **err(400, 401, 404)}}},
    "/paths": {"get": {
        "summary": "Up to five shortest connections between two enterprises",
        "parameters": [q("from", USCC, required=True), q("to", USCC, required=True),
                       q("max_hops", {"type": "integer", "minimum": 1, "maximum": 6})],
        "responses": {**ok(_PATHS), **err(400, 401, 404)}}},
    "/enterprises": {"get": {"summary": "Enterprises visible to the caller",
                             "parameters": [q("q", {"type": "string"}), q("region", {"type": "string"}),
                                            q("provider_type", {"type": "integer", "minimum": 1, "maximum": 6}),
                                            LIMIT, OFFSET, AFTER],
                             "responses": {**ok(LIST), **err(400, 401, 403)}}},
    "/enterprises/{uscc}": {"get": {"summary": "One enterprise (404 when out of scope)",
                                    "parameters": [p("uscc", USCC)],
                                    "responses": {**ok(_ENTERPRISE), **err(401, 404)}}},
    "/chains": {"get": {"summary": "Reference industrial chains with their segments", "security": [],
                        "responses": ok(_LIST)}},
    "/regions/{code}": {"get": {"summary": "A GB/T 2260 region and its children", "security": [],
                                "parameters": [p("code")], "responses": {**ok({"type": "object"}), **err(404)}}},
}
