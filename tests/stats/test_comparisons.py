"""Two-sample tests against scipy, improvement against rliable, Holm against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from rliable import library as rly
from rliable import metrics
from statsmodels.stats.multitest import multipletests

from rlbench.errors import InputError
from rlbench.stats import (
    bootstrap_mean_difference,
    hedges_g,
    holm,
    ks_test,
    mann_whitney,
    probability_of_improvement,
    vargha_delaney_a,
    welch_test,
)

RNG = np.random.default_rng(12)
X = RNG.normal(1.0, 1.0, size=9)
Y = RNG.normal(0.2, 2.0, size=13)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_p_values_equal_scipy(alternative):
    welch = welch_test(X, Y, alternative)
    expected = scipy.stats.ttest_ind(X, Y, equal_var=False, alternative=alternative)
    np.testing.assert_allclose([welch.statistic, welch.p_value], expected, rtol=1e-12)
    mwu = mann_whitney(X, Y, alternative)
    expected = scipy.stats.mannwhitneyu(X, Y, alternative=alternative)
    assert (mwu.statistic, mwu.p_value) == (expected.statistic, expected.pvalue)
    ks = ks_test(X, Y, alternative)
    expected = scipy.stats.ks_2samp(X, Y, alternative=alternative)
    assert (ks.statistic, ks.p_value) == (expected.statistic, expected.pvalue)
    assert (welch.n_x, welch.n_y, welch.alternative) == (9, 13, alternative)


def test_tests_count_excluded_nan():
    with pytest.raises(InputError, match=r"x has 1 NaN/inf score \(diverged runs\?\) at run 2;"):
        welch_test([1.0, 2.0, np.nan, 4.0], Y)
    result = welch_test([1.0, 2.0, np.nan, 4.0], Y, nan_policy="omit")
    assert result.n_excluded == 1 and result.n_x == 3
    with pytest.raises(InputError, match="alternative must be one of two-sided, greater, less"):
        welch_test(X, Y, "bigger")


def test_effect_sizes_by_hand():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([3.0, 4.0, 5.0])
    # pooled sd 1, d = -2, m = 4: J = Gamma(2) / (sqrt(2) Gamma(1.5)) = 1 / (sqrt(2) sqrt(pi) / 2)
    assert hedges_g(x, y) == pytest.approx(-2.0 * 2 / (np.sqrt(2) * np.sqrt(np.pi)), rel=1e-12)
    assert hedges_g(x, y) == pytest.approx(-2.0 * (1 - 3 / (4 * 4 - 1)), rel=0.01)
    # pairs x > y: none; ties: (3, 3) -> A = 0.5 / 9
    assert vargha_delaney_a(x, y) == pytest.approx(0.5 / 9)
    assert vargha_delaney_a(y, x) == pytest.approx(1 - 0.5 / 9)
    with pytest.raises(InputError, match="Hedges' g is undefined: both samples are constant"):
        hedges_g([1.0, 1.0], [2.0, 2.0])


def test_vargha_delaney_is_mann_whitney_u_over_nm():
    u_statistic = scipy.stats.mannwhitneyu(X, Y).statistic
    assert vargha_delaney_a(X, Y) == pytest.approx(u_statistic / (X.size * Y.size))


def test_holm_equals_statsmodels():
    p_values = np.array([0.01, 0.04, 0.03, 0.005, 0.5, 0.04])
    expected = multipletests(p_values, method="holm")[1]
    np.testing.assert_allclose(holm(p_values), expected, rtol=1e-15)
    # by hand: sorted .005 .01 .03 .04 .04 .5 times 6 5 4 3 2 1, running max
    np.testing.assert_allclose(holm([0.01, 0.04, 0.005]), [0.02, 0.04, 0.015])
    with pytest.raises(InputError, match=r"p-values must be in \[0, 1\]"):
        holm([0.1, np.nan])


def test_probability_of_improvement_hand_and_rliable():
    x = np.array([[1.0, 0.0], [2.0, 5.0]])
    y = np.array([[1.0, 1.0], [0.0, 1.0], [3.0, 1.0]])
    # task 0: pairs (1,1) tie, (1,0) win, (1,3) loss, (2,1) (2,0) wins, (2,3) loss -> 3.5 / 6
    # task 1: 0 loses to 1 three times, 5 beats 1 three times -> 3 / 6
    interval = probability_of_improvement(x, y, reps=200)
    assert interval.estimate == pytest.approx((3.5 / 6 + 0.5) / 2)
    assert interval.estimate == metrics.probability_of_improvement(x, y)
    assert interval.runs_per_task == (2, 2) and interval.runs_per_task_other == (3, 3)


def test_probability_of_improvement_ci_agrees_with_rliable(seed_global_numpy):
    rng = np.random.default_rng(8)
    x, y = rng.normal(0.3, 1.0, size=(8, 3)), rng.normal(0.0, 1.0, size=(10, 3))
    ours = probability_of_improvement(x, y, reps=20_000, seed=0)
    points, intervals = rly.get_interval_estimates(
        {"xy": [x, y]}, lambda a, b: np.array([metrics.probability_of_improvement(a, b)]), reps=2000
    )
    assert ours.estimate == points["xy"][0]
    # se of a 2.5 % quantile from 2,000 resamples: ~2.7 sd / sqrt(2000) = 0.06 sd; sd ~ 0.1 here
    spread = (ours.upper - ours.lower) / 3.92
    assert abs(ours.lower - intervals["xy"][0, 0]) < 5 * 0.065 * spread
    assert abs(ours.upper - intervals["xy"][1, 0]) < 5 * 0.065 * spread


def test_bootstrap_mean_difference():
    result = bootstrap_mean_difference(X, Y, reps=20_000, seed=0)
    assert result.statistic == pytest.approx(X.mean() - Y.mean())
    interval = result.interval
    assert interval.lower < interval.estimate < interval.upper
    assert interval.runs_per_task == (9,) and interval.runs_per_task_other == (13,)
    # the bootstrap-t p-value is close to Welch's for roughly normal samples
    assert result.p_value == pytest.approx(welch_test(X, Y).p_value, abs=0.05)
    same = bootstrap_mean_difference(X, X, reps=2000, seed=0)
    assert same.p_value == 1.0 and same.statistic == 0.0
    assert bootstrap_mean_difference(X, Y, reps=500, seed=3) == bootstrap_mean_difference(
        X, Y, reps=500, seed=3
    )
