"""Stratified-bootstrap CIs against rliable, single-sample CIs against scipy.

Monte-Carlo tolerances: a bootstrap quantile estimated from B resamples has a
standard error of about ``sqrt(p (1 - p) / B) / f(q_p)`` (f the density of the
bootstrap distribution at the quantile, estimated here from our own, larger,
set of resamples). Two independent estimates must agree within 5 standard
errors of their difference (a false alarm about once in 10^6 runs), plus
half a grid step for statistics with a discrete distribution.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from rliable import library as rly
from rliable import metrics

from rlbench.errors import InputError
from rlbench.stats import (
    aggregate_interval,
    aggregate_intervals,
    bootstrap,
    performance_profile,
    sample_interval,
    stratified_bootstrap,
)
from rlbench.stats import sample as sample_module

STATS = ("iqm", "mean", "median", "optimality_gap")


def _rliable_all(scores):
    return np.array(
        [
            metrics.aggregate_iqm(scores),
            metrics.aggregate_mean(scores),
            metrics.aggregate_median(scores),
            metrics.aggregate_optimality_gap(scores),
        ]
    )


def _quantile_se(distribution: np.ndarray, p: float, reps: int) -> float:
    width = 0.01
    low, high = np.quantile(distribution, [p - width / 2, p + width / 2])
    density = width / max(high - low, 1e-12)
    return np.sqrt(p * (1 - p) / reps) / density


def _assert_bounds_agree(ours, distribution, ours_reps, theirs, theirs_reps, grid=0.0):
    for bound, p, their_bound in ((ours[0], 0.025, theirs[0]), (ours[1], 0.975, theirs[1])):
        se = np.hypot(
            _quantile_se(distribution, p, ours_reps), _quantile_se(distribution, p, theirs_reps)
        )
        assert abs(bound - their_bound) <= 5 * se + grid / 2, (bound, their_bound, se)


@pytest.mark.parametrize("task_bootstrap", [False, True])
def test_stratified_cis_agree_with_rliable(task_bootstrap, seed_global_numpy):
    scores = np.random.default_rng(7).gamma(2.0, 0.5, size=(10, 4))
    reps, rliable_reps = 50_000, 10_000
    ours = aggregate_intervals(scores, STATS, reps=reps, seed=1, task_bootstrap=task_bootstrap)
    distributions = stratified_bootstrap(
        scores, STATS, reps=reps, seed=1, task_bootstrap=task_bootstrap
    )
    points, intervals = rly.get_interval_estimates(
        {"a": scores}, _rliable_all, reps=rliable_reps, task_bootstrap=task_bootstrap
    )
    for column, name in enumerate(STATS):
        interval = ours[name]
        np.testing.assert_allclose(interval.estimate, points["a"][column], rtol=1e-13)
        _assert_bounds_agree(
            (interval.lower, interval.upper),
            distributions[name],
            reps,
            intervals["a"][:, column],
            rliable_reps,
        )


def test_interval_states_how_it_was_made():
    interval = aggregate_interval(np.ones((3, 2)) * [[1.0], [2.0], [3.0]], "iqm", reps=100, seed=5)
    assert interval.method == "percentile, stratified bootstrap (runs within tasks)"
    assert (interval.reps, interval.confidence, interval.runs_per_task) == (100, 0.95, (3, 3))
    assert interval.seed == 5 and interval.n_excluded == 0
    assert interval.describe() == (
        "95% CI: percentile, stratified bootstrap (runs within tasks), 100 resamples, seed 5; "
        "3 runs per task, 2 tasks"
    )


def test_same_seed_same_ci():
    scores = np.random.default_rng(0).normal(size=(6, 3))
    first = aggregate_intervals(scores, reps=3000, seed=11)
    assert aggregate_intervals(scores, reps=3000, seed=11) == first
    from_generator = aggregate_intervals(scores, reps=3000, seed=np.random.default_rng(11))
    assert from_generator["iqm"].lower == first["iqm"].lower
    assert from_generator["iqm"].seed is None
    assert aggregate_intervals(scores, reps=3000, seed=12) != first


def test_ragged_list_equals_nan_padded_matrix():
    rng = np.random.default_rng(2)
    ragged = [rng.normal(size=3), rng.normal(size=7), rng.normal(size=5)]
    padded = np.full((7, 3), np.nan)
    for column, runs in enumerate(ragged):
        padded[: runs.size, column] = runs
    from_list = aggregate_intervals(ragged, reps=2000, seed=3)
    with pytest.raises(InputError, match="scores has 6 NaN/inf scores"):
        aggregate_intervals(padded, reps=2000, seed=3)
    from_matrix = aggregate_intervals(padded, reps=2000, seed=3, nan_policy="omit")
    for name in STATS:
        assert from_matrix[name].n_excluded == 6
        assert from_matrix[name].runs_per_task == (3, 7, 5)
        assert from_matrix[name].lower == from_list[name].lower
        assert from_matrix[name].upper == from_list[name].upper


def test_ragged_resamples_match_a_plain_implementation():
    """The counts engine equals resampling each task and computing the statistic."""
    rng = np.random.default_rng(4)
    ragged = (np.sort(rng.normal(size=4)), np.sort(rng.normal(size=6)))  # the engine sorts
    pooled = bootstrap._Pooled(ragged)
    counts, _ = bootstrap._draw_chunk(pooled, 50, np.random.default_rng(9), False)
    rng = np.random.default_rng(9)
    first = ragged[0][rng.integers(0, 4, (50, 4))]
    second = ragged[1][rng.integers(4, 10, (50, 6)) - 4]
    task_means = counts @ pooled.task_weights
    np.testing.assert_allclose(task_means, np.stack([first.mean(1), second.mean(1)], axis=1))
    expected = scipy.stats.trim_mean(np.concatenate([first, second], axis=1), 0.25, axis=1)
    np.testing.assert_allclose(bootstrap._trimmed_means(counts, pooled.values, 0.25), expected)


def test_task_bootstrap_on_ragged_tasks():
    ragged = [np.arange(3.0), np.arange(5.0) + 10, np.arange(4.0) - 10]
    intervals = aggregate_intervals(ragged, reps=4000, seed=0, task_bootstrap=True)
    for interval in intervals.values():
        assert interval.lower <= interval.estimate <= interval.upper
        assert interval.method == "percentile, stratified bootstrap (runs and tasks)"
    # resampling tasks makes the CI of the mean far wider than resampling runs only
    runs_only = aggregate_interval(ragged, "mean", reps=4000, seed=0)
    assert intervals["mean"].upper - intervals["mean"].lower > 3 * (
        runs_only.upper - runs_only.lower
    )


def test_performance_profile_agrees_with_rliable(seed_global_numpy):
    scores = np.random.default_rng(5).normal(1.0, 0.5, size=(20, 5))
    taus = np.linspace(0.0, 2.0, 9)
    ours = performance_profile(scores, taus, reps=20_000, seed=0)
    points, bands = rly.create_performance_profile({"a": scores}, taus, reps=2000)
    np.testing.assert_array_equal(ours.fraction, points["a"])
    # fractions move in steps of 1/100; 2,000 rliable resamples: se <= ~0.01 at each band
    np.testing.assert_allclose(ours.lower, bands["a"][0], atol=0.035)
    np.testing.assert_allclose(ours.upper, bands["a"][1], atol=0.035)
    assert ours.reps == 20_000 and ours.runs_per_task == (20,) * 5


def test_profile_hand_computed_and_ragged():
    profile = performance_profile([np.array([0.0, 1.0]), np.array([2.0])], [0.5, 1.5], reps=10)
    assert profile.fraction == (0.75, 0.5)  # task-averaged: (1/2 + 1) / 2, (0 + 1) / 2


@pytest.mark.parametrize("statistic", ["mean", "median", np.std])
@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_sample_interval_agrees_with_scipy(statistic, method):
    sample = np.random.default_rng(1).lognormal(size=25)
    function = {"mean": np.mean, "median": np.median}.get(statistic, statistic)
    reps = 40_000
    ours = sample_interval(sample, statistic, method, reps=reps, seed=0)
    theirs = scipy.stats.bootstrap(
        (sample,), function, n_resamples=reps, method=method, rng=np.random.default_rng(1)
    )
    np.testing.assert_allclose(ours.estimate, function(sample))
    distribution = theirs.bootstrap_distribution
    # BCa levels move with the bias estimate too; 7 standard errors covers that
    factor = 1.0 if method == "percentile" else 1.4
    for bound, p, their_bound in (
        (ours.lower, 0.025, theirs.confidence_interval.low),
        (ours.upper, 0.975, theirs.confidence_interval.high),
    ):
        se = np.sqrt(2) * _quantile_se(distribution, p, reps)
        grid = np.diff(np.sort(sample)).max() / 2 if statistic == "median" else 0.0
        assert abs(bound - their_bound) <= factor * 5 * se + grid, (bound, their_bound)


def test_bca_levels_equal_scipy_formula():
    """Same bootstrap distribution in, same BCa interval out (scipy's private helper)."""
    resampling = pytest.importorskip("scipy.stats._resampling")
    sample = np.random.default_rng(3).exponential(size=15)
    distribution = np.random.default_rng(4).choice(sample, (5000, 15)).mean(axis=1)
    lower, upper = sample_module._bca_bounds(
        sample, np.mean, distribution, float(sample.mean()), 0.9
    )
    try:
        levels = resampling._bca_interval((sample,), np.mean, -1, 0.05, distribution, None, np)[:2]
    except TypeError:  # pragma: no cover - scipy changed its private signature
        pytest.skip("scipy's private _bca_interval changed")
    np.testing.assert_allclose([lower, upper], np.quantile(distribution, levels), rtol=1e-12)


def test_bca_degenerate_and_errors():
    constant = sample_interval(np.full(5, 2.0), "mean", "bca", reps=100)
    assert (constant.lower, constant.upper) == (2.0, 2.0)
    with pytest.raises(InputError, match="BCa needs at least 2 runs"):
        sample_interval([1.0], "mean", "bca")
    with pytest.raises(InputError, match="method must be 'bca' or 'percentile', got 'basic'"):
        sample_interval([1.0, 2.0], "mean", "basic")
    with pytest.raises(InputError, match="unknown statistic 'meen'; did you mean 'mean'"):
        sample_interval([1.0, 2.0], "meen")
    with pytest.raises(InputError, match="seed must be an int or a numpy Generator, got None"):
        sample_interval([1.0, 2.0], seed=None)


def test_input_checks():
    with pytest.raises(InputError, match="unknown statistic 'iqr'; did you mean 'iqm'"):
        aggregate_intervals(np.ones((2, 2)), ("iqr",))
    with pytest.raises(InputError, match=r"confidence must be in \(0, 1\), got 95"):
        aggregate_intervals(np.ones((2, 2)), confidence=95)
    with pytest.raises(InputError, match="reps must be a positive int, got 0"):
        aggregate_intervals(np.ones((2, 2)), reps=0)
