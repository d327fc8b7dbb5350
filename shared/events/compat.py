"""Is a new AsyncAPI document a compatible growth of an older one?

A message version once published must stay readable by the consumers built against it and must
keep accepting what its producers sent, so between two documents, for every message of the old:
it still exists; every property it had is still there with the same schema (type, format, pattern,
bounds, enum, const, items, nested models); no property became required and no new property is
required; an object that accepted unknown fields still does. New optional properties, new messages
and new versions are fine, and so are changes of titles, descriptions and examples. `$ref`s are
followed in each document (also the `#/$defs/...` of older generators, resolved in their payload)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
Scopes = tuple[Schema, ...]
IGNORED = frozenset({"title", "description", "examples", "summary", "default", "$defs"})
STRUCTURE = frozenset({"properties", "required", "additionalProperties", "items", "anyOf", "oneOf", "allOf", "$ref"})


class _Doc:
    def __init__(self, document: Schema) -> None:
        self.document = document

    def resolve(self, schema: Schema, scopes: Scopes) -> tuple[Schema, Scopes, str | None]:
        """`schema` with its `$ref` followed, the `$defs` scopes in force, and the ref it came by."""
        ref = schema.get("$ref")
        if ref is None:
            return schema, (*scopes, schema) if "$defs" in schema else scopes, None
        if ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            for scope in reversed(scopes):
                if name in scope["$defs"]:
                    return scope["$defs"][name], scopes, ref
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"unresolvable $ref {ref}")
            node = node[part]
        return node, scopes, ref


def incompatibilities(old: Schema, new: Schema) -> list[str]:
    """What in `new` breaks readers or writers of `old` (empty: compatible)."""
    problems: list[str] = []
    old_messages = old.get("components", {}).get("messages", {})
    new_messages = new.get("components", {}).get("messages", {})
    for name, message in sorted(old_messages.items()):
        if name not in new_messages:
            problems.append(f"{name}: a published message version was removed")
            continue
        _Compare(_Doc(old), _Doc(new), problems).schema(message["payload"], new_messages[name]["payload"], name)
    return problems


class _Compare:
    def __init__(self, old: _Doc, new: _Doc, problems: list[str]) -> None:
        self.old, self.new, self.problems = old, new, problems
        self.seen: set[tuple[str, str]] = set()

    def schema(self, old: Schema, new: Schema, path: str, old_scopes: Scopes = (), new_scopes: Scopes = ()) -> None:
        old, old_scopes, old_ref = self.old.resolve(old, old_scopes)
        new, new_scopes, new_ref = self.new.resolve(new, new_scopes)
        if old_ref and new_ref:
            if (old_ref, new_ref) in self.seen:
                return
            self.seen.add((old_ref, new_ref))
        for key in sorted((set(old) | set(new)) - IGNORED - STRUCTURE):
            if old.get(key) != new.get(key):
                self.problems.append(f"{path}: {key} changed from {old.get(key)!r} to {new.get(key)!r}")
        self._object(old, new, path, old_scopes, new_scopes)
        if ("items" in old) != ("items" in new):
            self.problems.append(f"{path}: items changed")
        elif "items" in old:
            self.schema(old["items"], new["items"], f"{path}[]", old_scopes, new_scopes)
        for key in ("anyOf", "oneOf", "allOf"):
            olds, news = old.get(key, []), new.get(key, [])
            if len(olds) != len(news):
                self.problems.append(f"{path}: {key} changed from {len(olds)} to {len(news)} alternatives")
                continue
            for index, (a, b) in enumerate(zip(olds, news, strict=True)):
                self.schema(a, b, f"{path}.{key}[{index}]", old_scopes, new_scopes)

    def _object(self, old: Schema, new: Schema, path: str, old_scopes: Scopes, new_scopes: Scopes) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name, schema in old_props.items():
            if name not in new_props:
                self.problems.append(f"{path}.{name}: removed")
            else:
                self.schema(schema, new_props[name], f"{path}.{name}", old_scopes, new_scopes)
        for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
            what = "became required" if name in old_props else "is a new required field"
            self.problems.append(f"{path}.{name}: {what}")
        if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
            self.problems.append(f"{path}: now refuses fields it does not know")
