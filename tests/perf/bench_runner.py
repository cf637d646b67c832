"""Benchmarks of the harness: overhead vs a plain loop, workers, --help, expand + load.

Run: python tests/perf/bench_runner.py

Prints, each measured in this run against a reference in the same run:
  * harness overhead per trial: run_trial (random agent) minus the same env
    stepping and evaluation episodes done in a plain loop;
  * throughput of 2 workers vs 1 on a 20-trial sweep;
  * `rlbench --help` wall time; expanding a 5,000-trial suite; loading 5,000
    records; peak driver memory (ru_maxrss).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def suite(seeds, steps, every=None, envs=("Pendulum-v1",), episodes=5, perturb=None):
    from rlbench.spec import parse_suite

    agent = {"card": "random"}
    if perturb:
        agent = {"card": perturb[0], "perturb": perturb[1]}
    return parse_suite(
        {
            "name": "bench",
            "envs": list(envs),
            "agents": [agent],
            "seeds": seeds,
            "budget": {"steps": steps},
            "eval": {"every": every or steps, "episodes": episodes},
        }
    )


def plain_loop(gym_id, steps, every, episodes, seed):
    """The reference: the same stepping and evaluation without rlbench."""
    import gymnasium as gym

    env = gym.make(gym_id)
    ev = gym.make(gym_id)
    env.action_space.seed(seed)
    env.reset(seed=seed)

    def evaluate():
        for i in range(episodes):
            ev.reset(seed=i)
            done = False
            while not done:
                _, _, t, tr, _ = ev.step(ev.action_space.sample())
                done = t or tr

    evaluate()
    for step in range(1, steps + 1):
        _, _, t, tr, _ = env.step(env.action_space.sample())
        if t or tr:
            env.reset()
        if step % every == 0:
            evaluate()


def overhead():
    from rlbench.runner import run_trial
    from rlbench.suite_compiler import expand

    steps, every, episodes = 2000, 1000, 2
    trials = expand(suite(10, steps, every, episodes=episodes)).trials
    run_trial(trials[0])  # warm imports
    t0 = time.perf_counter()
    for t in trials:
        run_trial(t)
    harness = (time.perf_counter() - t0) / len(trials)
    t0 = time.perf_counter()
    for i in range(len(trials)):
        plain_loop("Pendulum-v1", steps, every, episodes, i)
    plain = (time.perf_counter() - t0) / len(trials)
    print(
        f"per trial: run_trial {harness * 1000:.1f} ms, plain loop {plain * 1000:.1f} ms, "
        f"harness overhead {1000 * (harness - plain):.1f} ms (target <= 300 ms)"
    )


def workers_scaling():
    from rlbench.driver import run_suite

    s = suite(20, 30000, 10000, episodes=2)
    times = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            run_suite(s, Path(out), workers=workers, progress=False)
            times[workers] = time.perf_counter() - t0
    print(
        f"20-trial sweep: 1 worker {times[1]:.1f} s, 2 workers {times[2]:.1f} s, "
        f"throughput ratio {times[1] / times[2]:.2f}x (target >= 1.8x)"
    )


def cli_help():
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rlbench.cli", "--help"], capture_output=True, check=True
        )
        runs.append(time.perf_counter() - t0)
    print(f"rlbench --help: median {np.median(runs) * 1000:.0f} ms wall (target <= 500 ms)")


def expand_and_load():
    from rlbench.records import Curve, TrialRecord, provenance, summarize
    from rlbench.store import Store, load
    from rlbench.suite_compiler import expand

    big = suite(
        500,
        1000,
        100,
        perturb=(
            "ars",
            {
                "plan": "one-at-a-time",
                "params": ["step_size", "noise"],
                "factors": [0.25, 0.5, 2.0, 4.0, 8.0],
            },
        ),
    )
    t0 = time.perf_counter()
    plan = expand(big)
    t_expand = time.perf_counter() - t0
    trials = plan.trials[:5000]
    with tempfile.TemporaryDirectory() as out, Store(out) as store:
        for t in trials:
            curve = Curve(
                list(t.eval_steps),
                list(range(len(t.eval_steps))),
                [float(i) for i in range(len(t.eval_steps))],
                [0.0] * len(t.eval_steps),
                [0.0] * len(t.eval_steps),
            )
            rec = TrialRecord(
                t.trial_id,
                t.agent,
                t.card,
                t.env,
                t.config_id,
                t.seed,
                t.hparams,
                t.perturbation,
                t.budget_steps,
                t.eval_every,
                t.eval_episodes,
                t.threshold,
                "done",
                None,
                None,
                None,
                curve,
                summarize(curve, t.threshold),
                provenance(),
                0.0,
                1.0,
                1.0,
            )
            store.write_record(rec.to_dict())
        t0 = time.perf_counter()
        res = load(out)
        t_load = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"expand {len(plan.trials)} trials: {t_expand:.2f} s (target <= 2 s); "
        f"load {len(res.trials)} "
        f"records ({len(res.curves)} curve rows): {t_load:.2f} s (target <= 2 s); "
        f"driver peak RSS {rss:.0f} MB (target <= 300 MB)"
    )


if __name__ == "__main__":
    which = sys.argv[1:] or ["help", "expand", "overhead", "workers"]
    if "help" in which:
        cli_help()
    if "expand" in which:
        expand_and_load()
    if "overhead" in which:
        overhead()
    if "workers" in which:
        workers_scaling()
