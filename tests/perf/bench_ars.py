"""Throughput of rlbench's ARS against the bare env and sb3-contrib's ARS.

Measures, in one process and one run, env steps per second of
  (a) one env stepped in a tight loop by a fixed linear policy (matvec + clip
      on ``env.unwrapped``, resets at termination / horizon): the floor;
  (b) rlbench ARS training (``rlbench.algos.ars.train``);
  (c) ``sb3_contrib.ARS`` (LinearPolicy, zero_policy) with the same n_delta,
      n_top, learning_rate, delta_std, alive_bonus_offset;
  (e) the share of (b)'s wall time spent inside env.reset/env.step (the
      direct measure of ARS's own overhead; see ``env_share``);
  (d) a lockstep prototype: the 2N rollouts of one iteration stepped
      together, actions from one batched einsum (the design ARS did not take);
on Swimmer-v5, Hopper-v5 and Pendulum-v1. Targets: (b)/(a) >= 0.9, (b)/(c) >= 3.

Run: ``python tests/perf/bench_ars.py [--steps 50000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from rlbench.algos import ars
from tests.algos.test_ars import FakeContext

SETTINGS: dict[str, dict[str, Any]] = {
    "Swimmer-v5": dict(
        variant="V1", step_size=0.02, noise=0.01, n_directions=1, top_directions=1, shift=0.0
    ),
    "Hopper-v5": dict(
        variant="V1-t", step_size=0.01, noise=0.025, n_directions=8, top_directions=4, shift=1.0
    ),
    "Pendulum-v1": dict(
        variant="V1-t", step_size=0.02, noise=0.05, n_directions=4, top_directions=1, shift=0.0
    ),
}


def horizon_of(env_id: str) -> int:
    spec = gym.spec(env_id)
    assert spec.max_episode_steps is not None
    return spec.max_episode_steps


def raw_loop(env_id: str, steps: int) -> float:
    env = gym.make(env_id).unwrapped
    horizon = horizon_of(env_id)
    rng = np.random.default_rng(0)
    matrix = 0.01 * rng.standard_normal((env.action_space.shape[0], env.observation_space.shape[0]))
    low, high = env.action_space.low.astype(float), env.action_space.high.astype(float)
    dot, step = matrix.dot, env.step
    start = time.perf_counter()
    obs, _ = env.reset(seed=0)
    t = 0
    for _ in range(steps):
        action = dot(obs)
        np.maximum(action, low, out=action)
        np.minimum(action, high, out=action)
        obs, _, terminated, _, _ = step(action)
        t += 1
        if terminated or t == horizon:
            obs, _ = env.reset()
            t = 0
    return steps / (time.perf_counter() - start)


def rlbench_ars(env_id: str, steps: int, variant: str | None = None) -> float:
    hp = dict(SETTINGS[env_id])
    if variant:
        hp["variant"] = variant
    ctx = FakeContext(env_id, hp, steps, horizon_of(env_id), steps)
    start = time.perf_counter()
    ars.train(ctx)
    return ctx.raw_calls[-1][0] / (time.perf_counter() - start)


class _TimedEnv:
    """Forwards reset/step to an env and adds up the seconds spent inside them."""

    def __init__(self, env: Any):
        self.env, self.seconds = env, 0.0

    def reset(self, **kwargs: Any) -> Any:
        start = time.perf_counter()
        out = self.env.reset(**kwargs)
        self.seconds += time.perf_counter() - start
        return out

    def step(self, action: Any) -> Any:
        start = time.perf_counter()
        out = self.env.step(action)
        self.seconds += time.perf_counter() - start
        return out


def env_share(env_id: str, steps: int) -> float:
    """Fraction of rlbench ARS wall time spent inside env.reset/env.step.

    (a) steps a fixed policy, but a MuJoCo step's cost depends on the state the
    policy drives the body into (Swimmer: ~18k to ~25k steps/s for the same
    code with different M), so (b)/(a) also measures a different workload; this
    share measures ARS's own overhead directly.
    """
    timed: list[_TimedEnv] = []
    original = ars._fast_env

    def patched(env: Any) -> Any:
        timed.append(_TimedEnv(original(env)))
        return timed[-1]

    ars._fast_env = patched
    try:
        ctx = FakeContext(env_id, dict(SETTINGS[env_id]), steps, horizon_of(env_id), steps)
        start = time.perf_counter()
        ars.train(ctx)
        total = time.perf_counter() - start
    finally:
        ars._fast_env = original
    return timed[0].seconds / total


def sb3_ars(env_id: str, steps: int) -> float:
    import torch
    from sb3_contrib import ARS

    torch.set_num_threads(1)
    hp = SETTINGS[env_id]
    model = ARS(
        "LinearPolicy",
        gym.make(env_id),
        n_delta=hp["n_directions"],
        n_top=hp["top_directions"],
        learning_rate=hp["step_size"],
        delta_std=hp["noise"],
        zero_policy=True,
        alive_bonus_offset=-hp["shift"],
        seed=0,
        device="cpu",
    )
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    return model.num_timesteps / (time.perf_counter() - start)


def lockstep(env_id: str, steps: int) -> float:
    """2N envs stepped together; one einsum per step for all actions."""
    hp = SETTINGS[env_id]
    count = 2 * hp["n_directions"]
    envs = [gym.make(env_id).unwrapped for _ in range(count)]
    horizon = horizon_of(env_id)
    act_dim, obs_dim = envs[0].action_space.shape[0], envs[0].observation_space.shape[0]
    low, high = envs[0].action_space.low.astype(float), envs[0].action_space.high.astype(float)
    rng = np.random.default_rng(0)
    done_steps = 0
    start = time.perf_counter()
    while done_steps < steps:
        matrices = 0.01 * rng.standard_normal((count, act_dim, obs_dim))
        obs = np.stack([env.reset()[0] for env in envs]).astype(float)
        alive = list(range(count))
        for _ in range(horizon):
            actions = np.einsum("kao,ko->ka", matrices[alive], obs[alive])
            np.clip(actions, low, high, out=actions)
            still = []
            for row, k in enumerate(alive):
                o, _, terminated, _, _ = envs[k].step(actions[row])
                obs[k] = o
                done_steps += 1
                if not terminated:
                    still.append(k)
            alive = still
            if not alive:
                break
    return done_steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument(
        "--repeats", type=int, default=3, help="(a), (b), (d) repeats; median reported"
    )
    parser.add_argument("--envs", nargs="*", default=list(SETTINGS))
    args = parser.parse_args()
    print(
        f"env steps/s, median of {args.repeats} for (a) (b) (d), 1 run for (c); "
        f"{args.steps} steps each"
    )
    for env_id in args.envs:
        a, b, d = [], [], []
        for _ in range(args.repeats):  # interleaved, so load changes hit all alike
            a.append(raw_loop(env_id, args.steps))
            b.append(rlbench_ars(env_id, args.steps))
            d.append(lockstep(env_id, args.steps))
        c = sb3_ars(env_id, args.steps)
        share = env_share(env_id, args.steps)
        ma, mb, md = statistics.median(a), statistics.median(b), statistics.median(d)
        v2 = rlbench_ars(
            env_id,
            args.steps,
            variant="V2-t"
            if SETTINGS[env_id]["top_directions"] < SETTINGS[env_id]["n_directions"]
            else "V2",
        )
        print(
            f"{env_id:12s} (a) raw {ma:8.0f}  (b) rlbench {mb:8.0f}  (c) sb3 {c:7.0f}  "
            f"(d) lockstep {md:8.0f}  | b/a {mb / ma:.2f}  b/c {mb / c:.1f}  d/b {md / mb:.2f}  "
            f"| rlbench V2 variant {v2:8.0f} ({v2 / ma:.2f} of a) "
            f"| env share of (b) wall time {share:.1%}"
        )


if __name__ == "__main__":
    main()
