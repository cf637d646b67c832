"""The study a results folder holds: what must not change between runs into it.

A folder's records are pooled by agent, env, config and seed, so two records of
one seed must come from the same settings. The *study* of a plan is everything
that decides a record apart from which seeds, configs, agents and envs there
are (those may grow between runs):

- per env: the Gymnasium id and its arguments, the horizon, the threshold, the
  budget and the evaluation protocol (after per-env overrides);
- per agent label: the card, its entry point and the base hyperparameters on
  each env (card defaults, per-env defaults and the suite's overrides);
- rlbench's trial protocol version and the device.

Stored in ``manifest.json`` as a JSON mapping::

    {"protocol": 1, "device": "cpu",
     "envs": {"Pendulum-v1": {"gym_id": ..., "budget.steps": 400, ...}},
     "agents": {"ars": {"card": "ars", "entry": ..., "base": {"Pendulum-v1": {...}}}}}

A key absent on one side (an env or agent added, a field unknown to a folder
made before studies were stored) is not a change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rlbench.trials import Plan

Study = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One difference between two studies.

    Attributes:
        text: for people, e.g. ``Pendulum-v1: budget.steps 400 -> 800``.
        agent: the agent label it concerns (None: every agent).
        env: the env it concerns (None: every env).
    """

    text: str
    agent: str | None = None
    env: str | None = None

    def affects(self, agent: str, env: str) -> bool:
        """Whether a record of ``agent`` on ``env`` was made under the changed setting."""
        return self.agent in (None, agent) and self.env in (None, env)


def _json(value: Any) -> Any:
    """The value as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value, sort_keys=True))


def study_of(plan: Plan) -> Study:
    """The study of an expanded suite (see the module docstring)."""
    from rlbench.protocol import PROTOCOL_VERSION

    envs: dict[str, Any] = {}
    agents: dict[str, Any] = {}
    for t in plan.trials:
        envs.setdefault(
            t.env,
            {
                "gym_id": t.gym_id,
                "make_kwargs": t.make_kwargs,
                "horizon": t.horizon,
                "threshold": t.threshold,
                "budget.steps": t.budget_steps,
                "eval.every": t.eval_every,
                "eval.episodes": t.eval_episodes,
            },
        )
        agents.setdefault(t.agent, {"card": t.card, "entry": t.entry, "base": {}})
    for (label, env), hparams in plan.bases.items():
        if label in agents and env in envs:
            agents[label]["base"][env] = hparams
    return _json(
        {"protocol": PROTOCOL_VERSION, "device": plan.suite.device, "envs": envs, "agents": agents}
    )


def study_of_records(records: Iterable[dict[str, Any]]) -> Study:
    """What can be told of the study from its records alone (for folders made before
    studies were stored): per env the budget, evaluation and threshold; per agent its
    card and the hyperparameters of its base config."""
    envs: dict[str, Any] = {}
    agents: dict[str, Any] = {}
    for rec in records:
        envs.setdefault(
            rec["env"],
            {
                "threshold": rec["threshold"],
                "budget.steps": rec["budget_steps"],
                "eval.every": rec["eval_every"],
                "eval.episodes": rec["eval_episodes"],
            },
        )
        agent = agents.setdefault(rec["agent"], {"card": rec["card"], "base": {}})
        if rec["perturbation"].get("kind", "base") == "base":
            agent["base"].setdefault(rec["env"], rec["hparams"])
    return _json({"envs": envs, "agents": agents})


def _show(value: Any) -> str:
    if value is None:
        return "none"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:59] + "…"


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, "old -> new") for each field present on both sides with different values."""
    return [
        (key, f"{_show(old[key])} -> {_show(new[key])}")
        for key in sorted(old.keys() & new.keys())
        if old[key] != new[key]
    ]


def study_changes(old: Study | None, new: Study) -> list[Change]:
    """What ``new`` changes of ``old``; empty when every record of one fits the other."""
    if not old:
        return []
    changes = [
        Change(f"{key} {diff}")
        for key, diff in _field_changes(
            {k: old[k] for k in ("protocol", "device") if k in old},
            {k: new[k] for k in ("protocol", "device") if k in new},
        )
    ]
    old_envs, new_envs = old.get("envs", {}), new.get("envs", {})
    for env in sorted(old_envs.keys() & new_envs.keys()):
        for key, diff in _field_changes(old_envs[env], new_envs[env]):
            changes.append(Change(f"{env}: {key} {diff}", env=env))
    old_agents, new_agents = old.get("agents", {}), new.get("agents", {})
    for label in sorted(old_agents.keys() & new_agents.keys()):
        was, now = old_agents[label], new_agents[label]
        fields = {k: v for k, v in was.items() if k != "base"}
        for key, diff in _field_changes(fields, {k: v for k, v in now.items() if k != "base"}):
            changes.append(Change(f"agent {label!r}: {key} {diff}", agent=label))
        was_base, now_base = was.get("base", {}), now.get("base", {})
        for env in sorted(was_base.keys() & now_base.keys()):
            names = sorted(was_base[env].keys() | now_base[env].keys())
            missing = object()
            for name in names:
                before, after = was_base[env].get(name, missing), now_base[env].get(name, missing)
                if before != after:
                    shown = ["(unset)" if v is missing else _show(v) for v in (before, after)]
                    text = f"agent {label!r} on {env}: {name} {shown[0]} -> {shown[1]}"
                    changes.append(Change(text, agent=label, env=env))
    return changes


def merge_studies(old: Study | None, new: Study) -> Study:
    """The study of a folder after a run of ``new`` into it: envs and agents of both,
    ``new``'s settings where both name one."""
    if not old:
        return new
    merged: Study = {**old, **{k: v for k, v in new.items() if k not in ("envs", "agents")}}
    merged["envs"] = {**old.get("envs", {}), **new.get("envs", {})}
    agents = {label: dict(agent) for label, agent in old.get("agents", {}).items()}
    for label, agent in new.get("agents", {}).items():
        base = {**agents.get(label, {}).get("base", {}), **agent.get("base", {})}
        agents[label] = {**agents.get(label, {}), **agent, "base": base}
    merged["agents"] = agents
    return merged


def describe_changes(changes: list[Change], limit: int = 4) -> str:
    """The changes on one line, at most ``limit`` of them spelled out."""
    shown = "; ".join(c.text for c in changes[:limit])
    more = len(changes) - limit
    return shown + (f"; and {more} more" if more > 0 else "")
