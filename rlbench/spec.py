"""Suite files: YAML read with ``safe_load`` and validated into typed models.

A suite names envs, agents (cards with hyperparameter overrides and an optional
perturbation plan), seeds, a budget and the evaluation protocol::

    name: quickstart
    envs: [Pendulum-v1, {id: CartPole-v1, budget: {steps: 5000}}]
    agents:
      - card: random
      - card: ars
        name: ars-v1
        hparams: {variant: V1, step_size: 0.02}
        perturb: {plan: one-at-a-time, params: [step_size], factors: [0.5, 2]}
    seeds: 5            # or an explicit list [0, 7, 42]
    budget: {steps: 20000}
    eval: {every: 2000, episodes: 5}

Every error names the file, the field path, the bad value and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from rlbench.cards import PerturbSpace, _Model, error_from_detail, read_yaml
from rlbench.errors import SpecError, UnknownNameError

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class BudgetSpec(_Model):
    steps: int = Field(gt=0, description="training budget per trial, in env steps")


class EvalSpec(_Model):
    every: int = Field(gt=0, description="evaluate every this many env steps (and at step 0)")
    episodes: int = Field(gt=0, description="episodes per evaluation")


class EnvEntry(_Model):
    """One env of a suite: a card name with optional overrides."""

    id: str
    horizon: int | None = Field(default=None, gt=0)
    threshold: str | None = None
    budget: BudgetSpec | None = None
    eval: EvalSpec | None = None


class OneAtATime(_Model):
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


class Grid(_Model):
    """The product of listed values per hyperparameter."""

    plan: Literal["grid"]
    values: dict[str, list[Any]] = Field(min_length=1)
    include_base: bool = False  # also run the base config (when it is not a grid point)

    @field_validator("values")
    @classmethod
    def _nonempty(cls, values: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for name, listed in values.items():
            if not listed:
                raise ValueError(f"values.{name} is an empty list")
        return values


class RandomPlan(_Model):
    """``n`` configs sampled from the card's perturbation spaces, seeded."""

    plan: Literal["random"]
    n: int = Field(gt=0)
    seed: int = Field(default=0, ge=0)
    params: list[str] | None = None
    include_base: bool = True


class AbsolutePlan(_Model):
    """The same absolute values on every env, so that one config exists across envs
    (the cross-env analysis): the grid of ``values``, or ``n`` points sampled from
    ``ranges`` with one seed shared by every env. Unlisted hyperparameters stay at
    their base (per-env defaults included); no base config is added."""

    plan: Literal["absolute"]
    values: dict[str, list[Any]] | None = Field(default=None, min_length=1)
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
        for name, listed in (self.values or {}).items():
            if not listed:
                raise ValueError(f"values.{name} is an empty list")
        return self


Perturb = Annotated[OneAtATime | Grid | RandomPlan | AbsolutePlan, Field(discriminator="plan")]


class AgentEntry(_Model):
    """One agent of a suite: a card (by name, or inline) and its overrides."""

    card: str | dict[str, Any]
    name: str | None = Field(default=None, pattern=_NAME)
    hparams: dict[str, Any] = Field(default_factory=dict)
    perturb: Perturb | None = None


class Suite(_Model):
    """A validated suite. ``source`` is the file it came from."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    envs: list[str | EnvEntry] = Field(min_length=1)
    agents: list[AgentEntry] = Field(min_length=1)
    seeds: int | list[int]
    budget: BudgetSpec
    eval: EvalSpec
    device: str = "cpu"
    cards: list[str] = Field(default_factory=list)
    source: str = ""

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, seeds: int | list[int]) -> int | list[int]:
        if isinstance(seeds, int):
            if seeds < 1:
                raise ValueError(f"a seed count must be at least 1, got {seeds}")
            return seeds
        if not seeds:
            raise ValueError("the seed list is empty")
        for s in seeds:
            if s < 0:
                raise ValueError(f"seeds must be non-negative integers, got {s}")
        if len(set(seeds)) != len(seeds):
            raise ValueError("the seed list repeats a seed")
        return seeds

    @field_validator("device")
    @classmethod
    def _device(cls, device: str) -> str:
        if device != "cpu" and not device.startswith(("cuda", "mps", "auto")):
            raise ValueError(f"device must be cpu, cuda[:N], mps or auto, got {device!r}")
        return device

    @model_validator(mode="after")
    def _unique(self) -> Suite:
        seen: set[str] = set()
        for i in range(len(self.agents)):
            label = self.agent_label(i)
            if label in seen:
                raise ValueError(
                    f"agents[{i}]: two agents are named {label!r}; give each a distinct 'name'"
                )
            seen.add(label)
        ids = [e if isinstance(e, str) else e.id for e in self.envs]
        for i, env_id in enumerate(ids):
            if env_id in ids[:i]:
                raise ValueError(f"envs[{i}]: {env_id!r} is listed twice")
        return self

    def agent_label(self, index: int) -> str:
        entry = self.agents[index]
        if entry.name:
            return entry.name
        return entry.card if isinstance(entry.card, str) else str(entry.card.get("name", "inline"))

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def env_entries(self) -> list[EnvEntry]:
        return [EnvEntry(id=e) if isinstance(e, str) else e for e in self.envs]

    def card_dirs(self) -> tuple[str, ...]:
        """Extra card folders, relative to the suite file's folder."""
        base = Path(self.source).parent if self.source else Path.cwd()
        return tuple(str((base / d).resolve()) for d in self.cards)


def suites_dir() -> Path:
    return Path(__file__).resolve().parent / "suites"


def shipped_suites() -> dict[str, Path]:
    """Example suites shipped in the package, by name."""
    return {p.stem: p for p in sorted(suites_dir().glob("*.yaml"))}


def resolve_suite_path(name_or_path: str) -> Path:
    """A suite file path from a path or a shipped suite's name."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise SpecError("no such suite file", str(path))
        if not path.is_file():
            raise SpecError("not a suite file (a folder or a device?)", str(path))
        return path
    shipped = shipped_suites()
    if name_or_path in shipped:
        return shipped[name_or_path]
    raise UnknownNameError(
        "suite", name_or_path, shipped, hint="pass a path to a .yaml file or a shipped suite name"
    )


def parse_suite(data: Any, source: str = "<suite>") -> Suite:
    """Validate a suite mapping (as read from YAML)."""
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise SpecError(f"a suite must be a mapping (name, envs, agents, ...), got {got}", source)
    try:
        return Suite.model_validate({**data, "source": source})
    except ValidationError as err:
        raise _suite_error(err, source) from None


def _suite_error(err: ValidationError, source: str) -> SpecError:
    errors = err.errors()
    # for ``str | EnvEntry`` pydantic reports both members; a mapping was meant as EnvEntry
    first = next((e for e in errors if e["type"] != "string_type"), errors[0])
    loc = list(first["loc"])
    # pydantic reports union members (str | EnvEntry) and plan tags in the path: drop them
    loc = [p for p in loc if p not in ("str", "EnvEntry", "one-at-a-time", "grid", "random",
                                       "absolute")]  # fmt: skip
    loc = [p for p in loc if not (isinstance(p, str) and p.startswith(("list[", "int", "dict[")))]
    if first["type"] == "union_tag_invalid":
        return SpecError(
            f"unknown plan {first['input'].get('plan')!r}; plans are one-at-a-time, grid, "
            "random, absolute",
            source,
            ".".join(str(p) for p in loc),
        )
    return error_from_detail({**first, "loc": tuple(loc)}, source)


def load_suite(name_or_path: str) -> Suite:
    """Load and validate a suite from a file or a shipped suite's name.

    Raises:
        SpecError: the file is not valid YAML or does not fit the schema.
        UnknownNameError: no such shipped suite.
    """
    path = resolve_suite_path(name_or_path)
    return parse_suite(read_yaml(path), str(path))
