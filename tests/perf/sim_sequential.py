"""Simulation: AdaStop's error rate and seeds used, against a fixed design of equal power.

Runs rlbench's own sequential decisions (``rlbench.stopping.decide``, the
code a study uses, with the adastop package inside) on synthetic studies
whose scores are normal with unit standard deviation:

- null: ``--agents`` agents with the same mean; the family-wise error rate is
  the fraction of studies that declare any pair different (target <= alpha,
  shown with its Wilson 95% interval);
- effect: two agents whose means differ by ``--effect`` sigma; the power is the
  fraction of studies that declare the better agent larger, and the seeds used
  are compared with the fixed design that reaches the same power with
  Welch's two-sided t-test (``rlbench.stats.welch_power``).

Run as a script: ``python tests/perf/sim_sequential.py [--studies N] [--workers W]``.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from rlbench import sequential, stopping
from rlbench.spec import parse_suite
from rlbench.stats import welch_power
from rlbench.suite_compiler import expand
from tests.conftest import CARDS


def plan_for(n_agents: int, batch: int, max_seeds: int, alpha: float, perms: int, seed: int):
    agents = [
        {"card": "constant", "name": f"a{i}", "hparams": {"action": i}} for i in range(n_agents)
    ]
    rule = {"batch": batch, "max": max_seeds, "alpha": alpha, "permutations": perms, "seed": seed}
    return expand(parse_suite({
        "name": "sim", "envs": ["CartPole-v1"], "agents": agents, "cards": [str(CARDS)],
        "seeds": {"sequential": rule}, "budget": {"steps": 200},
        "eval": {"every": 200, "episodes": 1},
    }))  # fmt: skip


def one_study(args: tuple) -> tuple[bool, bool, int]:
    """(any pair declared different, better agent declared larger, seeds used in all)."""
    n_agents, means, batch, max_seeds, alpha, perms, index = args
    plan = plan_for(n_agents, batch, max_seeds, alpha, perms, seed=index)
    rng = np.random.default_rng([index, 7])
    rows = [
        {"trial_id": t.trial_id, "agent": t.agent, "env": t.env, "config_id": t.config_id,
         "seed": t.seed, "status": "done", "error": None,
         "final_return": rng.normal(means[int(t.agent[1:])], 1.0)}
        for t in plan.trials
    ]  # fmt: skip
    state = stopping.decide(plan, pd.DataFrame(rows))
    rows_ = sequential.decision_rows(state)
    different = any(r["decision"] in ("larger", "smaller") for r in rows_)
    # a0 has the lower mean in the effect studies: "a0 vs a1" is then "smaller"
    correct = rows_[0]["decision"] == "smaller"
    used = sum(state["stages"][-1]["envs"]["CartPole-v1"]["seeds_per_arm"].values())
    return different, correct, used


def wilson(k: int, n: int) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(method="wilson")
    return ci.low, ci.high


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--effect-studies", type=int, default=500)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--effect", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--max", type=int, default=30)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--permutations", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    common = (args.batch, args.max, args.alpha, args.permutations)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        null = list(pool.map(one_study, [
            (args.agents, [0.0] * args.agents, *common, i) for i in range(args.studies)
        ], chunksize=8))  # fmt: skip
        effect = list(pool.map(one_study, [
            (2, [0.0, args.effect], *common, 10**6 + i) for i in range(args.effect_studies)
        ], chunksize=8))  # fmt: skip
    errors = sum(d for d, _, _ in null)
    power = sum(c for _, c, _ in effect) / len(effect)
    seeds_per_agent = float(np.mean([u for _, _, u in effect])) / 2
    # the smallest fixed N whose Welch power reaches AdaStop's measured power
    # (capped at 0.999: a measured power of 1 is not an exact 1)
    grid = np.arange(2, 500)
    reach = welch_power(grid, args.effect, 1.0, alpha=args.alpha) >= min(power, 0.999)
    fixed = int(grid[np.argmax(reach)])
    result = {
        "studies": {"null": args.studies, "effect": args.effect_studies},
        "null": {"agents": args.agents, "fwer": errors / len(null),
                 "fwer_wilson95": wilson(errors, len(null))},
        "effect": {"sigma": args.effect, "power": power,
                   "power_wilson95": wilson(sum(c for _, c, _ in effect), len(effect)),
                   "mean_seeds_per_agent": seeds_per_agent,
                   "fixed_design_seeds_per_agent": fixed,
                   "saving": 1 - seeds_per_agent / fixed},
        "rule": {"batch": args.batch, "max": args.max, "alpha": args.alpha,
                 "permutations": args.permutations},
        "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
