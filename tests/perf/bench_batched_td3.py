"""Throughput of seed-batched TD3 against SB3's TD3, one thread, Pendulum-v1.

Run: ``python tests/perf/bench_batched_td3.py [--steps 200] [--seeds 1 4 16 64]
[--archs 64,64 400,300] [--algo td3]``.

Both sides run through rlbench's runner contexts in this process, one torch
thread, the zoo's Pendulum settings except ``learning_starts`` (50, so that
nearly every step trains) and ``buffer_size``; evaluations at step 0 and at the
budget only (1 episode each, K of them for a batch). Aggregate env steps per
CPU second: SB3 runs one trial at a time, so K SB3 trials on one core deliver
the one-trial rate; the batched learner delivers K · steps / CPU time of the
batch. The ratio is the speed-up of a batched worker over as many SB3 workers
on the same cores. CPU time (not wall time) keeps the ratio robust to other
load on a shared machine. The SB3 reference is measured before and after the
batched runs and the faster of the two counts. Targets at K = 16: >= 2.5x for
[64, 64], >= 1.2x for [400, 300].
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import torch

from rlbench.algos import batched_td3, sb3
from rlbench.runner import Context
from rlbench.trials import Trial

HPARAMS: dict[str, Any] = {
    "gamma": 0.98,
    "buffer_size": 20_000,
    "learning_starts": 50,
    "action_noise": {"type": "normal", "sigma": 0.1},
    "gradient_steps": 1,
    "train_freq": 1,
    "learning_rate": 1e-3,
    "batch_size": 256,
}


def trial(algo: str, arch: list[int], seed: int, steps: int, batched: bool) -> Trial:
    module = "batched_td3" if batched else "sb3"
    return Trial(
        trial_id=f"bench-{seed}",
        agent=algo,
        card=algo,
        entry=f"rlbench.algos.{module}:{algo}",
        config_id="bench",
        hparams={**HPARAMS, "policy_kwargs.net_arch": arch},
        perturbation={},
        env="Pendulum-v1",
        gym_id="Pendulum-v1",
        horizon=200,
        make_kwargs={},
        threshold=None,
        seed=seed,
        budget_steps=steps,
        eval_every=steps,
        eval_episodes=1,
    )


def sb3_rate(algo: str, arch: list[int], steps: int) -> float:
    """Env steps per CPU second of one SB3 trial."""
    ctx = Context(trial(algo, arch, 0, steps, batched=False))
    start = time.process_time()
    getattr(sb3, algo)(ctx)
    return steps / (time.process_time() - start)


def batched_rate(algo: str, arch: list[int], steps: int, seeds: int) -> float:
    """Aggregate env steps per CPU second of one batched worker with ``seeds`` seeds."""
    ctxs = [Context(trial(algo, arch, s, steps, batched=True)) for s in range(seeds)]
    start = time.process_time()
    failures = batched_td3.train_batch(algo, ctxs)
    elapsed = time.process_time() - start
    assert failures == [None] * seeds, failures
    return seeds * steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--archs", nargs="+", default=["64,64", "400,300"])
    parser.add_argument("--algo", default="td3", choices=["td3", "ddpg"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(
        f"{args.algo.upper()} on Pendulum-v1, batch 256, {args.steps} env steps per seed "
        "(learning_starts 50), one thread, aggregate env steps per CPU second"
    )
    for text in args.archs:
        arch = [int(w) for w in text.split(",")]
        before = sb3_rate(args.algo, arch, args.steps)
        rates = {k: batched_rate(args.algo, arch, args.steps, k) for k in args.seeds}
        reference = max(before, sb3_rate(args.algo, arch, args.steps))
        print(f"  net_arch {arch}: SB3 one trial {reference:6.1f} steps/s")
        for k, rate in rates.items():
            print(f"    K = {k:3d}: batched {rate:7.1f} steps/s  ratio {rate / reference:5.2f}x")


if __name__ == "__main__":
    main()
