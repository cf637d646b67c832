"""A small tune of ARS on the LQR, judged by the exact relative cost on held-out seeds."""

from __future__ import annotations

import numpy as np
import pytest

import rlbench
from rlbench.spec import parse_suite
from rlbench.tune.run import run_tune

FACTOR = 2.0
"""The selected config's held-out median relative cost is at most this times the default's."""


def lqr_tune_suite(budget: int = 120_000, trials: int = 8) -> dict:
    return {
        "name": "lqr-ars-tune",
        "envs": ["rlbench/LQR-v0"],
        "agents": [{"card": "ars", "name": "ars-v1",
                    "hparams": {"variant": "V1", "n_directions": 8, "top_directions": 8}}],
        "budget": {"steps": budget},
        "eval": {"every": budget // 3, "episodes": 2},
        "tune": {
            "agent": "ars-v1",
            "space": {"step_size": {"low": 0.001, "high": 0.05, "scale": "log"},
                      "noise": {"low": 0.003, "high": 0.05, "scale": "log"}},
            "sampler": "tpe", "seed": 0, "trials": trials, "batch": 4,
            "tuning_seeds": 2, "test_seeds": 5, "retest_top": 2,
            "objective": {"metric": "final_return", "stat": "median"},
        },
    }  # fmt: skip


def held_out_relative_cost(out, config_id: str) -> float:
    """Median over test seeds of the exact relative cost of the final policy."""
    res = rlbench.load(out)
    test = res.trials[(res.trials["phase"] == "test") & (res.trials["config_id"] == config_id)]
    curves = res.curves[res.curves["trial_id"].isin(test["trial_id"])]
    final = curves[curves["step"] == curves["step"].max()]
    assert len(final) == len(test) == 5
    return float(np.median(final["metric.relative_cost"].astype(float)))


@pytest.mark.slow
def test_small_tune_of_ars_on_the_lqr_matches_the_cards_default(tmp_path):
    """The card's LQR default (step 0.002, noise 0.01) is tuned for 300k steps."""
    outcome = run_tune(parse_suite(lqr_tune_suite()), tmp_path / "lqr", workers=2,
                       progress=False)  # fmt: skip
    summary = outcome.summary
    tuned = held_out_relative_cost(tmp_path / "lqr", summary["best"]["config_id"])
    default = held_out_relative_cost(tmp_path / "lqr", summary["default"]["config_id"])
    print(f"held-out median relative cost: tuned {tuned:.4g} "
          f"({summary['best']['hparams']}), card default {default:.4g}")  # fmt: skip
    assert np.isfinite(tuned)
    assert tuned <= FACTOR * default
