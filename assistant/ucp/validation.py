"""Validation against the Universal Commerce Protocol's own JSON schemas (vendored in `schemas/`).

    errors("shopping/catalog_search.json#/$defs/search_request", arguments["catalog"])   # [] when valid
    errors("shopping/cart.json", cart, request="create")   # the request shape of cart create

UCP writes one schema per entity and marks, per property, how a request differs from the response
(`ucp_request`: "omit", "optional", "required", or one of those per operation, e.g. {"create": "omit",
"update": "optional"}). `request=` validates against that derived shape: omitted properties are not asked for
(and not required), the others required as annotated, or as in the response schema when not annotated.

Each error is (path, message) with the path dotted from the checked object's name ("catalog.filters.price.max").
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parent / "schemas"
BASE = "https://ucp.dev/schemas/"
VERSION = "2026-04-08"  # the UCP release whose version these schemas answer to (the latest release)


def _files() -> dict[str, dict]:
    return {path.relative_to(SCHEMAS).as_posix(): json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(SCHEMAS.rglob("*.json"))}


@cache
def registry(request: str | None = None) -> Registry:
    """Every vendored schema under its URI; with `request`, each one's request shape for that operation under
    https://ucp.dev/requests/<op>/schemas/ (relative references resolve among those)."""
    base = BASE if request is None else f"https://ucp.dev/requests/{request}/schemas/"
    resources = []
    for name, schema in _files().items():
        schema = copy.deepcopy(schema)
        schema.pop("$id", None)  # addressed by where it is registered, so relative refs stay in this family
        if request is not None:
            schema = request_shape(schema, request)
        resources.append((base + name, Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def validator(ref: str, request: str | None = None) -> Draft202012Validator:
    base = BASE if request is None else f"https://ucp.dev/requests/{request}/schemas/"
    return Draft202012Validator({"$ref": base + ref}, registry=registry(request))


def errors(ref: str, instance: Any, name: str = "", request: str | None = None) -> list[tuple[str, str]]:
    """(dotted path, message) per violation of the schema at `ref` (a file under schemas/, with an optional
    #fragment), deepest first; none when `instance` is valid."""
    found = []
    for error in sorted(validator(ref, request).iter_errors(instance), key=lambda e: -len(e.absolute_path)):
        path = ".".join(str(part) for part in (name, *error.absolute_path) if part != "")
        found.append((path or name or "arguments", _message(error)))
    return found


def _message(error) -> str:
    if error.validator in ("oneOf", "anyOf", "allOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return _message(deepest)
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


def request_shape(schema: Any, operation: str) -> Any:
    """`schema` as a request of `operation` sends it: `ucp_request` annotations applied to every `properties`."""
    if isinstance(schema, list):
        return [request_shape(item, operation) for item in schema]
    if not isinstance(schema, dict):
        return schema
    shaped = {key: request_shape(value, operation) for key, value in schema.items() if key != "properties"}
    properties = schema.get("properties")
    if isinstance(properties, dict):
        required = set(schema.get("required", []))
        kept, wanted = {}, []
        for prop, sub in properties.items():
            rule = sub.get("ucp_request") if isinstance(sub, dict) else None
            if isinstance(rule, dict):
                rule = rule.get(operation)
            if rule == "omit":
                continue
            kept[prop] = request_shape(sub, operation)
            if rule == "required" or (rule is None and prop in required):
                wanted.append(prop)
        shaped["properties"] = kept
        if "required" in schema or wanted:
            shaped["required"] = wanted
    return shaped
