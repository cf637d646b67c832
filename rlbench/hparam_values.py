"""Hyperparameter values: how they may be written (plain data, flat or SB3-nested) and
how a card's spec of one hyperparameter checks them (`HParamSpec`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from rlbench.errors import SpecError, excerpt
from rlbench.models import Model, PerturbSpace

HParamType = Literal["float", "int", "bool", "str", "list", "dict"]


def is_plain(value: Any) -> bool:
    """JSON data (what a record and a config id can hold): finite numbers, text, ..."""
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


def flatten_hparams(
    values: Mapping[str, Any], known: Iterable[str], where: str = "", source: str | None = None
) -> dict[str, Any]:
    """SB3's nested form ``{policy_kwargs: {net_arch: [400, 300]}}`` as the card's
    dotted names ``{policy_kwargs.net_arch: [400, 300]}``; other keys unchanged.

    A mapping is opened only where its key is not itself a hyperparameter and
    prefixes some (``policy_kwargs.``), so a dict-valued hyperparameter
    (``policy_kwargs.net_arch: {pi: [64], vf: [64]}``) stays whole.

    Raises:
        SpecError: the same hyperparameter written both ways.
    """
    names = set(known)
    out: dict[str, Any] = {}

    def add(key: str, value: Any) -> None:
        if key not in names and isinstance(value, Mapping) and value:
            if any(n.startswith(key + ".") for n in names):
                for inner, inner_value in value.items():
                    add(f"{key}.{inner}", inner_value)
                return
        if key in out:
            raise SpecError(
                f"{key} is given twice (nested and dotted); write it once", source, where or None
            )
        out[key] = value

    for key, value in values.items():
        add(str(key), value)
    return out


class HParamSpec(Model):
    """One hyperparameter of an agent card."""

    type: HParamType
    default: Any = None
    nullable: bool = False
    choices: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    exclusive_min: float | None = None
    exclusive_max: float | None = None
    default_from_env: str | None = None
    perturb: PerturbSpace | None = None
    doc: str = ""

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        parts = []
        if self.min is not None:
            parts.append(f">= {self.min:g}")
        if self.exclusive_min is not None:
            parts.append(f"> {self.exclusive_min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        if self.exclusive_max is not None:
            parts.append(f"< {self.exclusive_max:g}")
        text = f"a {self.type}" + (" " + " and ".join(parts) if parts else "")
        return text + (" or null" if self.nullable else "")

    def coerce(self, value: Any, where: str, source: str | None = None) -> Any:
        """Check ``value`` against this spec and return it in canonical type.

        YAML 1.1 reads ``1e-3`` as a string: such strings are converted when
        they parse as the declared number type, never passed on as strings.

        Raises:
            SpecError: naming ``where``, the bad value and what is allowed.
        """

        def bad(why: str = "") -> SpecError:
            msg = f"{excerpt(value)} is not allowed; expected {self.allowed()}"
            return SpecError(msg + (f" ({why})" if why else ""), source, where)

        if value is None:
            if self.nullable or self.default_from_env:
                return None
            raise bad()
        out: Any
        if self.type in ("float", "int"):
            out = self._number(value, bad)
        elif self.type == "bool":
            if not isinstance(value, bool):
                raise bad()
            out = value
        elif self.type == "str":
            if not isinstance(value, str):
                raise bad()
            out = value
        elif self.type == "list":
            if not isinstance(value, (list, tuple)):
                raise bad()
            out = list(value)
        else:
            if not isinstance(value, Mapping):
                raise bad()
            out = dict(value)
        if not is_plain(out):
            raise bad("only numbers, text, true/false, null, lists and mappings with text keys")
        if self.choices is not None and out not in self.choices:
            raise bad()
        return out

    def _number(self, value: Any, bad: Callable[..., SpecError]) -> int | float:
        """``value`` as this spec's number type, within its bounds (text such as ``1e-3``
        parsed); ``bad`` makes the error that names the value."""
        out: int | float
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, str):
            try:
                value_num = float(value.strip())
            except ValueError:
                raise bad() from None
        elif isinstance(value, (int, float)):
            value_num = float(value)
        else:
            raise bad()
        if not math.isfinite(value_num):
            raise bad("not finite")
        if self.type == "int":
            if value_num != int(value_num):
                raise bad("not an integer")
            out = int(value_num)
        else:
            out = value_num
        if self.min is not None and out < self.min:
            raise bad()
        if self.max is not None and out > self.max:
            raise bad()
        if self.exclusive_min is not None and out <= self.exclusive_min:
            raise bad()
        if self.exclusive_max is not None and out >= self.exclusive_max:
            raise bad()
        return out
