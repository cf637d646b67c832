"""Perturbation plans to variants: the hyperparameter changes of each config of a plan.

A variant is (the hyperparameters that differ from the base config, the
perturbation's description as records store it: ``{"kind": "base"}``,
``{"kind": "one-at-a-time", "param", "factor"}``, ``{"kind": "grid", **values}``
or ``{"kind": "random", "index"}``). Random samples come from the plan's own
seed (`numpy.random.SeedSequence`), drawing the hyperparameters in a fixed order,
so that a plan gives the same variants in every suite and on every machine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from rlbench.cards import AgentCard
from rlbench.errors import SpecError, UnknownNameError
from rlbench.hparam_values import flatten_hparams
from rlbench.models import PerturbSpace
from rlbench.plans import AbsolutePlan, Grid, OneAtATime, Perturb, RandomPlan
from rlbench.suite_limits import check_grid_lists

Variant = tuple[dict[str, Any], dict[str, Any]]
"""(hyperparameters that differ from the base, the perturbation's description)."""


def plan_variants(
    card: AgentCard, base: dict[str, Any], plan: Perturb | None, where: str, source: str
) -> list[Variant]:
    """(overrides, perturbation description) for each config of a plan, base first.

    Raises:
        SpecError: the plan names a hyperparameter the card lacks, scales a
            non-number, or samples one without a perturbation space.
    """
    out: list[Variant] = []
    if plan is None or getattr(plan, "include_base", False):
        out.append(({}, {"kind": "base"}))
    if plan is None:
        return out
    listed = plan.values if isinstance(plan, (Grid, AbsolutePlan)) else None
    grid = flatten_hparams(listed or {}, card.hparams, f"{where}.perturb.values", source)
    _check_plan_names(card, plan, grid, where, source)
    check_grid_lists(grid, f"{where}.perturb", source)
    if isinstance(plan, OneAtATime):
        out += _one_at_a_time_variants(card, base, plan, where, source)
    elif isinstance(plan, AbsolutePlan):
        out += absolute_variants(plan, grid)
    elif isinstance(plan, Grid):
        out += _grid_variants(grid)
    else:
        out += _random_variants(card, plan, where, source)
    return out


def _check_plan_names(
    card: AgentCard, plan: Perturb, grid: Mapping[str, Any], where: str, source: str
) -> None:
    """Every hyperparameter the plan names is one of the card's."""
    if isinstance(plan, AbsolutePlan):
        names = list(grid or plan.ranges or {})
    else:
        names = list(grid) if isinstance(plan, Grid) else (plan.params or [])
    for i, name in enumerate(names):
        if name not in card.hparams:
            key = f"params[{i}]" if isinstance(plan, (OneAtATime, RandomPlan)) else "values"
            key = "ranges" if isinstance(plan, AbsolutePlan) and plan.ranges else key
            raise UnknownNameError(
                f"hyperparameter of agent {card.name!r}",
                name,
                card.hparams,
                where=f"{source}: {where}.perturb.{key}",
            )


def _one_at_a_time_variants(
    card: AgentCard, base: dict[str, Any], plan: OneAtATime, where: str, source: str
) -> list[Variant]:
    """Each listed hyperparameter times each factor (an int rounded), the others at base."""
    out: list[Variant] = []
    for i, name in enumerate(plan.params):
        spec = card.hparams[name]
        if spec.type not in ("float", "int") or base.get(name) is None:
            raise SpecError(
                f"{name} is a {spec.type} with base value {base.get(name)!r}; factors "
                "apply to numbers only (use plan: grid to list values)",
                source,
                f"{where}.perturb.params[{i}]",
            )
        for factor in plan.factors:
            scaled = base[name] * factor
            if spec.type == "int":
                scaled = round(scaled)
            out.append(({name: scaled}, {"kind": "one-at-a-time", "param": name, "factor": factor}))
    return out


def _grid_variants(grid: Mapping[str, list[Any]]) -> list[Variant]:
    """The product of the listed values, in the order the plan lists them."""
    keys = list(grid)
    out: list[Variant] = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        values = dict(zip(keys, combo, strict=True))
        out.append((values, {"kind": "grid", **values}))
    return out


def _random_variants(card: AgentCard, plan: RandomPlan, where: str, source: str) -> list[Variant]:
    """``plan.n`` samples from the card's perturbation spaces, from the plan's seed."""
    names = plan.params or [n for n, s in card.hparams.items() if s.perturb is not None]
    spaces = []
    for i, name in enumerate(names):
        space = card.hparams[name].perturb
        if space is None:
            raise SpecError(
                f"{name} has no perturbation space in the card {card.name!r}; "
                f"choose among: {', '.join(n for n, s in card.hparams.items() if s.perturb)}",
                source,
                f"{where}.perturb.params[{i}]",
            )
        spaces.append((name, space))
    return _samples(spaces, plan.n, plan.seed)


def absolute_variants(
    plan: AbsolutePlan, values: Mapping[str, list[Any]] | None = None
) -> list[Variant]:
    """The plan's configs: identical on every env (the sample's stream depends on its seed only).

    ``values``: the plan's grid with names flattened to the card's (SB3's nested
    ``policy_kwargs`` form opened); the plan's own ``values`` when not given.
    """
    if plan.values is not None:
        listed: Mapping[str, Any] = values if values is not None else plan.values
        return _grid_variants(listed)
    assert plan.ranges is not None and plan.n is not None
    return _samples(list(plan.ranges.items()), plan.n, plan.seed)


def _samples(spaces: list[tuple[str, PerturbSpace]], n: int, seed: int) -> list[Variant]:
    """``n`` points, each drawing its hyperparameters in the order of ``spaces`` (a name
    listed twice draws twice and keeps the last draw, so every stream stays as it was)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    out: list[Variant] = []
    for k in range(n):
        sample: dict[str, Any] = {}
        for name, space in spaces:
            sample[name] = _draw(rng, space)
        out.append((sample, {"kind": "random", "index": k}))
    return out


def _draw(rng: np.random.Generator, space: PerturbSpace) -> Any:
    """One value from a space: log-uniform, uniform integer (both ends) or uniform."""
    if space.scale == "log":
        return float(math.exp(rng.uniform(math.log(space.low), math.log(space.high))))
    if space.scale == "int":
        return int(rng.integers(int(space.low), int(space.high) + 1))
    return float(rng.uniform(space.low, space.high))
