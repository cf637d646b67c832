"""The README's study: a small tune of ARS on the LQR, judged by the exact relative cost."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import rlbench
from rlbench.spec import parse_suite
from rlbench.tune.run import run_tune
from rlbench.tune.spec import resolve
from tests.test_readme import README, block_after

FACTOR = 2.0
"""The selected config's held-out median relative cost is at most this times the default's."""
ABSOLUTE = 0.5
"""... and at most this (an average cost within 1.5 times the optimal one)."""


def readme_suite() -> dict:
    return yaml.safe_load(block_after(README.read_text(), "## Tune hyperparameters"))


def held_out_relative_cost(out, config_id: str) -> float:
    """Median over test seeds of the exact relative cost of the final policy."""
    res = rlbench.load(out)
    test = res.trials[(res.trials["phase"] == "test") & (res.trials["config_id"] == config_id)]
    curves = res.curves[res.curves["trial_id"].isin(test["trial_id"])]
    final = curves[curves["step"] == curves["step"].max()]
    assert len(final) == len(test) > 0
    return float(np.median(final["metric.relative_cost"].astype(float)))


def test_readme_study_suite_is_valid():
    plan = resolve(parse_suite(readme_suite()))
    assert plan.label == "ars-v1" and plan.spec.trials == 16 and len(plan.test_seeds) == 10
    assert plan.suite.agents[0].hparams.get("step_size") is None  # the card's LQR default


@pytest.mark.slow
def test_readme_study_tuned_ars_beats_the_cards_default_on_held_out_seeds(tmp_path):
    """The card's LQR default (step 0.002, noise 0.01) is tuned for 300k steps, not 120k."""
    outcome = run_tune(parse_suite(readme_suite()), tmp_path / "lqr", workers=2,
                       progress=False)  # fmt: skip
    summary = outcome.summary
    tuned = held_out_relative_cost(tmp_path / "lqr", summary["best"]["config_id"])
    default = held_out_relative_cost(tmp_path / "lqr", summary["default"]["config_id"])
    print(f"held-out median relative cost: tuned {tuned:.4g} "
          f"({summary['best']['hparams']}), card default {default:.4g}")  # fmt: skip
    assert tuned <= ABSOLUTE
    assert tuned <= FACTOR * default
