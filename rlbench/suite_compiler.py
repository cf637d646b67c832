"""The suite compiler: a validated suite into its configs and trials, deterministically.

Compiling runs four named steps, each a function of its own:

1. `resolve_envs`: each env entry of the suite to its card (threshold and
   metrics checked);
2. `resolve_agent`: each agent entry to its card, its checked overrides and its
   validator;
3. `configs_for`: for one agent on one env, the base config (`base_config`)
   and the configs of its perturbation plan (`rlbench.perturbations`),
   infeasible ones dropped;
4. `trials_for`: one trial per seed of a config, each with its hashed id
   (`rlbench.trials.trial_id`).

Order: agents in suite order, then envs, then configs (base first), then seeds.
The ids and that order are what a resumed or grown suite relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlbench.cards import (
    AgentCard,
    Catalog,
    EnvCard,
    catalog,
    check_card_dir,
    parse_agent_card,
)
from rlbench.errors import InputError, SpecError, UnknownNameError
from rlbench.hparam_values import flatten_hparams
from rlbench.perturbations import plan_variants
from rlbench.plans import Perturb
from rlbench.spec import EnvEntry, Suite
from rlbench.suite_limits import (
    check_entry,
    check_metrics,
    check_size,
    load_validator,
)
from rlbench.trials import Config, Plan, Trial, config_id, trial_id


@dataclass(frozen=True)
class ResolvedAgent:
    """One agent entry of a suite with its card found and its overrides checked."""

    label: str
    card: AgentCard
    overrides: dict[str, Any]
    perturb: Perturb | None
    validator: Callable[[dict[str, Any], str], None] | None
    where: str
    """Its field path in the suite (``agents[i]``), for messages."""


@dataclass(frozen=True)
class ResolvedEnv:
    """One env entry of a suite with its card."""

    entry: EnvEntry
    card: EnvCard


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
    """Compile a suite into its trials (the steps are in the module docstring).

    Infeasible perturbed configs (outside a bound, or violating a card
    constraint) are dropped and listed in ``Plan.dropped``, never clipped.

    Raises:
        InputError: unknown names, invalid base hyperparameters, bad plans.
    """
    cat = cards or suite_catalog(suite)
    source = suite.source or "<suite>"
    check_size(suite, source)
    seeds = suite.seed_list()
    python_path = _python_path(suite, cat)
    envs = resolve_envs(suite, cat, python_path)
    plan = Plan(suite=suite, trials=[], configs=[])
    for index in range(len(suite.agents)):
        agent = resolve_agent(suite, index, cat, python_path)
        for env in envs:
            base = base_config(agent, env.card, source)
            plan.bases[(agent.label, env.card.name)] = dict(base)
            configs, dropped = configs_for(agent, env.card, base, source)
            plan.dropped += dropped
            for config in configs:
                plan.configs.append(config)
                plan.trials += trials_for(config, agent, env, suite, seeds, python_path)
    ids = [t.trial_id for t in plan.trials]
    if len(set(ids)) != len(ids):
        raise InputError(
            f"{source}: two agents of the suite describe the same trials (same card and "
            "hyperparameters); remove one"
        )
    return plan


def resolve_envs(suite: Suite, cat: Catalog, python_path: tuple[str, ...]) -> list[ResolvedEnv]:
    """The suite's env entries with their cards, thresholds and metrics checked."""
    source = suite.source or "<suite>"
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
        envs.append(ResolvedEnv(entry, env))
    return envs


def resolve_agent(
    suite: Suite, index: int, cat: Catalog, python_path: tuple[str, ...]
) -> ResolvedAgent:
    """Agent ``index`` of the suite: its card (named or inline), overrides and validator."""
    source = suite.source or "<suite>"
    entry = suite.agents[index]
    where = f"agents[{index}]"
    if isinstance(entry.card, dict):
        card = parse_agent_card(entry.card, f"{source}: {where}.card")
    else:
        card = cat.agent(entry.card, where=f"{source}: {where}.card")
    check_entry(card, python_path, source, f"{where}.card")
    overrides = coerce_hparams(card, entry.hparams, f"{where}.hparams", source)
    validator = load_validator(card, python_path)
    return ResolvedAgent(suite.agent_label(index), card, overrides, entry.perturb, validator, where)


def coerce_hparams(
    card: AgentCard, values: Mapping[str, Any], where: str, source: str
) -> dict[str, Any]:
    """``values`` (flat or SB3-nested) checked against the card, in canonical types."""
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


def base_config(agent: ResolvedAgent, env: EnvCard, source: str) -> dict[str, Any]:
    """The agent's base hyperparameters on one env: the card's defaults (per-env ones
    applied), the suite's overrides, then values taken from the env card.

    Raises:
        SpecError: the base config violates a card constraint.
    """
    card = agent.card
    base = coerce_hparams(card, card.defaults(env.name), f"per_env.{env.name}", card.path)
    base.update(agent.overrides)
    for name, spec in card.hparams.items():
        if base.get(name) is None and spec.default_from_env:
            base[name] = _env_default(spec.default_from_env, env, card, name)
    broken = card.check_constraints(base)
    if broken:
        raise SpecError(
            f"the base config of agent {agent.label!r} on {env.name} violates {broken[0]}",
            source,
            f"{agent.where}.hparams",
        )
    return base


def _env_default(spec_field: str, env: EnvCard, card: AgentCard, name: str) -> Any:
    if not hasattr(env, spec_field):
        raise SpecError(
            f"default_from_env names {spec_field!r}, which env cards do not have",
            card.path,
            f"hparams.{name}",
        )
    return getattr(env, spec_field)


def configs_for(
    agent: ResolvedAgent, env: EnvCard, base: dict[str, Any], source: str
) -> tuple[list[Config], list[dict[str, Any]]]:
    """The configs of one agent on one env, and the variants dropped (with the reason).

    A variant is dropped when a value falls outside the card's bounds, when it
    violates a card constraint, or when it repeats an earlier config.

    Raises:
        SpecError: the card's validator refuses a config.
    """
    card, where = agent.card, agent.where
    configs: list[Config] = []
    dropped: list[dict[str, Any]] = []
    seen: set[str] = set()
    for changes, perturbation in plan_variants(card, base, agent.perturb, where, source):
        hp, reason = _apply(card, base, changes, where, source)
        cid = ""
        if reason is None:
            _validate(agent, hp, env.name, source)
            cid = config_id(card.name, hp)
            reason = f"same config as an earlier one ({cid})" if cid in seen else None
        if reason is not None:
            dropped.append(
                {
                    "agent": agent.label,
                    "env": env.name,
                    "perturbation": perturbation,
                    "reason": reason,
                }
            )
            continue
        seen.add(cid)
        configs.append(Config(agent.label, card.name, env.name, cid, hp, perturbation))
    return configs, dropped


def _validate(agent: ResolvedAgent, hp: dict[str, Any], env_name: str, source: str) -> None:
    """Run the card's validator (if any) on a config; its error names the suite's field."""
    if agent.validator is None:
        return
    try:
        agent.validator(hp, env_name)
    except SpecError as exc:
        path = f"{agent.where}.{exc.path}" if exc.path else agent.where
        raise SpecError(f"{exc.detail} (on {env_name})", source, path) from None


def _apply(
    card: AgentCard, base: dict[str, Any], changes: dict[str, Any], where: str, source: str
) -> tuple[dict[str, Any], str | None]:
    """The base with a variant's changes; and why the result is infeasible, or None."""
    hp = dict(base)
    for name, value in changes.items():
        try:
            hp[name] = card.hparams[name].coerce(value, f"{where}.perturb.{name}", source)
        except SpecError as exc:
            return hp, exc.detail.replace(" is not allowed", f" for {name} is not allowed")
    broken = card.check_constraints(hp)
    return hp, (f"violates {broken[0]}" if broken else None)


def trials_for(
    config: Config,
    agent: ResolvedAgent,
    env: ResolvedEnv,
    suite: Suite,
    seeds: list[int],
    python_path: tuple[str, ...],
) -> list[Trial]:
    """One trial per seed of the suite, in seed order, for one config on one env."""
    card, entry = agent.card, env.entry
    budget = entry.budget or suite.budget
    ev = entry.eval or suite.eval  # checked against the budget by the Suite
    horizon = entry.horizon or env.card.horizon
    threshold = env.card.threshold(entry.threshold)
    trials = []
    for seed in seeds:
        identity = {
            "card": card.name,
            "entry": card.entry,
            "hparams": config.hparams,
            "env": env.card.gym_id,
            "make_kwargs": env.card.make_kwargs,
            "horizon": horizon,
            "seed": seed,
            "budget": budget.steps,
            "eval": [ev.every, ev.episodes],
            "device": suite.device,
        }
        trials.append(
            Trial(
                trial_id=trial_id(identity, suite.source or "<suite>", agent.where),
                agent=agent.label,
                card=card.name,
                entry=card.entry,
                config_id=config.config_id,
                hparams=config.hparams,
                perturbation=config.perturbation,
                env=env.card.name,
                gym_id=env.card.gym_id,
                horizon=horizon,
                make_kwargs=dict(env.card.make_kwargs),
                threshold=threshold,
                seed=seed,
                budget_steps=budget.steps,
                eval_every=ev.every,
                eval_episodes=ev.episodes,
                device=suite.device,
                python_path=python_path,
                metrics=tuple(sorted(env.card.metrics.items())),
                batch_entry=card.batch_entry,
                batch_seeds=card.batch_seeds,
                clip_actions=card.evaluation_clips(config.hparams),
            )
        )
    return trials


def _python_path(suite: Suite, cards: Catalog) -> tuple[str, ...]:
    """Folders from which a user's agent module can be imported in workers: the
    current folder, the suite's folder, its ``cards:`` and the catalog's folders
    (``--cards DIR``)."""
    paths = [str(Path.cwd())]
    if suite.source and not suite.source.startswith("<"):
        paths.append(str(Path(suite.source).resolve().parent))
    paths += list(suite.card_dirs()) + [str(d) for d in cards.extra_dirs]
    return tuple(dict.fromkeys(paths))
