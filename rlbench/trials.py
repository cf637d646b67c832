"""Configs and trials, and their ids (`rlbench.suite_compiler` builds them from a suite).

A *config* is one concrete hyperparameter assignment of one agent card; its id
is a short hash of the canonical (sorted, typed) assignment, so the same config
has the same id in every suite. A *trial* is (agent, config, env, seed); its id
hashes everything that determines its result, so a resumed or grown suite skips
exactly the trials already done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rlbench.errors import SpecError
from rlbench.evalgrid import EvalGrid, eval_grid
from rlbench.protocol import PROTOCOL_VERSION

if TYPE_CHECKING:
    from rlbench.spec import Suite


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


def trial_id(identity: dict[str, Any], source: str, where: str) -> str:
    """The id of a trial: a hash of what determines its result, with the protocol version.

    ``identity``: card name and entry, hyperparameters, the env's Gymnasium id,
    ``make_kwargs`` and horizon, seed, budget, evaluation and device.

    Raises:
        SpecError: a value that is not plain data, at ``where`` in ``source``.
    """
    try:
        return short_hash({"protocol": PROTOCOL_VERSION, **identity}, 16)
    except (TypeError, ValueError):  # not JSON: a date, a non-finite number, ...
        raise SpecError(
            "a value of this agent or its env card is not plain data (numbers, text, "
            "true/false, lists, mappings with text keys)",
            source,
            where,
        ) from None
