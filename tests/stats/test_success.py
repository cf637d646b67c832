"""Success rate against the budget, on a hand-computed table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from rlbench.errors import InputError
from rlbench.stats import rate_at, success_by_budget


def _trials() -> pd.DataFrame:
    # 5 seeds of one agent, budget 1000 steps: reached at 200, 200, 600; one never;
    # one failed at step 300 without reaching; another agent: 1 of 2 at 900
    rows = [
        ("a", "E", "t0", "done", 1000, 200, 2),
        ("a", "E", "t1", "done", 1000, 200, 3),
        ("a", "E", "t2", "done", 1000, 600, 9),
        ("a", "E", "t3", "done", 1000, None, None),
        ("a", "E", "t4", "failed", 1000, None, None),
        ("b", "E", "t5", "done", 1000, 900, 30),
        ("b", "E", "t6", "done", 1000, None, None),
    ]
    columns = ["agent", "env", "trial_id", "status", "budget_steps", "threshold_step",
               "threshold_episodes"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("threshold_step", "threshold_episodes"):
        frame[column] = frame[column].astype("Int64")
    return frame


def test_success_curve_by_hand_with_exact_intervals():
    curve = success_by_budget(_trials())
    a = curve[curve.agent == "a"]
    assert a["budget"].tolist() == [0.0, 200.0, 600.0, 1000.0]
    assert a["n_success"].tolist() == [0, 2, 3, 3] and set(a["n_runs"]) == {5}
    assert a["n_failed"].tolist() == [1, 1, 1, 1]
    np.testing.assert_allclose(a["rate"], [0, 0.4, 0.6, 0.6])
    for _, row in a.iterrows():
        ci = scipy.stats.binomtest(int(row.n_success), 5).proportion_ci(0.95, method="exact")
        assert (row.lower, row.upper) == pytest.approx((ci.low, ci.high), abs=1e-12)
    b = curve[curve.agent == "b"]
    assert b["budget"].tolist() == [0.0, 900.0, 1000.0] and b["rate"].tolist() == [0, 0.5, 0.5]


def test_rate_at_a_budget_and_no_verdict_beyond_the_horizon():
    curve = success_by_budget(_trials())
    assert rate_at(curve, "a", "E", 599)["rate"] == pytest.approx(0.4)
    assert rate_at(curve, "a", "E", 600)["rate"] == pytest.approx(0.6)
    assert rate_at(curve, "a", "E", 1000)["rate"] == pytest.approx(0.6)
    assert rate_at(curve, "a", "E", 5000) is None  # the runs were given 1000 steps
    assert rate_at(curve, "c", "E", 100) is None
    chosen = success_by_budget(_trials(), budgets=[100, 500, 2000])
    assert chosen[chosen.agent == "a"]["budget"].tolist() == [100.0, 500.0]  # 2000 > horizon


def test_success_by_episodes_needs_the_curves():
    trials = _trials()
    curves = pd.DataFrame({"trial_id": trials["trial_id"], "episodes": [40, 40, 40, 40, 5, 50, 50]})
    curve = success_by_budget(trials, unit="episodes", curves=curves)
    a = curve[curve.agent == "a"]
    # horizon: the smallest episode count a finished run reached (the failed one stopped)
    assert a["budget"].tolist() == [0.0, 2.0, 3.0, 9.0, 40.0]
    assert a["n_success"].tolist() == [0, 1, 2, 3, 3] and set(a["horizon"]) == {40.0}
    with pytest.raises(InputError, match="success by episodes needs the curves table"):
        success_by_budget(trials, unit="episodes")
    with pytest.raises(InputError, match="unit must be 'steps' or 'episodes'"):
        success_by_budget(trials, unit="seconds")
