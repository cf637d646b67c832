"""ARS's hyperparameters, validated (names as in ``agents/ars.yaml``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlbench.errors import SpecError

VARIANTS: tuple[str, ...] = ("BRS", "V1", "V1-t", "V2", "V2-t")


@dataclass(frozen=True)
class ARSConfig:
    """Validated ARS hyperparameters (names as in ``agents/ars.yaml``).

    Attributes:
        variant: one of ``VARIANTS``.
        step_size: α > 0.
        noise: ν > 0, the scale of the perturbations.
        n_directions: N ≥ 1 directions per iteration (2N episodes).
        top_directions: b, 1 ≤ b ≤ N; used only by the "-t" variants.
        shift: subtracted from every training reward (survival bonus).
        clip_actions: clip actions to the action box (False: the raw M x, the
            paper's policy; optional in a mapping, default False).
    """

    variant: str
    step_size: float
    noise: float
    n_directions: int
    top_directions: int
    shift: float
    clip_actions: bool = False

    @classmethod
    def from_hparams(cls, hparams: Mapping[str, Any]) -> ARSConfig:
        """Validate a hyperparameter mapping.

        Raises:
            SpecError: a missing or impossible value, naming the field.
        """
        for name in ("variant", "step_size", "noise", "n_directions", "top_directions", "shift"):
            if hparams.get(name) is None:
                raise SpecError(
                    f"missing value for ARS hyperparameter {name!r}", path=f"hparams.{name}"
                )
        variant = hparams["variant"]
        if variant not in VARIANTS:
            raise SpecError(
                f"variant {variant!r} is not one of {', '.join(VARIANTS)}", path="hparams.variant"
            )
        floats = _finite_numbers(
            hparams, ("step_size", "noise", "shift"), positive=("step_size", "noise")
        )
        ints = _counts(hparams, ("n_directions", "top_directions"))
        clip = hparams.get("clip_actions", False)
        if not isinstance(clip, (bool, np.bool_)):
            raise SpecError(
                f"clip_actions must be true or false, got {clip!r}", path="hparams.clip_actions"
            )
        if variant.endswith("-t") and ints["top_directions"] > ints["n_directions"]:
            raise SpecError(
                f"top_directions ({ints['top_directions']}) must be <= n_directions "
                f"({ints['n_directions']})",
                path="hparams.top_directions",
            )
        return cls(
            variant=variant,
            step_size=floats["step_size"],
            noise=floats["noise"],
            n_directions=ints["n_directions"],
            top_directions=ints["top_directions"],
            shift=floats["shift"],
            clip_actions=bool(clip),
        )

    @property
    def used_directions(self) -> int:
        """b: the number of directions an update uses (N unless a "-t" variant)."""
        return self.top_directions if self.variant.endswith("-t") else self.n_directions

    @property
    def normalises(self) -> bool:
        """Whether observations are normalised (V2, V2-t)."""
        return self.variant.startswith("V2")


def _finite_numbers(
    hparams: Mapping[str, Any], names: Iterable[str], positive: Iterable[str]
) -> dict[str, float]:
    """The named values as floats; each finite, and > 0 where ``positive`` says."""
    floats = {}
    for name in names:
        value = hparams[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise SpecError(
                f"{name} must be a finite number, got {value!r}", path=f"hparams.{name}"
            )
        floats[name] = float(value)
    for name in positive:
        if floats[name] <= 0:
            raise SpecError(f"{name} must be > 0, got {hparams[name]!r}", path=f"hparams.{name}")
    return floats


def _counts(hparams: Mapping[str, Any], names: Iterable[str]) -> dict[str, int]:
    """The named values as integers >= 1."""
    ints = {}
    for name in names:
        value = hparams[name]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise SpecError(
                f"{name} must be an integer >= 1, got {value!r}", path=f"hparams.{name}"
            )
        ints[name] = int(value)
    return ints
