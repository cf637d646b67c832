"""Benchmark: `rlbench.sensitivity.across_envs` at the size of a large sweep.

10,000 configs (4 hyperparameters x 10 values) x 5 envs x 10 seeds, one agent,
2,000 bootstrap resamples. Target: a few seconds. The point estimate alone
(``reps=1``: no resampling) is timed in the same run as the reference, so the
printed ratio says what the bootstrap costs on this machine.

Run as a script: ``python tests/perf/bench_across_envs.py [--configs-per-param 10]``
(the default size takes a few seconds; pass 4 for a quick check).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd

from rlbench.sensitivity.across_envs import across_envs


def trials(values_per_param: int, n_envs: int = 5, n_seeds: int = 10) -> pd.DataFrame:
    """A grid of 4 hyperparameters; each env has its own optimum of ``hp.a``."""
    rng = np.random.default_rng(0)
    grid = np.array(list(itertools.product(range(values_per_param), repeat=4)), dtype=float)
    blocks = []
    for env in range(n_envs):
        optimum = np.array([env % values_per_param, 1.0, 2.0, 3.0])
        mean = 10.0 - np.abs(grid - optimum).sum(axis=1)
        scores = mean[:, None] + rng.normal(size=(len(grid), n_seeds))
        frame = pd.DataFrame(
            {
                "agent": "a",
                "env": f"env{env}",
                "config_id": np.repeat(np.arange(len(grid)).astype(str), n_seeds),
                "seed": np.tile(np.arange(n_seeds), len(grid)),
                "status": "done",
                "final_return": scores.reshape(-1),
            }
        )
        for j, name in enumerate("abcd"):
            frame[f"hp.{name}"] = np.repeat(grid[:, j], n_seeds)
        blocks.append(frame)
    return pd.concat(blocks, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs-per-param", type=int, default=10)
    parser.add_argument("--reps", type=int, default=2000)
    args = parser.parse_args()
    table = trials(args.configs_per_param)
    n_configs = args.configs_per_param**4
    start, cpu = time.perf_counter(), time.process_time()
    across_envs(table, reps=1, seed=0)
    point, point_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    result = across_envs(table, reps=args.reps, seed=0)
    full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
    row = result.iloc[0]
    print(f"{n_configs} configs x 5 envs x 10 seeds ({len(table):,} runs), {args.reps} resamples")
    # CPU time as well: on a shared machine the wall time mostly measures the other jobs
    print(f"  point estimate only: {point:.2f} s wall, {point_cpu:.2f} s CPU; with the bootstrap: "
          f"{full:.2f} s wall, {full_cpu:.2f} s CPU ({full_cpu / point_cpu:.1f}x the point "
          "estimate's CPU time)")  # fmt: skip
    print(
        f"  sensitivity {row['sensitivity']:.3f} [{row['sensitivity_ci_low']:.3f}, "
        f"{row['sensitivity_ci_high']:.3f}], effective_dim {row['effective_dim']:g} "
        f"({', '.join(row['effective_hparams'])})"
    )


if __name__ == "__main__":
    main()
