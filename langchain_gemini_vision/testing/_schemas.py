"""Reading a response schema as the emulator needs it: refs, types, property names.

A schema (JSON Schema or the API's OpenAPI subset) is read through :func:`resolve`:
``$ref`` followed, the first non-null branch of ``anyOf``/``oneOf`` taken, ``allOf``
merged. :func:`schema_property_names` and :func:`schema_mask_kind` are what the task
choice and the dialects read from it; :mod:`._schema_fill` writes answers into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, Literal

__all__ = [
    "BOX_NAMES",
    "POINT_NAMES",
    "properties",
    "resolve",
    "schema_mask_kind",
    "schema_property_names",
    "type_of",
]

BOX_NAMES: Final = frozenset({"box_2d", "bbox_2d", "bbox", "box", "boxes", "bounding_box"})
"""Property names that hold a box."""
POINT_NAMES: Final = frozenset({"point", "points"})
"""Property names that hold a point."""


def resolve(schema: Any, root: Any) -> dict[str, Any]:
    """Follow ``$ref`` and pick the first non-null branch of ``anyOf``/``oneOf``."""
    for _ in range(32):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            merged = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **merged}
            continue
        for key in ("anyOf", "oneOf", "any_of"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                chosen = next(
                    (b for b in branches if type_of(resolve(b, root)) != "null"), branches[0]
                )
                rest = {k: v for k, v in schema.items() if k != key}
                schema = {**rest, **chosen} if isinstance(chosen, dict) else rest
                break
        else:
            all_of = schema.get("allOf")
            if isinstance(all_of, list) and all_of:
                merged_all: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
                for part in all_of:
                    merged_all.update(resolve(part, root))
                return merged_all
            return schema
    return schema if isinstance(schema, dict) else {}


def type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "null")
    if isinstance(kind, str):
        return kind.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if "enum" in schema:
        return "string"
    return "string"


def properties(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


def _properties_anywhere(schema: Any) -> Iterator[tuple[str, Any]]:
    """Every ``(lower-case name, sub-schema)`` anywhere in the schema, depth first."""
    seen: set[int] = set()

    def walk(node: Any) -> Iterator[tuple[str, Any]]:
        resolved = resolve(node, schema)
        if id(resolved) in seen or not resolved:
            return
        seen.add(id(resolved))
        for name, sub in properties(resolved).items():
            yield str(name).lower(), sub
            yield from walk(sub)
        items = resolved.get("items")
        if isinstance(items, dict):
            yield from walk(items)

    return walk(schema)


def schema_property_names(schema: Any) -> set[str]:
    """Every property name anywhere in the schema (lower-case), following refs."""
    return {name for name, _ in _properties_anywhere(schema)}


def schema_mask_kind(schema: Any) -> Literal["string", "array"] | None:
    """What the schema's ``mask`` property wants: a PNG string or a polygon array."""
    for name, sub in _properties_anywhere(schema):
        if name in ("mask", "segmentation", "polygon"):
            return "array" if type_of(resolve(sub, schema)) == "array" else "string"
    return None
