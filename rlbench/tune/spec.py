"""The ``tune:`` section of a suite, validated against the agent's card.

::

    tune:
      agent: ars-v1            # the label of the agent entry to tune
      space:                   # optional; default: the card's perturbation spaces
        step_size: {low: 0.001, high: 0.1, scale: log}
      sampler: tpe             # tpe | random | grid (Optuna's samplers), seeded from `seed`
      seed: 0
      trials: 30               # configurations to try
      tuning_seeds: 3          # seeds per configuration while tuning
      objective: {metric: auc, stat: mean}
      test_seeds: 10           # fresh seeds for the retest, disjoint from the tuning seeds
      retest_top: 3            # how many of the best configurations are retested

Tuning seeds and test seeds are drawn from two named ``SeedSequence`` streams of
``seed`` and a test seed equal to a tuning seed is skipped, so the two sets are
disjoint by construction, whatever the counts.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from rlbench.cards import (
    AgentCard,
    Catalog,
    catalog,
    env_reference_scores,
)
from rlbench.errors import SpecError, UnknownNameError
from rlbench.models import Model
from rlbench.schema_errors import translate
from rlbench.spec import Suite

STATS = ("mean", "iqm", "median", "lower_ci")


class SpaceEntry(Model):
    """Where one hyperparameter is searched: a range on a scale, or a list of choices."""

    low: float | None = None
    high: float | None = None
    scale: Literal["log", "linear", "int"] = "linear"
    choices: list[Any] | None = None
    points: int | None = Field(default=None, ge=2, description="grid values (sampler: grid)")

    @model_validator(mode="after")
    def _check(self) -> SpaceEntry:
        if self.choices is not None:
            if not self.choices:
                raise ValueError("choices is an empty list")
            if self.low is not None or self.high is not None:
                raise ValueError("give either choices or low/high, not both")
            return self
        if self.low is None or self.high is None:
            raise ValueError("a range needs low and high (or give choices)")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"a log scale needs low > 0, got {self.low:g}")
        return self


class Objective(Model):
    metric: Literal["auc", "final_return", "best_return"] = "auc"
    stat: Literal["mean", "iqm", "median", "lower_ci"] = "mean"


class TuneSpec(Model):
    """The validated ``tune:`` section (schema only; see `resolve` for the card checks)."""

    agent: str
    params: list[str] | None = Field(default=None, min_length=1)
    space: dict[str, SpaceEntry] | None = Field(default=None, min_length=1)
    sampler: Literal["tpe", "random", "grid"] = "tpe"
    seed: int = Field(default=0, ge=0)
    trials: int = Field(gt=0)
    tuning_seeds: int = Field(default=3, gt=0)
    objective: Objective = Objective()
    test_seeds: int = Field(default=10, gt=0)
    retest_top: int = Field(default=3, gt=0)
    retest_default: bool = True
    batch: int = Field(default=4, gt=0, description="configs asked of Optuna at once")
    reps: int = Field(default=2000, ge=100, description="bootstrap resamples of the CIs")

    @model_validator(mode="after")
    def _check(self) -> TuneSpec:
        if self.retest_top > self.trials:
            raise ValueError(
                f"retest_top ({self.retest_top}) is larger than trials ({self.trials}); "
                "retest at most as many configurations as are tried"
            )
        if self.params is not None and self.space is not None:
            raise ValueError("give either params (the card's spaces) or space, not both")
        return self


@dataclass(frozen=True)
class TunePlan:
    """A tuning run, resolved: what is searched, on which seeds, for which agent."""

    suite: Suite
    spec: TuneSpec
    agent_index: int
    card: AgentCard
    space: dict[str, Any]
    """name -> an Optuna distribution."""
    grid: dict[str, list[Any]] | None
    tuning_seeds: tuple[int, ...]
    test_seeds: tuple[int, ...]
    envs: tuple[str, ...]
    normalise: dict[str, tuple[float, float]] | None
    """env -> (random, reference) when several envs are aggregated, else None."""

    @property
    def label(self) -> str:
        return self.suite.agent_label(self.agent_index)


def parse_tune(suite: Suite) -> TuneSpec:
    """The suite's ``tune:`` section as a TuneSpec.

    Raises:
        SpecError: no tune section, or one that does not fit the schema.
    """
    source = suite.source or "<suite>"
    if suite.tune is None:
        raise SpecError("has no tune: section; `rlbench tune` needs one (see the README)", source)
    try:
        return TuneSpec.model_validate(suite.tune)
    except ValidationError as err:
        first: dict[str, Any] = dict(err.errors()[0])
        loc = tuple(p for p in first["loc"] if p not in ("str", "int", "float"))
        if first["type"] == "literal_error":
            field = str(loc[-1])
            allowed = ", ".join(STATS) if field == "stat" else str(first["ctx"]["expected"])
            raise SpecError(
                f"unknown {field} {first['input']!r}; choose among {allowed}",
                source,
                "tune." + ".".join(str(p) for p in loc),
            ) from None
        raise translate(err, TuneSpec, source, "tune") from None


def draw_seeds(seed: int, n_tuning: int, n_test: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Tuning and test seeds: distinct 31-bit integers, the two sets disjoint.

    Each set comes from its own named stream of ``SeedSequence(seed)``, so
    asking for more test seeds never changes the tuning seeds (and the reverse).
    """

    def stream(name: str, n: int, taken: set[int]) -> tuple[int, ...]:
        key = (zlib.crc32(name.encode()),)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
        return unique_draws(rng, n, taken)

    tuning = stream("tune-seeds", n_tuning, set())
    return tuning, stream("test-seeds", n_test, set(tuning))


def unique_draws(rng: Any, n: int, taken: set[int]) -> tuple[int, ...]:
    """``n`` distinct integers in [0, 2**31) from ``rng``, none of them in ``taken``."""
    out: list[int] = []
    while len(out) < n:
        value = int(rng.integers(0, 2**31))
        if value not in taken and value not in out:
            out.append(value)
    return tuple(out)


def resolve(suite: Suite, cards: Catalog | None = None) -> TunePlan:
    """Check the tune section against the suite and the agent's card.

    Raises:
        InputError: unknown agent label or parameter, a space outside the card's
            bounds, a grid smaller than ``trials``, envs without reference
            scores when several are aggregated.
    """
    source = suite.source or "<suite>"
    spec = parse_tune(suite)
    cat = cards or catalog(suite.card_dirs())
    labels = [suite.agent_label(i) for i in range(len(suite.agents))]
    if spec.agent not in labels:
        raise UnknownNameError("agent label", spec.agent, labels, where=f"{source}: tune.agent")
    index = labels.index(spec.agent)
    entry = suite.agents[index]
    if isinstance(entry.card, dict):
        from rlbench.cards import parse_agent_card

        card = parse_agent_card(entry.card, f"{source}: agents[{index}].card")
    else:
        card = cat.agent(entry.card, where=f"{source}: agents[{index}].card")
    space = _space(spec, card, entry, source)
    distributions = {name: _distribution(name, s, card, source) for name, s in space.items()}
    grid = _grid(space, spec, source) if spec.sampler == "grid" else None
    envs = tuple(e.id for e in suite.env_entries())
    normalise = None
    if len(envs) > 1:
        random, reference = env_reference_scores(envs)
        normalise = {e: (random[e], reference[e]) for e in envs}
    tuning, test = draw_seeds(spec.seed, spec.tuning_seeds, spec.test_seeds)
    return TunePlan(suite, spec, index, card, distributions, grid, tuning, test, envs, normalise)


def _space(spec: TuneSpec, card: AgentCard, entry: Any, source: str) -> dict[str, SpaceEntry]:
    if spec.space is not None:
        names = list(spec.space)
        where = "tune.space"
    else:
        listed = spec.params or (entry.perturb.params if getattr(entry, "perturb", None) else None)
        names = listed or [n for n, s in card.hparams.items() if s.perturb is not None]
        where = "tune.params"
    out: dict[str, SpaceEntry] = {}
    for i, name in enumerate(names):
        if name not in card.hparams:
            at = f"{where}.{name}" if spec.space is not None else f"{where}[{i}]"
            raise UnknownNameError(
                f"hyperparameter of agent {card.name!r}", name, card.hparams, f"{source}: {at}"
            )
        if spec.space is not None:
            out[name] = spec.space[name]
            continue
        perturb = card.hparams[name].perturb
        if perturb is None:
            raise SpecError(
                f"{name} has no perturbation space in the card {card.name!r}; give its range "
                "under tune.space",
                source,
                f"{where}[{i}]",
            )
        out[name] = SpaceEntry(low=perturb.low, high=perturb.high, scale=perturb.scale)
    if not out:
        raise SpecError(f"the card {card.name!r} has no perturbation spaces", source, "tune.space")
    return out


def _distribution(name: str, entry: SpaceEntry, card: AgentCard, source: str) -> Any:
    import optuna

    hp = card.hparams[name]
    where = f"tune.space.{name}"
    if entry.choices is not None:
        values = [
            hp.coerce(v, f"{where}.choices[{i}]", source) for i, v in enumerate(entry.choices)
        ]
        return optuna.distributions.CategoricalDistribution(values)
    if hp.type not in ("float", "int"):
        raise SpecError(
            f"{name} is a {hp.type}; search it with choices: [...], not a range", source, where
        )
    low = hp.coerce(entry.low, f"{where}.low", source)
    high = hp.coerce(entry.high, f"{where}.high", source)
    if hp.type == "int" or entry.scale == "int":
        if hp.type != "int" or low != int(low) or high != int(high):
            raise SpecError("scale int needs an int hyperparameter and bounds", source, where)
        return optuna.distributions.IntDistribution(int(low), int(high), log=entry.scale == "log")
    return optuna.distributions.FloatDistribution(float(low), float(high), log=entry.scale == "log")


def _grid(space: dict[str, SpaceEntry], spec: TuneSpec, source: str) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    for name, entry in space.items():
        if entry.choices is not None:
            grid[name] = list(entry.choices)
            continue
        if entry.points is None:
            raise SpecError(
                "the grid sampler needs choices: [...] or points: N for each parameter",
                source,
                f"tune.space.{name}",
            )
        assert entry.low is not None and entry.high is not None
        if entry.scale == "log":
            values = np.geomspace(entry.low, entry.high, entry.points)
        else:
            values = np.linspace(entry.low, entry.high, entry.points)
        if entry.scale == "int":
            grid[name] = sorted({round(float(v)) for v in values})
        else:
            grid[name] = [float(v) for v in values]
    size = math.prod(len(v) for v in grid.values())
    if spec.trials > size:
        raise SpecError(
            f"trials ({spec.trials}) is larger than the grid ({size} points); "
            "lower trials or add points",
            source,
            "tune.trials",
        )
    return grid
