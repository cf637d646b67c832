"""How hyperparameter values may be written: plain data, flat or SB3-nested."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from rlbench.errors import SpecError


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
