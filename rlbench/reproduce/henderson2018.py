"""Henderson et al. 2018 (arXiv:1709.06560), Fig. 5: seed luck alone.

The paper ran TRPO on HalfCheetah with 10 seeds and identical hyperparameters,
split them into two groups of 5, and found the two mean curves "significantly
different" (t = −9.0916, p = 0.0016). TRPO is not in stable-baselines3 (it is
in sb3-contrib), so rlbench uses DDPG, the paper's other headline algorithm,
with the zoo's hyperparameters; on top of the paper's single split we test
every split of the 10 seeds into 5 + 5.

Two statistics are reported. The paper's: "the average 2-sample t-test across
entire training distribution", a Student t-test at each evaluation point of the
two groups' curves, its t and p averaged over the points (`curve_t_test`; one t
of -9.09 on 8 degrees of freedom would give p of about 2e-5, not 0.0016). And
ours: Welch's t-test on one number per seed (mean return over training, final
return), with every 5 + 5 split tested.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rlbench.reproduce.common import Reproduction, Row, suite, wilson

PAPER = "Henderson et al. 2018"
PAPER_T, PAPER_P = -9.0916, 0.0016


def ddpg_seeds_suite(name: str, scale: str, seeds: int, full_seeds: int) -> dict[str, Any]:
    """DDPG with the zoo's hyperparameters on Pendulum (smoke, small) or HalfCheetah (full).

    The small scale of henderson2018-seeds and colas2018-power describe the same
    trials (seeds 0..9 are shared), so one results folder can serve both.
    """
    if scale == "smoke":
        tiny = {"learning_starts": 100, "batch_size": 32, "policy_kwargs.net_arch": [32, 32]}
        agents = [{"card": "ddpg", "hparams": tiny}]
        return suite(f"{name}-smoke", ["Pendulum-v1"], agents, seeds, 400, 200, 1)
    if scale == "small":
        agents = [{"card": "ddpg"}]
        return suite(f"{name}-small", ["Pendulum-v1"], agents, seeds, 20_000, 2000, 5)
    steps = 2_000_000 if full_seeds == 10 else 1_000_000
    return suite(name, ["HalfCheetah-v5"], [{"card": "ddpg"}], full_seeds, steps, 20_000, 10)


def henderson_suite(scale: str) -> dict[str, Any]:
    return ddpg_seeds_suite("henderson2018-seeds", scale, 10, 10)


def seed_curves(curves: Any, done: Any) -> np.ndarray:
    """Learning curves of the done trials, ``(seeds in seed order, steps)``.

    Only the evaluation steps every done trial reached are kept (a shared grid).
    """
    rows = curves[curves["trial_id"].isin(set(done["trial_id"]))]
    table = rows.pivot_table(index="trial_id", columns="step", values="return_mean")
    table = table.dropna(axis=1)
    return table.loc[list(done["trial_id"])].to_numpy(dtype=np.float64)


def _curve_rows(curves: np.ndarray, note: str) -> list[Row]:
    from rlbench.stats import curve_t_test

    half = len(curves) // 2
    test = curve_t_test(curves[:half], curves[half:])
    quantity = (
        f"first {half} seeds vs the other {len(curves) - half} (by seed number), 2-sample "
        "t-test averaged over the training curve (the paper's statistic)"
    )
    source, method = "Fig. 5 caption (TRPO, HalfCheetah)", test.method
    return [
        Row(f"mean t, {quantity}", PAPER_T, source, "checked", test.mean_t, method=method,
            n=len(curves), note="different algorithm and task: compare significance, not the value"),
        Row(f"mean p, {quantity}", PAPER_P, source, "checked", test.mean_p, method=method,
            n=len(curves), note=note),
    ]  # fmt: skip


# long on purpose: one Row per reported quantity, in the comparison table's order
def analyse(results: Any, scale: str, out: Path) -> tuple[list[Row], str]:
    from rlbench.stats import seed_split, welch_test

    trials = results.trials.sort_values("seed")
    done = trials[trials["status"] == "done"]
    note_failed = (
        f"{len(trials) - len(done)} failed trials left out" if len(done) < len(trials) else ""
    )
    rows = []
    if len(done) >= 4:
        rows += _curve_rows(seed_curves(results.curves, done), note_failed)
    for metric, label in (
        ("auc", "mean return over training (AUC)"),
        ("final_return", "final return"),
    ):
        values = done[metric].to_numpy(dtype=np.float64)
        if len(values) < 4:
            continue
        half = len(values) // 2
        test = welch_test(values[:half], values[half:])
        rows.append(
            Row(
                quantity=f"Welch t, first {half} seeds vs the other {len(values) - half} (by seed number), {label}",
                paper=None,
                source="ours: one score per seed (the paper averages over the curve, above)",
                status="claim",
                claim="not the paper's statistic",
                ours=test.statistic,
                method="Welch t-test",
                n=len(values),
            )
        )
        rows.append(
            Row(
                quantity=f"p-value of that split, {label}",
                paper=None,
                source="ours: one score per seed",
                status="claim",
                claim="not the paper's statistic",
                ours=test.p_value,
                method="Welch t-test",
                n=len(values),
                note=note_failed,
            )
        )
        split = seed_split(values, group_size=half, test="welch", alpha=0.05)
        lo, hi = wilson(split.n_significant, split.n_splits)
        rows.append(
            Row(
                quantity=f"fraction of {half}+{half} splits with p < 0.05, {label}",
                paper=None,
                source="Fig. 5 (our extension: all splits)",
                status="claim",
                claim="seed splits of one config can look significantly different",
                ours=split.fraction_significant,
                lower=lo if split.exhaustive else math.nan,
                upper=hi if split.exhaustive else math.nan,
                method=f"{'all' if split.exhaustive else 'sampled'} {split.n_splits} splits; Wilson 95% "
                "treats splits as independent (they are not: indicative only)",
                n=len(values),
            )
        )
    preamble = (
        f"{PAPER}, Fig. 5: one config, 10 seeds, split into two groups of 5. Ours: DDPG "
        "(TRPO is not in stable-baselines3). First the paper's statistic, a t-test at each "
        "evaluation point averaged over the curve; then Welch's test on one score per seed. "
        "The paper's t and p are shown for their sign and size only: another algorithm and "
        "task, so no verdict."
    )
    return rows, preamble


SCALES = {
    "smoke": "DDPG on Pendulum-v1, 10 seeds × 400 steps (learning starts at 100, 32×32 networks)",
    "small": "DDPG on Pendulum-v1 (zoo hyperparameters), 10 seeds × 20,000 steps",
    "full": "DDPG on HalfCheetah-v5 (zoo hyperparameters), 10 seeds × 2,000,000 steps",
}

REPRODUCTIONS = [
    Reproduction(
        "henderson2018-seeds",
        f"{PAPER}, Fig. 5: two groups of 5 seeds, same config",
        henderson_suite,
        analyse,
        SCALES,
    ),
]
