"""Curve bands by hand and against `rlbench.stats.sample_interval`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rlbench.stats import bands, sample_interval


def _curves(matrix: np.ndarray, agent: str = "a", env: str = "E") -> pd.DataFrame:
    seeds, steps = matrix.shape
    return pd.DataFrame({
        "trial_id": np.repeat([f"{agent}{s}" for s in range(seeds)], steps),
        "agent": agent, "env": env, "config_id": "c",
        "seed": np.repeat(np.arange(seeds), steps), "step": np.tile(np.arange(steps) * 100, seeds),
        "episodes": 0, "return_mean": matrix.ravel(), "return_std": 0.0,
    })  # fmt: skip


def test_mean_bands_equal_sample_interval_at_every_step():
    returns = np.array([[0.0, 1.0, 5.0], [2.0, 3.0, 1.0], [4.0, np.nan, 2.0], [1.0, 7.0, 3.0]])
    mean, lower, upper = bands.mean_bands(returns, reps=500, seed=3, confidence=0.9)
    for step in range(3):
        column = returns[:, step]
        expected = sample_interval(column, "mean", "percentile", 500, 3, 0.9, nan_policy="omit")
        assert mean[step] == pytest.approx(expected.estimate)
        assert lower[step] == pytest.approx(expected.lower)
        assert upper[step] == pytest.approx(expected.upper)


def test_mean_bands_of_a_single_seed_are_the_seed():
    mean, lower, upper = bands.mean_bands(np.array([[1.0, 2.0]]), reps=50)
    assert mean.tolist() == lower.tolist() == upper.tolist() == [1.0, 2.0]


def test_curve_bands_frame_and_caption():
    result = bands.curve_bands(_curves(np.arange(12.0).reshape(4, 3)), reps=100, seed=1)
    assert list(result.frame["step"]) == [0, 100, 200]
    assert list(result.frame["mean"]) == [4.5, 5.5, 6.5]
    assert list(result.frame["n_seeds"]) == [4, 4, 4]
    assert result.describe() == (
        "95% CI: percentile bootstrap of the mean over seeds, pointwise per step, "
        "100 resamples, seed 1; 4 seeds per agent and env"
    )


def test_percentile_bands_by_hand():
    frame = bands.percentile_bands(_curves(np.array([[0.0], [10.0], [20.0], [30.0], [40.0]])))
    row = frame.iloc[0]
    assert (row["p10"], row["p25"], row["p50"], row["p75"], row["p90"]) == (4, 10, 20, 30, 36)
