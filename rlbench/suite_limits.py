"""Checks of a suite against ``rlbench.limits`` and the import path, made while
it is expanded and before anything runs; and the loading of cards' validators."""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable, Mapping
from typing import Any

from rlbench import limits
from rlbench.cards import AgentCard, EnvCard
from rlbench.entries import entry_problem
from rlbench.errors import InputError, SpecError, excerpt
from rlbench.plans import AbsolutePlan, OneAtATime, RandomPlan
from rlbench.spec import Suite


def check_grid_lists(grid: Mapping[str, Any], where: str, source: str) -> None:
    """A grid (flattened to the card's names) lists values for each hyperparameter."""
    for name, listed in grid.items():
        if not isinstance(listed, list):
            raise SpecError(
                f"{name} is {excerpt(listed)}; a grid lists the values of each hyperparameter",
                source,
                f"{where}.values",
            )


def plan_size(plan: Any) -> int:
    """Configs a perturbation plan makes at most (before infeasible ones are dropped)."""
    if plan is None:
        return 1
    base = int(bool(getattr(plan, "include_base", False)))
    if isinstance(plan, OneAtATime):
        return base + len(plan.params) * len(plan.factors)
    if isinstance(plan, (RandomPlan, AbsolutePlan)) and plan.n is not None:
        return base + plan.n

    def points(values: Mapping[str, Any]) -> int:
        return math.prod(points(v) if isinstance(v, dict) else len(v) for v in values.values())

    return base + points(plan.values)


def check_size(suite: Suite, source: str) -> None:
    """Refuse, before building anything, a plan or a suite beyond ``rlbench.limits``."""
    total = 0
    for a, agent in enumerate(suite.agents):
        configs = plan_size(agent.perturb)
        if configs > limits.MAX_CONFIGS:
            raise SpecError(
                f"the plan makes {configs:,} configs; an agent's plan is limited to "
                f"{limits.MAX_CONFIGS:,}",
                source,
                f"agents[{a}].perturb",
            )
        total += configs * len(suite.envs) * len(suite.seed_list())
    if total > limits.MAX_TRIALS:
        raise InputError(
            f"{source}: the suite expands to up to {total:,} trials (agents × envs × configs "
            f"× seeds); a suite is limited to {limits.MAX_TRIALS:,}: split it into several"
        )


def check_entry(card: AgentCard, python_path: tuple[str, ...], source: str, where: str) -> None:
    """Refuse a card whose entry (or validator) cannot be found, without importing it."""
    for key in ("entry", "validator"):
        target = getattr(card, key)
        problem = entry_problem(target, python_path) if target else None
        if problem is not None:
            card_file = f" ({card.path})" if card.path and ": " not in card.path else ""
            raise SpecError(
                f"agent card {card.name!r}{card_file}: {key} {target!r} cannot be imported: "
                f"{problem}; put the module in a --cards folder or on PYTHONPATH",
                source,
                where,
            )


def check_metrics(env: EnvCard, python_path: tuple[str, ...], source: str, where: str) -> None:
    """Refuse an env card whose extra evaluation metrics cannot be found."""
    for name, target in env.metrics.items():
        problem = entry_problem(target, python_path)
        if problem is not None:
            raise SpecError(
                f"env card {env.name!r} ({env.path}): metric {name!r} {target!r} cannot be "
                f"imported: {problem}",
                source,
                where,
            )


def load_validator(
    card: AgentCard, python_path: tuple[str, ...]
) -> Callable[[Mapping[str, Any], str], None] | None:
    """Import a card's validator, from the folders its trials import from (a user's
    validator lives beside the agent, in a --cards folder)."""
    if not card.validator:
        return None
    module, _, attr = card.validator.partition(":")
    added = [p for p in python_path if p not in sys.path]
    sys.path.extend(added)
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise SpecError(
            f"validator {card.validator!r} cannot be loaded ({exc})", card.path
        ) from None
    finally:
        for folder in added:
            sys.path.remove(folder)
