"""Overhead of the SB3 adapter against plain SB3, same config, same process.

Run: ``python tests/perf/bench_sb3.py [--steps 3000] [--repeats 3]``.

For each env, trains DDPG (rl-baselines3-zoo's MuJoCo/Pendulum network, 400-300,
batch 256, learning_starts 100) through ``rlbench.algos.sb3.ddpg`` and directly
with ``DDPG.learn`` plus a plain callback doing the same evaluations at the same
steps. Runs alternate and the fastest of ``--repeats`` counts, so machine noise
hits both sides alike. Target: adapter overhead <= 5 %.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DDPG
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.noise import NormalActionNoise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "algos"))
from test_sb3 import FakeContext, evaluate  # the tests' protocol-only context

from rlbench.algos import sb3

HPARAMS = {
    "learning_rate": 1e-3,
    "buffer_size": 100_000,
    "learning_starts": 100,
    "batch_size": 256,
    "train_freq": 1,
    "gradient_steps": 1,
    "action_noise": {"type": "normal", "sigma": 0.1},
    "policy_kwargs.net_arch": [400, 300],
}


Timing = tuple[float, float]
"""(wall seconds, CPU seconds of this process)."""


def clock() -> Timing:
    return time.perf_counter(), time.process_time()


def since(start: Timing) -> Timing:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def run_adapter(
    env_id: str, steps: int, eval_every: int, horizon: int
) -> tuple[Timing, list[float]]:
    ctx = FakeContext(
        env_id, HPARAMS, budget_steps=steps, eval_every=eval_every, horizon=horizon, eval_episodes=1
    )
    start = clock()
    sb3.ddpg(ctx)
    return since(start), [r for *_, r in ctx.evaluations]


def run_plain(env_id: str, steps: int, eval_every: int, horizon: int) -> tuple[Timing, list[float]]:
    ctx = FakeContext(
        env_id, HPARAMS, budget_steps=steps, eval_every=eval_every, horizon=horizon, eval_episodes=1
    )
    start = clock()
    torch.set_num_threads(1)
    env = gym.make(env_id, max_episode_steps=horizon)
    n_actions = int(np.prod(env.action_space.shape))
    model = DDPG(
        "MlpPolicy",
        env,
        learning_rate=1e-3,
        buffer_size=100_000,
        learning_starts=100,
        batch_size=256,
        train_freq=1,
        gradient_steps=1,
        action_noise=NormalActionNoise(np.zeros(n_actions), 0.1 * np.ones(n_actions)),
        policy_kwargs={"net_arch": [400, 300]},
        seed=ctx.int_seed("agent_init"),
        device="cpu",
    )
    model.get_env().seed(ctx.env_seed())

    def policy(obs: np.ndarray) -> Any:
        return model.predict(obs, deterministic=True)[0]

    returns = [evaluate(policy, ctx.eval_env, ctx.eval_seeds)]

    class Evaluations(BaseCallback):
        def _on_step(self) -> bool:
            if self.num_timesteps % eval_every == 0:
                returns.append(evaluate(policy, ctx.eval_env, ctx.eval_seeds))
            return True

    model.learn(total_timesteps=steps, callback=Evaluations())
    return since(start), returns


def callback_cost_us(calls: int = 200_000) -> float:
    """Cost of one ``ProtocolCallback._on_step`` with nothing due (microseconds)."""
    ctx = FakeContext("Pendulum-v1", {}, budget_steps=10**9, eval_every=10**9)
    ctx.pending = [10**9]
    callback = sb3.ProtocolCallback(ctx, policy=lambda obs: obs)
    callback.locals = {"actions": np.zeros((1, 1), np.float32), "dones": np.zeros(1, bool)}
    callback.num_timesteps = 1
    callback.next_parameter_check = 10**9
    start = time.perf_counter()
    for _ in range(calls):
        callback._on_step()
    return 1e6 * (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    eval_every = args.steps // 3
    print(f"callback, nothing due: {callback_cost_us():.2f} us per env step")
    print(
        f"DDPG 400-300, batch 256, {args.steps} env steps, 4 evaluations of 1 episode, "
        f"fastest of {args.repeats}; overhead on CPU time (robust to other load)"
    )
    for env_id, horizon in (("Pendulum-v1", 200), ("HalfCheetah-v5", 1000)):
        adapter_runs, plain_runs = [], []
        for _ in range(args.repeats):
            timing, adapter_returns = run_adapter(env_id, args.steps, eval_every, horizon)
            adapter_runs.append(timing)
            timing, plain_returns = run_plain(env_id, args.steps, eval_every, horizon)
            plain_runs.append(timing)
            assert adapter_returns == plain_returns, (adapter_returns, plain_returns)
        adapter_wall, adapter_cpu = min(w for w, _ in adapter_runs), min(c for _, c in adapter_runs)
        plain_wall, plain_cpu = min(w for w, _ in plain_runs), min(c for _, c in plain_runs)
        overhead = 100 * (adapter_cpu - plain_cpu) / plain_cpu
        print(
            f"{env_id:15s} adapter {args.steps / adapter_wall:5.0f} env steps/s "
            f"(wall {adapter_wall:5.1f} s, cpu {adapter_cpu:5.1f} s)  "
            f"plain SB3 {args.steps / plain_wall:5.0f} env steps/s "
            f"(wall {plain_wall:5.1f} s, cpu {plain_cpu:5.1f} s)  "
            f"overhead {overhead:+.1f} % of CPU time (target <= 5 %)"
        )


if __name__ == "__main__":
    main()
