"""Estimators of the sensitivity analysis on hand-computable and planted inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.proportion import proportion_confint

from rlbench.sensitivity import estimators as est


@pytest.mark.parametrize("stat", ["mean", "median", "iqm"])
def test_statistic_ignores_nan_like_scipy(stat):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(6, 9))
    values[0, 3] = np.nan
    values[2, :5] = np.nan
    values[4] = np.nan
    reference = {
        "mean": np.mean,
        "median": np.median,
        "iqm": lambda v: scipy.stats.trim_mean(v, 0.25),
    }[stat]
    expected = [reference(r[np.isfinite(r)]) if np.isfinite(r).any() else np.nan for r in values]
    np.testing.assert_allclose(est.statistic(values, stat), expected)


@pytest.mark.parametrize("successes, trials", [(0, 5), (3, 10), (7, 7), (1, 1), (12, 40)])
def test_clopper_pearson_matches_scipy_and_statsmodels(successes, trials):
    lower, upper = est.clopper_pearson(successes, trials, 0.95)
    ci = scipy.stats.binomtest(successes, trials).proportion_ci(0.95, method="exact")
    assert (lower, upper) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert (lower, upper) == pytest.approx(
        proportion_confint(successes, trials, 0.05, method="beta"), abs=1e-12
    )


def test_fanova_on_a_2x2_grid_by_hand():
    y = np.array([[1.0, 3.0], [5.0, 11.0]])
    # grand 5; row effects -3, +3 -> V_a = 9; column effects -2, +2 -> V_b = 4;
    # interaction y - grand - rows - cols = [[1, -1], [-1, 1]] -> V_ab = 1; total 14
    shares = est.fanova_shares(y, 2)
    assert shares[(0,)] == pytest.approx(9 / 14)
    assert shares[(1,)] == pytest.approx(4 / 14)
    assert shares[(0, 1)] == pytest.approx(1 / 14)


def test_fanova_shares_sum_to_one_and_batch():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(7, 2, 3, 4))
    shares = est.fanova_shares(y, 3)
    np.testing.assert_allclose(sum(shares.values()), np.ones(7))
    single = est.fanova_shares(y[3], 3)
    assert all(shares[k][3] == pytest.approx(single[k]) for k in shares)


def test_icc_matches_hand_anova():
    groups = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])]
    anova = est.one_way_anova(groups, 0.95)
    # MSB = 3 * (2 - 3.5)^2 * 2 / 1 = 13.5, MSW = (2 + 2) / 4 = 1, n0 = 3
    assert anova["f"] == pytest.approx(13.5)
    assert anova["icc"] == pytest.approx(12.5 / 15.5)
    assert anova["var_config"] == pytest.approx(12.5 / 3)
    assert anova["lower"] < anova["icc"] < anova["upper"]


def test_tuning_gains_choose_on_tuning_seeds_only():
    scores = np.array([[0.0, 0.0, 0.0, 0.0], [5.0, -9.0, 5.0, -9.0], [1.0, 1.0, 1.0, 1.0]])
    candidates = np.ones(3, dtype=bool)
    gains = est.tuning_gains(scores, 0, candidates, "mean", np.array([[0, 2]]), np.array([[1, 3]]))
    assert gains.tolist() == [-9.0]  # config 1 wins on seeds 0, 2 and loses on 1, 3


def test_tunability_in_sample_is_optimistic_held_out_is_not():
    """All configs equal in truth: in-sample gain > 0 on average, held-out ~ 0."""
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(400, 8, 10))  # 400 replicates, 8 configs, 10 seeds
    in_sample, held_out = est.tunability_estimates(
        scores, 0, np.ones(8, dtype=bool), "mean", 5, 50, rng
    )
    standard_error = held_out.std() / np.sqrt(held_out.size)
    # E[max of 8 means of 10 N(0, 1)] - E[base mean] = 1.42 / sqrt(10) = 0.45
    assert in_sample.mean() == pytest.approx(0.45, abs=0.05)
    assert abs(held_out.mean()) < 3 * standard_error
    assert in_sample.mean() > held_out.mean() + 10 * standard_error


def test_binned_first_order_finds_the_active_parameter():
    rng = np.random.default_rng(4)
    x = rng.random((2, 60))
    y = 4 * x[0] + 0.1 * rng.standard_normal(60)
    shares = []
    for row in x:
        bins = (scipy.stats.rankdata(row, method="ordinal") - 1) * 5 // 60
        shares.append(est.binned_first_order(y[None], bins[None].astype(int), 5)[0])
    assert shares[0] > 0.8 and abs(shares[1]) < 0.15
