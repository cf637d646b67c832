"""Can a suite's plan support the cross-env sensitivity analysis? (``run --dry-run``)

The analysis (`rlbench.sensitivity.across_envs`) compares tuning per env with
one config tuned across envs, so each agent needs several envs, several configs,
and configs whose swept hyperparameters take the same values on every env. A
factor plan (one-at-a-time) scales each env's own defaults and, where those
differ, gives no config in common; an absolute plan (``plan: absolute``, or
``plan: grid``) does.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from rlbench.trials import Plan


def _key(hparams: dict[str, Any], names: list[str]) -> str:
    return json.dumps([hparams.get(n) for n in names], default=str)


def cross_env_support(plan: Plan) -> list[str]:
    """One line per agent: whether, and why (not), the cross-env analysis applies."""
    configs: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    kinds: dict[str, set[str]] = defaultdict(set)
    for c in plan.configs:
        configs[c.agent][c.env].append(c.hparams)
        kinds[c.agent].add(c.perturbation.get("kind", "base"))
    lines = []
    for agent, by_env in configs.items():
        envs = sorted(by_env)
        names = sorted(
            {n for hps in by_env.values() for hp in hps for n in hp
             if len({json.dumps(h.get(n), default=str) for h in hps}) > 1}
        )  # fmt: skip
        prefix = f"cross-env analysis, {agent}:"
        if len(envs) < 2:
            lines.append(f"{prefix} not supported: one env ({envs[0]}); it needs several")
            continue
        if not names:
            lines.append(f"{prefix} not supported: one config per env, nothing is tuned")
            continue
        keys = {env: {_key(hp, names) for hp in hps} for env, hps in by_env.items()}
        shared = set.intersection(*keys.values())
        most = max(len(k) for k in keys.values())
        if not shared:
            why = (
                "factors scale each env's own defaults" if "one-at-a-time" in kinds[agent]
                else "the configs' values differ between envs"
            )  # fmt: skip
            lines.append(
                f"{prefix} not supported: no config has the same {', '.join(names)} on every "
                f"env ({why}); use plan: absolute (or grid) for values shared by all envs"
            )
        elif len(shared) < 2:
            lines.append(f"{prefix} not supported: only one config is shared by every env")
        else:
            dropped = f"; {most - len(shared)} run on some envs only" if len(shared) < most else ""
            fixed = sorted(
                {n for hps in by_env.values() for n in hps[0] if n not in names}
                - {n for n in by_env[envs[0]][0] if n not in names
                   and len({json.dumps(by_env[e][0].get(n), default=str) for e in envs}) == 1}
            )  # fmt: skip
            if fixed:
                dropped += (
                    f"; {', '.join(fixed)} differ between envs (per-env defaults) and count "
                    "as part of each env"
                )
            seeds = len(plan.suite.seed_list())
            ci = "" if seeds > 1 else "; one seed: no intervals"
            lines.append(
                f"{prefix} supported: {len(shared)} configs of {', '.join(names)} shared by "
                f"{len(envs)} envs{dropped}{ci}"
            )
    return lines
