"""Figure inputs computed by hand on tiny tables, and against rlbench.stats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rlbench.figures import data
from rlbench.figures.significance import improvement_matrix
from rlbench.stats import sample_interval


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
    mean, lower, upper = data.mean_bands(returns, reps=500, seed=3, confidence=0.9)
    for step in range(3):
        column = returns[:, step]
        expected = sample_interval(column, "mean", "percentile", 500, 3, 0.9, nan_policy="omit")
        assert mean[step] == pytest.approx(expected.estimate)
        assert lower[step] == pytest.approx(expected.lower)
        assert upper[step] == pytest.approx(expected.upper)


def test_mean_bands_of_a_single_seed_are_the_seed():
    mean, lower, upper = data.mean_bands(np.array([[1.0, 2.0]]), reps=50)
    assert mean.tolist() == lower.tolist() == upper.tolist() == [1.0, 2.0]


def test_curve_bands_frame_and_caption():
    bands = data.curve_bands(_curves(np.arange(12.0).reshape(4, 3)), reps=100, seed=1)
    assert list(bands.frame["step"]) == [0, 100, 200]
    assert list(bands.frame["mean"]) == [4.5, 5.5, 6.5]
    assert list(bands.frame["n_seeds"]) == [4, 4, 4]
    assert bands.describe() == (
        "95% CI: percentile bootstrap of the mean over seeds, pointwise per step, "
        "100 resamples, seed 1; 4 seeds per agent and env"
    )


def test_percentile_bands_by_hand():
    frame = data.percentile_bands(_curves(np.array([[0.0], [10.0], [20.0], [30.0], [40.0]])))
    row = frame.iloc[0]
    assert (row["p10"], row["p25"], row["p50"], row["p75"], row["p90"]) == (4, 10, 20, 30, 36)


def test_base_configs_and_status_table_count_what_is_left_out():
    trials = pd.DataFrame({
        "agent": ["a", "a", "a", "b"], "env": "E", "config_id": ["x", "x", "y", "z"],
        "perturbation": ["base", "base", "lrx2", "base"],
        "status": ["done", "failed", "done", "done"],
    })  # fmt: skip
    base, left_out = data.base_configs(trials)
    assert left_out == 1 and len(base) == 3
    table = data.status_table(trials)
    assert table.to_dict("records")[0] == {
        "agent": "a",
        "env": "E",
        "configs": 2,
        "trials": 3,
        "done": 2,
        "failed": 1,
        "other": 0,
    }


def test_group_sizes():
    assert data.group_sizes(3) == []
    assert data.group_sizes(10) == [2, 3, 4, 5]


def test_improvement_matrix_mirrors_pairs(synthetic_results):
    import rlbench
    from rlbench.stats.frame import compare

    trials, _ = data.base_configs(rlbench.load(synthetic_results).trials)
    comparison = compare(trials, reps=200, nan_policy="omit")
    agents, matrix = improvement_matrix(comparison)
    pair = comparison.pairs[0].probability_of_improvement
    x, y = agents.index(comparison.pairs[0].agent_x), agents.index(comparison.pairs[0].agent_y)
    assert tuple(matrix[x, y]) == (pair.estimate, pair.lower, pair.upper)
    assert tuple(matrix[y, x]) == pytest.approx((1 - pair.estimate, 1 - pair.upper, 1 - pair.lower))
    assert np.isnan(matrix[0, 0]).all()


def test_base_configs_without_a_base_show_each_config():
    """A grid plan without include_base has no base config: its configs are shown
    apart, labelled agent[config], never pooled and never dropped."""
    import pandas as pd

    from rlbench.figures.data import base_configs, done_curves

    trials = pd.DataFrame(
        {
            "trial_id": ["a", "b", "c", "d"],
            "agent": ["x", "x", "g", "g"],
            "env": ["E"] * 4,
            "perturbation": ["base", "lrx2", "lr=1", "lr=2"],
            "status": ["done"] * 4,
        }
    )
    kept, left_out = base_configs(trials)
    assert left_out == 1
    assert sorted(kept["agent"]) == ["g[lr=1]", "g[lr=2]", "x"]
    curves = pd.DataFrame(
        {"trial_id": ["a", "c", "d"], "agent": ["x", "g", "g"], "step": [0, 0, 0]}
    )
    assert sorted(done_curves(curves, kept)["agent"]) == ["g[lr=1]", "g[lr=2]", "x"]
