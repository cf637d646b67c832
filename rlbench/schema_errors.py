"""pydantic's validation errors in rlbench's own words.

pydantic reports errors with its own texts ("Input should be a valid
dictionary or instance of AgentEntry") and with union members in the field
path (``envs.0.EnvEntry.horizon``). ``translate`` walks the schema along the
error's path, drops the union members, picks the error the user most likely
meant, and says what is allowed in plain terms; a value is echoed only as a
short excerpt.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from rlbench.errors import SpecError, excerpt

INTERNAL_FIELDS = {"Suite": {"source"}, "AgentCard": {"path"}, "EnvCard": {"path", "name"}}
"""Fields rlbench fills in itself (the file a model came from, an env card's name
from its key), by model; never offered to users as allowed keys."""

PATTERNS = {
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$": (
        "a name of letters, digits, '_', '.' and '-', starting with a letter or digit"
    ),
    r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$": "'module:function', e.g. my_agent:train",
}
"""Descriptions of the regular expressions the schema uses."""

_TYPE_MISMATCH = {
    "string_type", "int_type", "float_type", "bool_type", "list_type", "dict_type",
    "model_type", "model_attributes_type", "tuple_type", "set_type", "none_required",
    "literal_error", "int_parsing", "float_parsing", "bool_parsing", "int_from_float",
}  # fmt: skip
"""Errors that say "this member of a union does not fit at all"."""


def translate(
    err: ValidationError, root: type[BaseModel], source: str, prefix: str = ""
) -> SpecError:
    """The one error to show for a failed ``root.model_validate``, as a SpecError.

    Args:
        err: pydantic's error.
        root: the model that was validated.
        source: the file, for the message.
        prefix: field path of ``root`` inside the file (e.g. ``envs.Pendulum-v1``).
    """
    details = [_locate(dict(d), root) for d in err.errors()]
    chosen = _choose(details)
    path = _join(prefix, chosen["clean"])
    return SpecError(_message(chosen), source, path or None)


def _join(prefix: str, parts: Sequence[Any]) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int) or not _SAFE_KEY.match(str(part)):
            out += f"[{part if isinstance(part, int) else excerpt(part, 40)}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_SAFE_KEY = re.compile(r"^[\w.\-/]{1,60}$")
"""A key shown as is in a field path; others are quoted, e.g. ``agents[0]['a b']``."""


# -- walking the schema along an error's path --------------------------------


def _unwrap(ann: Any) -> tuple[Any, str | None]:
    """Strip ``Annotated`` and ``None`` members; return (type, discriminator)."""
    disc = None
    while typing.get_origin(ann) is typing.Annotated:
        args = typing.get_args(ann)
        for meta in args[1:]:
            if isinstance(meta, FieldInfo) and isinstance(meta.discriminator, str):
                disc = meta.discriminator
        ann = args[0]
    if _is_union(ann):
        members = [m for m in typing.get_args(ann) if m is not type(None)]
        if len(members) == 1:
            inner, inner_disc = _unwrap(members[0])
            return inner, disc or inner_disc
    return ann, disc


def _is_union(ann: Any) -> bool:
    return typing.get_origin(ann) in (Union, types.UnionType)


def _members(ann: Any) -> list[Any]:
    return [m for m in typing.get_args(ann) if m is not type(None)]


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _tag_of(member: Any, disc: str | None) -> str:
    """The label pydantic puts in an error path for one union member."""
    if disc and _is_model(member):
        lit = member.model_fields[disc].annotation
        return str(typing.get_args(lit)[0]) if typing.get_args(lit) else member.__name__
    if isinstance(member, type):
        return member.__name__
    origin = typing.get_origin(member)
    return getattr(origin, "__name__", str(member))


def _locate(detail: dict[str, Any], root: type[BaseModel]) -> dict[str, Any]:
    """Add to an error detail: its path without union tags, the schema type there,
    the type of the enclosing container, and the union it sits in (if any)."""
    ann: Any = root
    parent: Any = None
    clean: list[Any] = []
    union: tuple[Any, list[Any]] | None = None  # (union type, path of the union)
    for part in detail["loc"]:
        ann, disc = _unwrap(ann)
        if _is_union(ann):
            chosen = next(
                (m for m in _members(ann) if _tag_of(m, disc) == str(part).split("[")[0]), None
            )
            if chosen is not None:
                union = (ann, list(clean))
                ann = chosen
                continue
        parent = ann
        clean.append(part)
        ann = _step(ann, part)
    detail.update(clean=clean, schema=ann, parent=parent, union=union)
    return detail


def _step(ann: Any, part: Any) -> Any:
    """The type found one step (a field, an index, a key) inside ``ann``."""
    if _is_model(ann):
        field = ann.model_fields.get(part)
        return field.annotation if field is not None else None
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (list, tuple, Sequence) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[0] if part == "[key]" else args[1]
    return None


def _choose(details: list[dict[str, Any]]) -> dict[str, Any]:
    """The error the user most likely meant: the first one, except that

    - for a union member's plain type mismatch, the error of the member the
      value was meant for (the one that got past its type), and
    - for a missing key next to an unknown key that is close to it, the typo.
    """
    chosen = _in_union(details)
    if chosen["type"] == "missing" and chosen["clean"]:
        key = str(chosen["clean"][-1])
        for d in details:
            if d["type"] == "extra_forbidden" and d["clean"][:-1] == chosen["clean"][:-1]:
                if difflib.get_close_matches(key, [str(d["clean"][-1])[:100]], cutoff=0.6):
                    return d
    return chosen


def _in_union(details: list[dict[str, Any]]) -> dict[str, Any]:
    first = details[0]
    if first["union"] is None or first["type"] not in _TYPE_MISMATCH:
        return first
    union_type, union_path = first["union"]
    siblings = [d for d in details if d["union"] is not None and d["union"][1] == union_path]
    deeper = [
        d for d in siblings if d["type"] not in _TYPE_MISMATCH or len(d["clean"]) > len(union_path)
    ]
    if deeper:
        return deeper[0]
    return {**first, "type": "union_mismatch", "schema": union_type, "clean": union_path}


# -- the words ------------------------------------------------------------


def describe(ann: Any) -> str:
    """What a schema type allows, for people: ``list[int]`` -> "a list of integers"."""
    ann, _ = _unwrap(ann)
    if _is_union(ann):
        return " or ".join(describe(m) for m in _members(ann))
    if typing.get_origin(ann) is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(ann))
    if _is_model(ann):
        return f"a mapping with keys {', '.join(_keys(ann))}"
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is list:
        return (
            f"a list of {_plural(describe(args[0]))}" if args and args[0] is not Any else "a list"
        )
    if origin is dict or ann is dict:
        return "a mapping"
    simple = {str: "text", int: "an integer", float: "a number", bool: "true or false"}
    return simple.get(ann, "a value")


def _plural(text: str) -> str:
    for article in ("an ", "a "):
        if text.startswith(article):
            word = text[len(article) :]
            head, _, rest = word.partition(" ")
            return head + "s" + (" " + rest if rest else "")
    return text


def _numeric_text(value: Any) -> bool:
    try:
        float(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return isinstance(value, str)


def _tags(ann: Any) -> str:
    """The tags of a discriminated union, e.g. "one-at-a-time, grid, random"."""
    union, disc = _unwrap(ann)
    return ", ".join(_tag_of(m, disc) for m in _members(union)) if _is_union(union) else "?"


def _keys(model: type[BaseModel]) -> list[str]:
    internal = INTERNAL_FIELDS.get(model.__name__, set())
    return [k for k in model.model_fields if k not in internal]


def _unknown_key(detail: dict[str, Any]) -> str:
    key = detail["clean"][-1] if detail["clean"] else "?"
    parent = detail["parent"]
    if not _is_model(parent):
        return "unknown key"
    allowed = _keys(parent)
    close = difflib.get_close_matches(str(key)[:100], allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (allowed keys: {', '.join(allowed)})"


def _bound(detail: dict[str, Any], word: str, key: str) -> str:
    limit = detail.get("ctx", {}).get(key)
    shown = f"{limit:,}" if isinstance(limit, int) else str(limit)
    kind = "an integer" if _unwrap(detail["schema"])[0] is int else "a number"
    note = " (a limit of rlbench)" if key == "le" else ""
    return f"{excerpt(detail.get('input'))} is not allowed; expected {kind} {word} {shown}{note}"


def _message(detail: dict[str, Any]) -> str:
    kind = detail["type"]
    value = excerpt(detail.get("input"))
    ctx = detail.get("ctx") or {}
    expected = describe(detail["schema"])
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key(detail)
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", "not allowed"))
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        form = PATTERNS.get(pattern, "text of the documented form")
        return f"{value} is not allowed; expected {form}"
    if kind in ("too_short", "string_too_short"):
        least = ctx.get("min_length", 1)
        return f"{value} is too short; expected at least {least} item{'s' if least != 1 else ''}"
    if kind in ("too_long", "string_too_long"):
        return f"{value} is too long; expected at most {ctx.get('max_length')} items"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("greater than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }
        return _bound(detail, *words[kind])
    if kind in ("int_parsing", "int_from_float", "int_type", "int_parsing_size"):
        hint = (
            " (YAML reads 1e5 as text: write 100000)" if _numeric_text(detail.get("input")) else ""
        )
        return f"{value} is not allowed; expected an integer{hint}"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"{value} is not allowed; expected a finite number"
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "kind")).strip("'")
        return f"unknown {key} {excerpt(ctx.get('tag'))}; {key}s are {_tags(detail['schema'])}"
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "")).strip("'")
        return f"the key {key!r} is missing; {key} is one of {_tags(detail['schema'])}"
    if kind == "literal_error":
        return f"{value} is not allowed; expected one of {ctx.get('expected', expected)}"
    return f"{value} is not allowed; expected {expected}"
