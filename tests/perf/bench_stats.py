"""Benchmark: stratified-bootstrap CIs of IQM, mean, median and optimality gap.

2 agents x 5 tasks x 100 seeds, rlbench against rliable 1.2.0 at 2,000 and
50,000 resamples. Both compute the four aggregates from one set of resamples
per agent (rliable's recommended ``func`` returning all four). Targets:
>= 20x faster than rliable at equal resamples, <= 2 s for all four metrics of
both agents at 50,000, peak memory <= 1 GB.

Run as a script: ``python tests/perf/bench_stats.py [--rliable-max-reps N]``.
rliable runs a Python loop over resamples; above ``--rliable-max-reps``
(default 10,000) it is timed at that many resamples and scaled linearly, and
the output says so.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from rlbench.stats import aggregate_intervals

STATISTICS = ("iqm", "mean", "median", "optimality_gap")


def _scores() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "agent_a": rng.gamma(2.0, 0.5, size=(100, 5)),
        "agent_b": rng.gamma(2.5, 0.5, size=(100, 5)),
    }


def _time_rlbench(scores, reps: int) -> tuple[float, float, dict]:
    def run() -> dict:
        return {
            name: aggregate_intervals(matrix, STATISTICS, reps=reps, seed=1)
            for name, matrix in scores.items()
        }

    start = time.perf_counter()
    results = run()
    seconds = time.perf_counter() - start
    # peak memory from a second, traced run: tracing slows every allocation
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, results


def _time_rliable(scores, reps: int) -> tuple[float, dict]:
    from rliable import library, metrics

    def all_four(matrix):
        return np.array(
            [
                metrics.aggregate_iqm(matrix),
                metrics.aggregate_mean(matrix),
                metrics.aggregate_median(matrix),
                metrics.aggregate_optimality_gap(matrix),
            ]
        )

    np.random.seed(0)  # noqa: NPY002 - rliable draws from the global RNG only
    start = time.perf_counter()
    _, intervals = library.get_interval_estimates(scores, all_four, reps=reps)
    return time.perf_counter() - start, intervals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rliable-max-reps", type=int, default=10_000)
    args = parser.parse_args()
    scores = _scores()
    print("stratified bootstrap, percentile 95% CIs of iqm, mean, median, optimality_gap")
    print("data: 2 agents x 5 tasks x 100 seeds (float64); times cover both agents")
    _time_rlbench(scores, 100)  # warm-up (imports, first allocations)
    for reps in (2_000, 50_000):
        ours, peak, results = _time_rlbench(scores, reps)
        measured_reps = min(reps, args.rliable_max_reps)
        theirs, intervals = _time_rliable(scores, measured_reps)
        scaled = theirs * reps / measured_reps
        note = (
            f" (measured at {measured_reps} resamples, scaled x{reps / measured_reps:g})"
            if measured_reps < reps
            else ""
        )
        print(f"\nresamples: {reps}")
        print(f"  rlbench: {ours:8.3f} s   peak traced memory {peak / 2**20:7.1f} MiB")
        print(f"  rliable: {scaled:8.3f} s{note}")
        print(f"  speed-up: {scaled / ours:7.1f}x")
        for name in scores:
            for column, statistic in enumerate(STATISTICS):
                interval = results[name][statistic]
                low, high = intervals[name][:, column]
                print(
                    f"    {name} {statistic:15s} rlbench [{interval.lower:.4f}, "
                    f"{interval.upper:.4f}]  rliable [{low:.4f}, {high:.4f}]"
                )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS (all of the above, rliable included): {max_rss:.0f} MiB")


if __name__ == "__main__":
    main()
