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
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from rlbench import limits
from rlbench.cards import catalog
from rlbench.errors import InputError, SpecError, UnknownNameError, excerpt
from rlbench.evalgrid import eval_grid
from rlbench.models import Count, Model
from rlbench.plans import Perturb
from rlbench.schema_errors import translate
from rlbench.yamlfile import read_yaml

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class BudgetSpec(Model):
    steps: Count = Field(
        gt=0, le=limits.MAX_STEPS, description="training budget per trial, in env steps"
    )


class EvalSpec(Model):
    every: Count = Field(gt=0, description="evaluate every this many env steps (and at step 0)")
    episodes: Count = Field(
        gt=0, le=limits.MAX_EVAL_EPISODES, description="episodes per evaluation"
    )


class EnvEntry(Model):
    """One env of a suite: a card name with optional overrides."""

    id: str
    horizon: Count | None = Field(default=None, gt=0)
    threshold: str | None = None
    budget: BudgetSpec | None = None
    eval: EvalSpec | None = None


class AgentEntry(Model):
    """One agent of a suite: a card (by name, or inline) and its overrides."""

    card: str | dict[str, Any]
    name: str | None = Field(default=None, pattern=_NAME)
    hparams: dict[str, Any] = Field(default_factory=dict)
    perturb: Perturb | None = None


class SequentialSeeds(Model):
    """Seeds run in stages until the answer is sure (``seeds: {sequential: ...}``).

    Stage k runs seeds ``k*batch .. (k+1)*batch - 1`` for the agents whose
    question is still open, up to ``max`` seeds. ``method: adastop`` compares
    the agents of each env (AdaStop, Mathieu et al. 2023) at level ``alpha``;
    ``method: target_ci`` adds seeds to each agent until the CI half-width of
    ``stat`` over seeds is at most ``target_ci`` (a fraction of the estimate
    when ``relative``).
    """

    batch: int = Field(ge=2)
    max: int = Field(ge=2, le=10_000)
    method: Literal["adastop", "target_ci"] = "adastop"
    metric: Literal["final_return", "auc", "best_return"] = "final_return"
    alpha: float = Field(default=0.05, gt=0, lt=1)
    permutations: int = Field(default=10_000, ge=100, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    target_ci: float | None = Field(default=None, gt=0)
    relative: bool = False
    stat: Literal["mean", "iqm"] = "mean"

    @model_validator(mode="after")
    def _consistent(self) -> SequentialSeeds:
        if self.max < self.batch:
            raise ValueError(f"max ({self.max}) must be at least batch ({self.batch})")
        if self.max % self.batch:
            raise ValueError(
                f"max ({self.max}) must be a multiple of batch ({self.batch}): "
                "every stage runs a whole batch"
            )
        if self.method == "target_ci" and self.target_ci is None:
            raise ValueError("method target_ci needs target_ci (the CI half-width to reach)")
        if self.method == "adastop" and self.target_ci is not None:
            raise ValueError("target_ci is a stopping rule of its own: set method: target_ci")
        return self

    @property
    def stages(self) -> int:
        return self.max // self.batch


class SeedPlan(Model):
    """``seeds: {sequential: {...}}``: the seeds are decided while the study runs."""

    sequential: SequentialSeeds


def _seed_plan(seeds: dict[str, Any]) -> SeedPlan:
    """``seeds: {sequential: {...}}``, with its errors at their own path."""
    extra = sorted(set(seeds) - {"sequential"})
    if extra or "sequential" not in seeds:
        raise ValueError(
            f"unknown key {', '.join(map(repr, extra or seeds)) or '(none)'}; seeds are a "
            "count, a list, or {sequential: {...}} (a sequential plan decides its own "
            "seeds, so it cannot be combined with a seed list)"
        )
    try:
        return SeedPlan.model_validate(seeds)
    except ValidationError as exc:
        error = translate(exc, SeedPlan, "")
        raise ValueError(f"{error.path}: {error.detail}") from None


class Suite(Model):
    """A validated suite. ``source`` is the file it came from."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    envs: list[str | EnvEntry] = Field(min_length=1)
    agents: list[AgentEntry] = Field(min_length=1)
    seeds: int | list[int] | SeedPlan | None = None
    budget: BudgetSpec
    eval: EvalSpec
    device: str = "cpu"
    cards: list[str] = Field(default_factory=list)
    tune: dict[str, Any] | None = None
    """A tuning section, validated by ``rlbench.tune.spec`` (``rlbench tune``)."""
    source: str = ""

    @field_validator("agents", mode="before")
    @classmethod
    def _shorthand(cls, agents: Any) -> Any:
        # `agents: [ars, random]`, as envs take plain names: a name stands for {card: NAME}
        if isinstance(agents, list):
            return [{"card": a} if isinstance(a, str) else a for a in agents]
        return agents

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, seeds: Any) -> int | list[int] | SeedPlan | None:
        if seeds is None:  # a tuning suite: its tune section draws the seeds
            return None
        if isinstance(seeds, dict):
            return _seed_plan(seeds)
        allowed = (
            f"expected a seed count (an integer from 1 to {limits.MAX_SEEDS:,}) or a list "
            "of distinct non-negative integers, or {sequential: {...}}"
        )
        if _is_int(seeds):
            if not 1 <= seeds <= limits.MAX_SEEDS:
                raise ValueError(f"{excerpt(seeds)} is not allowed; {allowed}")
            return int(seeds)
        if not isinstance(seeds, list):
            raise ValueError(f"{excerpt(seeds)} is not allowed; {allowed}")
        if not seeds:
            raise ValueError(f"the seed list is empty; {allowed}")
        if len(seeds) > limits.MAX_SEEDS:
            raise ValueError(
                f"the seed list has {len(seeds):,} seeds; a suite has at most {limits.MAX_SEEDS:,}"
            )
        for i, s in enumerate(seeds):
            if not _is_int(s) or not 0 <= s <= limits.MAX_SEED:
                raise ValueError(
                    f"{excerpt(s)} (item {i}) is not allowed; seeds are non-negative "
                    "integers up to 2**63 - 1, not bools, text or fractions"
                )
        if len(set(seeds)) != len(seeds):
            raise ValueError("the seed list repeats a seed")
        return [int(s) for s in seeds]

    @field_validator("device")
    @classmethod
    def _device(cls, device: str) -> str:
        if device != "cpu" and not device.startswith(("cuda", "mps", "auto")):
            raise ValueError(f"device must be cpu, cuda[:N], mps or auto, got {excerpt(device)}")
        return device

    @model_validator(mode="after")
    def _unique(self) -> Suite:
        if self.seeds is None and self.tune is None:
            raise ValueError("seeds: required key is missing (a seed count or a list)")
        if self.seeds is not None and self.tune is not None:
            raise ValueError(
                "seeds: a tuning suite draws its seeds from tune.tuning_seeds and "
                "tune.test_seeds; remove the top-level seeds"
            )
        seen: set[str] = set()
        for i in range(len(self.agents)):
            label = self.agent_label(i)
            if label in seen:
                raise ValueError(
                    f"agents[{i}]: two agents are named {excerpt(label)}; "
                    "give each a distinct 'name'"
                )
            seen.add(label)
        ids = [e if isinstance(e, str) else e.id for e in self.envs]
        for i, env_id in enumerate(ids):
            if env_id in ids[:i]:
                raise ValueError(f"envs[{i}]: {excerpt(env_id)} is listed twice")
        return self

    @model_validator(mode="after")
    def _evaluations(self) -> Suite:
        """Each env's evaluation grid fits its budget and the limit on evaluations.

        Raised as a SpecError (not a ValueError) so that it names the field where
        the offending value was written: a per-env override or the top level.
        """
        for i, entry in enumerate(self.env_entries()):
            budget, ev = entry.budget or self.budget, entry.eval or self.eval
            where = f"envs[{i}].eval" if entry.eval else "eval"
            if entry.budget and not entry.eval:
                where = f"envs[{i}].budget"
            if ev.every > budget.steps and where.endswith("eval"):
                raise SpecError(
                    f"{ev.every:,} is larger than budget.steps ({budget.steps:,}) on {entry.id}; "
                    "eval.every must be at most budget.steps",
                    self.source or "<suite>",
                    f"{where}.every",
                )
            if ev.every > budget.steps:
                raise SpecError(
                    f"{budget.steps:,} is smaller than eval.every ({ev.every:,}) on {entry.id}; "
                    "budget.steps must be at least eval.every",
                    self.source or "<suite>",
                    f"{where}.steps",
                )
            points = len(eval_grid(budget.steps, ev.every))
            if points > limits.MAX_EVALUATIONS:
                raise SpecError(
                    f"budget.steps / eval.every = {budget.steps:,} / {ev.every:,} gives "
                    f"{points:,} evaluations per trial on {entry.id}; the limit is "
                    f"{limits.MAX_EVALUATIONS:,} (raise eval.every)",
                    self.source or "<suite>",
                    f"{where}.every" if where.endswith("eval") else f"{where}.steps",
                )
        return self

    def agent_label(self, index: int) -> str:
        entry = self.agents[index]
        if entry.name:
            return entry.name
        return entry.card if isinstance(entry.card, str) else str(entry.card.get("name", "inline"))

    @property
    def sequential(self) -> SequentialSeeds | None:
        return self.seeds.sequential if isinstance(self.seeds, SeedPlan) else None

    def seed_list(self) -> list[int]:
        """Every seed the suite may run (a sequential plan: all its stages)."""
        if self.seeds is None:
            raise SpecError(
                "a tuning suite has no seeds of its own; run it with `rlbench tune`",
                self.source or "<suite>",
                "tune",
            )
        if isinstance(self.seeds, SeedPlan):
            return list(range(self.seeds.sequential.max))
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def env_entries(self) -> list[EnvEntry]:
        return [EnvEntry(id=e) if isinstance(e, str) else e for e in self.envs]

    def card_dirs(self) -> tuple[str, ...]:
        """Extra card folders, relative to the suite file's folder."""
        return self.card_dirs_of(self.cards, self.source)

    @staticmethod
    def card_dirs_of(cards: Any, source: str | None) -> tuple[str, ...]:
        """``cards:`` entries resolved against the folder of the suite file ``source``."""
        if not isinstance(cards, list) or not all(isinstance(d, str) for d in cards):
            return ()
        base = Path(source).parent if source and not source.startswith("<") else Path.cwd()
        return tuple(str((base / d).resolve()) for d in cards)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
        error = translate(err, Suite, source)
    raise _card_hint(data, error) or error


def _card_hint(data: dict[str, Any], error: SpecError) -> SpecError | None:
    """For ``agents[i]`` with ``name: ars`` but no ``card:``, say which key was meant."""
    path = error.path or ""
    if not (path.startswith("agents[") and path.endswith("].card")):
        return None
    if error.detail != "required key is missing":
        return None
    index = int(path[len("agents[") : -len("].card")])
    entry = data["agents"][index]
    name = entry.get("name") if isinstance(entry, dict) else None
    if not isinstance(name, str):
        return None
    try:
        dirs = Suite.card_dirs_of(data.get("cards"), error.source)
        known = catalog(dirs).agents
    except InputError:
        known = catalog().agents
    if name not in known:
        return None
    return SpecError(
        f"required key is missing; did you mean `card: {name}`? (`name:` only labels "
        "an agent; `card:` picks its card)",
        error.source,
        path,
    )


def load_suite(name_or_path: str) -> Suite:
    """Load and validate a suite from a file or a shipped suite's name.

    Raises:
        SpecError: the file is not valid YAML or does not fit the schema.
        UnknownNameError: no such shipped suite.
    """
    path = resolve_suite_path(name_or_path)
    return parse_suite(read_yaml(path), str(path))
