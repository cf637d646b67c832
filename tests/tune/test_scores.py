"""The objective and the held-out estimates against independent references (numpy, scipy)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from rlbench.spec import parse_suite
from rlbench.tune.scores import (
    interval,
    optimism,
    rank_correlation,
    seed_scores,
    statistic,
)
from rlbench.tune.spec import resolve
from tests.tune.conftest import tune_suite

SCORES = np.array([3.0, -1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])


def test_point_statistics_match_numpy_and_scipy():
    assert statistic(SCORES, "mean") == pytest.approx(SCORES.mean())
    assert statistic(SCORES, "median") == pytest.approx(np.median(SCORES))
    assert statistic(SCORES, "iqm") == pytest.approx(scipy.stats.trim_mean(SCORES, 0.25))
    # by hand: sorted -1 1 2 3 4 5 6 9, the middle half 2 3 4 5
    assert statistic(SCORES, "iqm") == pytest.approx(3.5)
    assert np.isnan(statistic(np.array([1.0, np.nan]), "mean"))


def test_lower_ci_is_scipys_percentile_bootstrap_lower_bound():
    ours = statistic(SCORES, "lower_ci", reps=20000, seed=0)
    ref = scipy.stats.bootstrap(
        (SCORES,), np.mean, n_resamples=20000, method="percentile", confidence_level=0.95,
        random_state=np.random.default_rng(1),
    ).confidence_interval.low  # fmt: skip
    assert ours == pytest.approx(ref, abs=0.15)
    assert ours < SCORES.mean()


def test_interval_matches_scipy_and_counts_seeds():
    block = interval(SCORES, "median", reps=20000, seed=3)
    ref = scipy.stats.bootstrap(
        (SCORES,), np.median, n_resamples=20000, method="percentile",
        random_state=np.random.default_rng(4),
    ).confidence_interval  # fmt: skip
    assert block["value"] == np.median(SCORES) and block["seeds"] == 8
    # bootstrap medians of 8 integers sit on a lattice of halves: agree within one step of it
    assert block["ci"] == pytest.approx([ref.low, ref.high], abs=1.0)
    mean = interval(SCORES, "mean", reps=20000, seed=3)
    ref = scipy.stats.bootstrap(
        (SCORES,), np.mean, n_resamples=20000, method="percentile",
        random_state=np.random.default_rng(4),
    ).confidence_interval  # fmt: skip
    assert mean["ci"] == pytest.approx([ref.low, ref.high], abs=0.13)  # a 1/8 lattice
    assert interval(SCORES, "lower_ci")["stat"] == "mean"


def test_optimism_is_the_difference_with_a_ci_of_independent_resamples():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 40), rng.normal(0.0, 2.0, 60)
    gap = optimism(a, b, "mean", reps=20000, seed=0)
    assert gap["value"] == pytest.approx(a.mean() - b.mean())
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    width = gap["ci"][1] - gap["ci"][0]
    assert width == pytest.approx(2 * 1.96 * se, rel=0.1)  # the normal approximation


def test_rank_correlation_is_spearman():
    rho = rank_correlation([1, 2, 3, 4], [1, 3, 2, 4])
    assert rho["spearman"] == pytest.approx(0.8) and rho["p_value"] is None
    x, y = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5]
    ref = scipy.stats.spearmanr(x, y)
    rho = rank_correlation(x, y)
    assert rho["spearman"] == pytest.approx(1 - 6 * 6 / (6 * 35))  # 1 - 6 sum d^2 / n(n^2-1)
    assert rho["p_value"] == pytest.approx(ref.pvalue)
    assert rank_correlation([1, 2], [2, 1])["spearman"] is None


def test_several_envs_are_aggregated_on_normalised_scores():
    body = tune_suite()
    body["envs"] = ["rlbench/LQR-v0", "Pendulum-v1"]
    plan = resolve(parse_suite(body))
    assert plan.normalise is not None
    (r1, ref1), (r2, ref2) = plan.normalise["rlbench/LQR-v0"], plan.normalise["Pendulum-v1"]
    values = {("rlbench/LQR-v0", 0): -100.0, ("Pendulum-v1", 0): -500.0,
              ("rlbench/LQR-v0", 1): -50.0, ("Pendulum-v1", 1): None}  # fmt: skip
    got = seed_scores(values, plan.envs, [0, 1], plan.normalise)
    expected = ((-100.0 - r1) / (ref1 - r1) + (-500.0 - r2) / (ref2 - r2)) / 2
    assert got[0] == pytest.approx(expected) and np.isnan(got[1])
