"""Expand a suite into configs and trials, deterministically.

A *config* is one concrete hyperparameter assignment of one agent card; its id
is a short hash of the canonical (sorted, typed) assignment, so the same config
has the same id in every suite. A *trial* is (agent, config, env, seed); its id
hashes everything that determines its result, so a resumed or grown suite skips
exactly the trials already done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlbench.cards import (
    AgentCard,
    Catalog,
    EnvCard,
    catalog,
    check_card_dir,
    parse_agent_card,
)
from rlbench.errors import InputError, SpecError, UnknownNameError
from rlbench.evalgrid import EvalGrid, eval_grid
from rlbench.hparam_values import flatten_hparams
from rlbench.plans import AbsolutePlan, Grid, OneAtATime, RandomPlan
from rlbench.protocol import PROTOCOL_VERSION
from rlbench.spec import Suite
from rlbench.suite_limits import (
    check_entry,
    check_grid_lists,
    check_metrics,
    check_size,
    load_validator,
)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the input of every id hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def short_hash(value: Any, length: int = 12) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:length]


def config_id(card_name: str, hparams: Mapping[str, Any]) -> str:
    """Stable id of a config: a hash of the card name and the sorted assignment."""
    return short_hash({"card": card_name, "hparams": dict(hparams)}, 10)


@dataclass(frozen=True)
class Trial:
    """Everything a worker needs to run one trial; picklable and small."""

    trial_id: str
    agent: str
    card: str
    entry: str
    config_id: str
    hparams: dict[str, Any]
    perturbation: dict[str, Any]
    env: str
    gym_id: str
    horizon: int
    make_kwargs: dict[str, Any]
    threshold: float | None
    seed: int
    budget_steps: int
    eval_every: int
    eval_episodes: int
    device: str = "cpu"
    python_path: tuple[str, ...] = ()
    metrics: tuple[tuple[str, str], ...] = ()
    phase: str | None = None
    """``tune`` or ``test`` for the trials of ``rlbench tune`` (not part of the id)."""
    batch_entry: str | None = None  # not part of the trial id: a batch never changes a record
    batch_seeds: int = 1
    clip_actions: bool = True
    """The card's evaluation rule: clip actions to the action box, or not."""

    @property
    def eval_steps(self) -> EvalGrid:
        return eval_grid(self.budget_steps, self.eval_every)


@dataclass(frozen=True)
class Config:
    agent: str
    card: str
    env: str
    config_id: str
    hparams: dict[str, Any]
    perturbation: dict[str, Any]


@dataclass
class Plan:
    """The expanded suite: trials in a deterministic order, plus what was dropped."""

    suite: Suite
    trials: list[Trial]
    configs: list[Config]
    dropped: list[dict[str, Any]] = field(default_factory=list)
    bases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(agent label, env) -> the base hyperparameters, even when the plan has no base config."""

    @property
    def total_steps(self) -> int:
        return sum(t.budget_steps for t in self.trials)


def _coerce_all(
    card: AgentCard, values: Mapping[str, Any], where: str, source: str
) -> dict[str, Any]:
    out = {}
    for name, value in flatten_hparams(values, card.hparams, where, source).items():
        if name not in card.hparams:
            raise UnknownNameError(
                f"hyperparameter of agent {card.name!r}",
                name,
                card.hparams,
                where=f"{source}: {where}",
            )
        out[name] = card.hparams[name].coerce(value, f"{where}.{name}", source)
    return out


def _variants(
    card: AgentCard, base: dict[str, Any], plan: Any, where: str, source: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(overrides, perturbation description) for each config of a plan, base first."""
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    if plan is None or getattr(plan, "include_base", False):
        out.append(({}, {"kind": "base"}))
    if plan is None:
        return out
    listed = plan.values if isinstance(plan, (Grid, AbsolutePlan)) else None
    grid = flatten_hparams(listed or {}, card.hparams, f"{where}.perturb.values", source)
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
    check_grid_lists(grid, f"{where}.perturb", source)
    if isinstance(plan, OneAtATime):
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
                out.append(
                    ({name: scaled}, {"kind": "one-at-a-time", "param": name, "factor": factor})
                )
    elif isinstance(plan, AbsolutePlan):
        out += absolute_variants(plan, grid)
    elif isinstance(plan, Grid):
        keys = list(grid)
        for combo in itertools.product(*(grid[k] for k in keys)):
            values = dict(zip(keys, combo, strict=True))
            out.append((values, {"kind": "grid", **values}))
    elif isinstance(plan, RandomPlan):
        names = plan.params or [n for n, s in card.hparams.items() if s.perturb is not None]
        for i, name in enumerate(names):
            if card.hparams[name].perturb is None:
                raise SpecError(
                    f"{name} has no perturbation space in the card {card.name!r}; "
                    f"choose among: {', '.join(n for n, s in card.hparams.items() if s.perturb)}",
                    source,
                    f"{where}.perturb.params[{i}]",
                )
        rng = np.random.default_rng(np.random.SeedSequence(plan.seed))
        for k in range(plan.n):
            sample: dict[str, Any] = {}
            for name in names:
                space = card.hparams[name].perturb
                assert space is not None
                if space.scale == "log":
                    value: Any = float(
                        math.exp(rng.uniform(math.log(space.low), math.log(space.high)))
                    )
                elif space.scale == "int":
                    value = int(rng.integers(int(space.low), int(space.high) + 1))
                else:
                    value = float(rng.uniform(space.low, space.high))
                sample[name] = value
            out.append((sample, {"kind": "random", "index": k}))
    return out


def absolute_variants(
    plan: AbsolutePlan, values: Mapping[str, list[Any]] | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The plan's configs: identical on every env (the sample's stream depends on its seed only).

    ``values``: the plan's grid with names flattened to the card's (SB3's nested
    ``policy_kwargs`` form opened); the plan's own ``values`` when not given.
    """
    if plan.values is not None:
        listed: Mapping[str, Any] = values if values is not None else plan.values
        keys = list(listed)
        combos = itertools.product(*(listed[k] for k in keys))
        points = [dict(zip(keys, combo, strict=True)) for combo in combos]
        return [(point, {"kind": "grid", **point}) for point in points]
    assert plan.ranges is not None and plan.n is not None
    rng = np.random.default_rng(np.random.SeedSequence(plan.seed))
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for k in range(plan.n):
        sample: dict[str, Any] = {}
        for name, space in plan.ranges.items():
            if space.scale == "log":
                sample[name] = float(
                    math.exp(rng.uniform(math.log(space.low), math.log(space.high)))
                )
            elif space.scale == "int":
                sample[name] = int(rng.integers(int(space.low), int(space.high) + 1))
            else:
                sample[name] = float(rng.uniform(space.low, space.high))
        out.append((sample, {"kind": "random", "index": k}))
    return out


def _env_default(spec_field: str, env: EnvCard, card: AgentCard, name: str) -> Any:
    if not hasattr(env, spec_field):
        raise SpecError(
            f"default_from_env names {spec_field!r}, which env cards do not have",
            card.path,
            f"hparams.{name}",
        )
    return getattr(env, spec_field)


def suite_catalog(suite: Suite, extra_dirs: tuple[str, ...] = ()) -> Catalog:
    """The catalog of a suite: shipped cards, the suite's ``cards:`` and ``extra_dirs``
    (``--cards``), each folder checked first so that the message names where it was given.

    Raises:
        InputError: a card folder that does not exist or is a file.
    """
    source = suite.source or "<suite>"
    for i, folder in enumerate(suite.card_dirs()):
        check_card_dir(Path(folder), f"{source}: cards[{i}]:")
    for folder in extra_dirs:
        check_card_dir(Path(folder), "--cards")
    return catalog(suite.card_dirs() + tuple(str(Path(d).resolve()) for d in extra_dirs))


def expand(suite: Suite, cards: Catalog | None = None) -> Plan:
    """Expand a suite into its trials.

    Order: agents in suite order, then envs, then configs (base first), then
    seeds. Infeasible perturbed configs (outside a bound, or violating a card
    constraint) are dropped and listed in ``Plan.dropped``, never clipped.

    Raises:
        InputError: unknown names, invalid base hyperparameters, bad plans.
    """
    cat = cards or suite_catalog(suite)
    source = suite.source or "<suite>"
    check_size(suite, source)
    seeds = suite.seed_list()
    trials: list[Trial] = []
    configs: list[Config] = []
    dropped: list[dict[str, Any]] = []
    bases: dict[tuple[str, str], dict[str, Any]] = {}
    python_path = _python_path(suite, cat)
    envs = []
    for i, entry in enumerate(suite.env_entries()):
        env = cat.env(entry.id, where=f"{source}: envs[{i}]")
        if entry.threshold is not None and entry.threshold not in env.thresholds:
            raise UnknownNameError(
                f"threshold of env {env.name!r}",
                entry.threshold,
                env.thresholds,
                where=f"{source}: envs[{i}].threshold",
            )
        check_metrics(env, python_path, source, f"envs[{i}]")
        envs.append((entry, env))
    for a, agent_entry in enumerate(suite.agents):
        where = f"agents[{a}]"
        if isinstance(agent_entry.card, dict):
            card = parse_agent_card(agent_entry.card, f"{source}: {where}.card")
        else:
            card = cat.agent(agent_entry.card, where=f"{source}: {where}.card")
        label = suite.agent_label(a)
        check_entry(card, python_path, source, f"{where}.card")
        overrides = _coerce_all(card, agent_entry.hparams, f"{where}.hparams", source)
        validator = load_validator(card, python_path)
        for entry, env in envs:
            base = _coerce_all(card, card.defaults(env.name), f"per_env.{env.name}", card.path)
            base.update(overrides)
            for name, spec in card.hparams.items():
                if base.get(name) is None and spec.default_from_env:
                    base[name] = _env_default(spec.default_from_env, env, card, name)
            broken = card.check_constraints(base)
            if broken:
                raise SpecError(
                    f"the base config of agent {label!r} on {env.name} violates {broken[0]}",
                    source,
                    f"{where}.hparams",
                )
            bases[(label, env.name)] = dict(base)
            seen: set[str] = set()
            for changes, perturbation in _variants(card, base, agent_entry.perturb, where, source):
                hp = dict(base)
                reason = None
                for name, value in changes.items():
                    try:
                        hp[name] = card.hparams[name].coerce(
                            value, f"{where}.perturb.{name}", source
                        )
                    except SpecError as exc:
                        reason = exc.detail.replace(
                            " is not allowed", f" for {name} is not allowed"
                        )
                        break
                if reason is None:
                    broken = card.check_constraints(hp)
                    reason = f"violates {broken[0]}" if broken else None
                if reason is not None:
                    dropped.append(
                        {
                            "agent": label,
                            "env": env.name,
                            "perturbation": perturbation,
                            "reason": reason,
                        }
                    )
                    continue
                if validator is not None:
                    try:
                        validator(hp, env.name)
                    except SpecError as exc:
                        path = f"{where}.{exc.path}" if exc.path else where
                        raise SpecError(f"{exc.detail} (on {env.name})", source, path) from None
                cid = config_id(card.name, hp)
                if cid in seen:
                    dropped.append(
                        {
                            "agent": label,
                            "env": env.name,
                            "perturbation": perturbation,
                            "reason": f"same config as an earlier one ({cid})",
                        }
                    )
                    continue
                seen.add(cid)
                configs.append(Config(label, card.name, env.name, cid, hp, perturbation))
                budget = entry.budget or suite.budget
                ev = entry.eval or suite.eval  # checked against the budget by the Suite
                horizon = entry.horizon or env.horizon
                threshold = env.threshold(entry.threshold)
                for seed in seeds:
                    identity = {
                        "protocol": PROTOCOL_VERSION,
                        "card": card.name,
                        "entry": card.entry,
                        "hparams": hp,
                        "env": env.gym_id,
                        "make_kwargs": env.make_kwargs,
                        "horizon": horizon,
                        "seed": seed,
                        "budget": budget.steps,
                        "eval": [ev.every, ev.episodes],
                        "device": suite.device,
                    }
                    trials.append(
                        Trial(
                            trial_id=_trial_hash(identity, source, where),
                            agent=label,
                            card=card.name,
                            entry=card.entry,
                            config_id=cid,
                            hparams=hp,
                            perturbation=perturbation,
                            env=env.name,
                            gym_id=env.gym_id,
                            horizon=horizon,
                            make_kwargs=dict(env.make_kwargs),
                            threshold=threshold,
                            seed=seed,
                            budget_steps=budget.steps,
                            eval_every=ev.every,
                            eval_episodes=ev.episodes,
                            device=suite.device,
                            python_path=python_path,
                            metrics=tuple(sorted(env.metrics.items())),
                            batch_entry=card.batch_entry,
                            batch_seeds=card.batch_seeds,
                            clip_actions=card.evaluation_clips(hp),
                        )
                    )
    ids = [t.trial_id for t in trials]
    if len(set(ids)) != len(ids):
        raise InputError(
            f"{source}: two agents of the suite describe the same trials (same card and "
            "hyperparameters); remove one"
        )
    return Plan(suite=suite, trials=trials, configs=configs, dropped=dropped, bases=bases)


def _python_path(suite: Suite, cards: Catalog) -> tuple[str, ...]:
    """Folders from which a user's agent module can be imported in workers: the
    current folder, the suite's folder, its ``cards:`` and the catalog's folders
    (``--cards DIR``)."""
    paths = [str(Path.cwd())]
    if suite.source and not suite.source.startswith("<"):
        paths.append(str(Path(suite.source).resolve().parent))
    paths += list(suite.card_dirs()) + [str(d) for d in cards.extra_dirs]
    return tuple(dict.fromkeys(paths))


def _trial_hash(identity: dict[str, Any], source: str, where: str) -> str:
    try:
        return short_hash(identity, 16)
    except (TypeError, ValueError):  # not JSON: a date, a non-finite number, ...
        raise SpecError(
            "a value of this agent or its env card is not plain data (numbers, text, "
            "true/false, lists, mappings with text keys)",
            source,
            where,
        ) from None
