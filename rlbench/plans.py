"""Perturbation plans: the configs of one agent of a suite, around its base config.

An agent's ``perturb:`` picks one plan by its ``plan`` key; `rlbench.suite_compiler`
turns a plan into configs (`rlbench.suite_compiler.plan_variants`)::

    perturb: {plan: one-at-a-time, params: [step_size], factors: [0.5, 2]}
    perturb: {plan: grid, values: {step_size: [0.01, 0.02]}}
    perturb: {plan: random, n: 8, seed: 0}
    perturb: {plan: absolute, ranges: {step_size: {scale: log, low: 0.001, high: 0.1}}, n: 8}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from rlbench import limits
from rlbench.errors import excerpt
from rlbench.models import Count, Model, PerturbSpace


class OneAtATime(Model):
    """Each listed hyperparameter times each factor, the others at base."""

    plan: Literal["one-at-a-time"]
    params: list[str] = Field(min_length=1)
    factors: list[float] = Field(min_length=1)
    include_base: bool = True

    @field_validator("factors")
    @classmethod
    def _positive(cls, factors: list[float]) -> list[float]:
        for f in factors:
            if f <= 0:
                raise ValueError(f"factors must be positive, got {f}")
        return factors


class Grid(Model):
    """The product of listed values per hyperparameter."""

    plan: Literal["grid"]
    # name -> listed values; a mapping groups names SB3-style ({policy_kwargs: {net_arch: [...]}})
    values: dict[str, list[Any] | dict[str, Any]] = Field(min_length=1)
    include_base: bool = False  # also run the base config (when it is not a grid point)

    @field_validator("values")
    @classmethod
    def _nonempty(cls, values: dict[str, Any]) -> dict[str, Any]:
        _check_listed(values, "")
        return values


def _check_listed(mapping: dict[str, Any], prefix: str) -> None:
    """Each hyperparameter of a grid lists values (a mapping nests names, SB3-style)."""
    for name, listed in mapping.items():
        if isinstance(listed, dict) and listed:
            _check_listed(listed, f"{prefix}{name}.")
        elif not isinstance(listed, list):
            raise ValueError(
                f"values.{prefix}{name} is {excerpt(listed)}; expected a list of values"
            )
        elif not listed:
            raise ValueError(f"values.{prefix}{name} is an empty list")


class RandomPlan(Model):
    """``n`` configs sampled from the card's perturbation spaces, seeded."""

    plan: Literal["random"]
    n: Count = Field(gt=0, le=limits.MAX_CONFIGS)
    seed: Count = Field(default=0, ge=0, le=limits.MAX_SEED)
    params: list[str] | None = None
    include_base: bool = True


class AbsolutePlan(Model):
    """The same absolute values on every env, so that one config exists across envs
    (the cross-env analysis): the grid of ``values``, or ``n`` points sampled from
    ``ranges`` with one seed shared by every env. Unlisted hyperparameters stay at
    their base (per-env defaults included); no base config is added."""

    plan: Literal["absolute"]
    values: dict[str, list[Any] | dict[str, Any]] | None = Field(default=None, min_length=1)
    ranges: dict[str, PerturbSpace] | None = Field(default=None, min_length=1)
    n: int | None = Field(default=None, gt=0)
    seed: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_form(self) -> AbsolutePlan:
        if (self.values is None) == (self.ranges is None):
            raise ValueError("give either values (a grid) or ranges with n (a random sample)")
        if self.ranges is not None and self.n is None:
            raise ValueError("ranges need n, the number of sampled configs")
        if self.values is not None and self.n is not None:
            raise ValueError("n goes with ranges; a grid of values has no n")
        _check_listed(self.values or {}, "")
        return self


Perturb = Annotated[OneAtATime | Grid | RandomPlan | AbsolutePlan, Field(discriminator="plan")]
