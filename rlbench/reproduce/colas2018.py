"""Colas, Sigaud, Oudeyer 2018 (arXiv:1806.08295) and 2019 (arXiv:1904.06979).

How many seeds? The empirical false-positive rate of Welch's t-test and of the
bootstrap CI test, obtained by drawing two groups of N runs from the same
agent's runs (so any "difference" is false), at N = 5…20; and the seeds needed
to detect a given effect with Welch's test, from the same runs as a pilot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rlbench.reproduce.common import Reproduction, Row, wilson
from rlbench.reproduce.henderson2018 import ddpg_seeds_suite

PAPER = "Colas et al. 2018/2019"
SIZES = (5, 10, 15, 20)


def colas_suite(scale: str) -> dict[str, Any]:
    return ddpg_seeds_suite("colas2018-power", scale, 8 if scale == "smoke" else 20, 40)


def analyse(results: Any, scale: str, out: Path) -> tuple[list[Row], str]:
    from rlbench.stats import bootstrap_false_positive_rate, false_positive_rate, seeds_needed

    trials = results.trials
    done = trials[trials["status"] == "done"]
    runs = done["final_return"].to_numpy(dtype=np.float64)
    reps = 2000 if scale == "smoke" else 10_000
    boot = (200, 200) if scale == "smoke" else (2000, 1000)
    welch = false_positive_rate(runs, SIZES, test="welch", alpha=0.05, reps=reps, seed=0)
    bootstrap = bootstrap_false_positive_rate(
        runs, SIZES, alpha=0.05, reps=boot[0], boot_reps=boot[1], seed=0
    )
    rows = []
    for result, name, n_tests in (
        (welch, "Welch t-test", reps),
        (bootstrap, "bootstrap CI test", boot[0]),
    ):
        for size, rate in zip(result.sample_sizes, result.rates, strict=True):
            lo, hi = wilson(round(rate * n_tests), n_tests)
            rows.append(
                Row(
                    quantity=f"false-positive rate, {name}, N = {size}",
                    paper=0.05,
                    source="nominal α (Colas et al. 2019, §4: rates above α at small N)",
                    status="claim",
                    ours=rate,
                    lower=lo,
                    upper=hi,
                    method=f"Wilson 95% over {n_tests} draws",
                    n=len(runs),
                    note=f"pairs drawn with replacement from {len(runs)} runs",
                )
            )
    spread = float(np.std(runs, ddof=1))
    for multiple in (0.5, 1.0, 2.0):
        need = seeds_needed(runs, effect=multiple * spread, alpha=0.05, power=0.8)
        rows.append(
            Row(
                quantity=f"seeds per agent for an effect of {multiple:g} pilot std, α 0.05, power 0.8",
                paper=None,
                source="Colas et al. 2018, §5 (power analysis)",
                status="claim",
                claim="n ≥ 20 pilot runs; N from the pilot's std",
                ours=need.n_seeds,
                method=need.method,
                n=len(runs),
            )
        )
    preamble = (
        f"{PAPER}: false positives when comparing an algorithm with itself. Both tests see "
        "two groups drawn from the same runs; a calibrated test rejects in 5% of draws. The "
        "bootstrap test is expected to reject more often at small N."
    )
    return rows, preamble


SCALES = {
    "smoke": "DDPG on Pendulum-v1, 8 seeds × 400 steps (32×32 networks); 2,000 Welch draws, 200×200 bootstrap",
    "small": "DDPG on Pendulum-v1, 20 seeds × 20,000 steps; 10,000 Welch draws, 2,000 bootstrap tests × 1,000 resamples",
    "full": "DDPG on HalfCheetah-v5, 40 seeds × 1,000,000 steps",
}

REPRODUCTIONS = [
    Reproduction(
        "colas2018-power",
        f"{PAPER}: false-positive rates and seeds needed",
        colas_suite,
        analyse,
        SCALES,
    ),
]
