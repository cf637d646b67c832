"""Figure inputs (per-panel arrangements of rlbench.stats estimates) on tiny tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rlbench.figures import data
from rlbench.figures.significance import improvement_matrix
from rlbench.stats.trial_scores import base_configs


def test_base_configs_and_status_table_count_what_is_left_out():
    trials = pd.DataFrame({
        "agent": ["a", "a", "a", "b"], "env": "E", "config_id": ["x", "x", "y", "z"],
        "perturbation": ["base", "base", "lrx2", "base"],
        "status": ["done", "failed", "done", "done"],
    })  # fmt: skip
    base, left_out = base_configs(trials)
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

    trials, _ = base_configs(rlbench.load(synthetic_results).trials)
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

    from rlbench.figures.data import done_curves

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
