"""The shared resampling primitives, each against an independent reference."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.proportion import proportion_confint

from rlbench.errors import InputError
from rlbench.stats import resampling


def test_make_rng_from_an_int_is_numpys_default_rng():
    rng, reported = resampling.make_rng(7)
    assert reported == 7
    assert rng.random(5).tolist() == np.random.default_rng(7).random(5).tolist()
    generator = np.random.default_rng(3)
    assert resampling.make_rng(generator) == (generator, None)
    sequence_rng, reported = resampling.make_rng(np.random.SeedSequence(3))
    assert reported is None
    assert sequence_rng.random() == np.random.default_rng(3).random()


@pytest.mark.parametrize("seed", [None, True, 1.5, "0"])
def test_make_rng_refuses_anything_but_an_explicit_seed(seed):
    with pytest.raises(InputError, match="seed must be an int"):
        resampling.make_rng(seed)


def test_uniform_indices_are_floor_of_uniform_doubles():
    high = np.array([[1], [3], [10]])
    indices = resampling.uniform_indices(np.random.default_rng(5), (3, 4), high)
    expected = np.floor(np.random.default_rng(5).random((3, 4)) * high).astype(int)
    assert indices.tolist() == expected.tolist()
    assert ((indices >= 0) & (indices < high)).all()


def test_uniform_indices_do_not_depend_on_the_chunking():
    whole = resampling.uniform_indices(np.random.default_rng(2), (10, 6), 6)
    rng = np.random.default_rng(2)
    parts = [resampling.uniform_indices(rng, (rows, 6), 6) for rows in (3, 3, 4)]
    assert np.array_equal(whole, np.concatenate(parts))


def test_index_counts_match_a_loop_over_rows():
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 5, (7, 9))
    valid = rng.random((7, 9)) < 0.7
    weights = rng.normal(size=(7, 9))
    counts = resampling.index_counts(indices, 5)
    masked = resampling.index_counts(indices, 5, valid)
    sums = resampling.index_counts(indices, 5, valid, weights)
    for row in range(7):
        for k in range(5):
            hit = indices[row] == k
            assert counts[row, k] == hit.sum()
            assert masked[row, k] == (hit & valid[row]).sum()
            assert sums[row, k] == pytest.approx(weights[row][hit & valid[row]].sum())


def test_percentile_bounds_are_numpys_quantiles():
    distribution = np.random.default_rng(1).normal(size=1001)
    expected = np.quantile(distribution, [0.05, 0.95])
    assert resampling.percentile_bounds(distribution, 0.9) == tuple(expected)


@pytest.mark.parametrize("n", [1, 3, 4, 9, 10, 37])
@pytest.mark.parametrize("summation", ["sorted", "partition"])
def test_trimmed_mean_is_scipys(n, summation):
    values = np.random.default_rng(n).normal(size=(5, n))
    found = resampling.trimmed_mean(values, axis=1, summation=summation)
    np.testing.assert_allclose(found, scipy.stats.trim_mean(values, 0.25, axis=1), rtol=1e-13)
    by_hand = [np.sort(row)[int(n / 4) : n - int(n / 4)].mean() for row in values]
    np.testing.assert_allclose(found, by_hand, rtol=1e-13)
    column = resampling.trimmed_mean(values.T, 0.1, axis=0, summation=summation)
    np.testing.assert_allclose(column, scipy.stats.trim_mean(values.T, 0.1, axis=0), rtol=1e-13)


def test_trimmed_mean_summations_are_bit_exact_to_their_references():
    values = np.random.default_rng(4).normal(size=(200, 20)) * 100
    sorted_sum = resampling.trimmed_mean(values, axis=1)
    assert sorted_sum.tolist() == np.sort(values, axis=1)[:, 5:15].mean(axis=1).tolist()
    partition = resampling.trimmed_mean(values, axis=1, summation="partition")
    assert partition.tolist() == scipy.stats.trim_mean(values, 0.25, axis=1).tolist()
    with pytest.raises(InputError, match="summation"):
        resampling.trimmed_mean(values, summation="pairwise")


def test_nan_trimmed_mean_trims_the_finite_values_of_each_row():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(6, 9))
    values[0, 3] = np.nan
    values[2, :5] = np.inf
    values[4] = np.nan
    expected = [
        scipy.stats.trim_mean(row[np.isfinite(row)], 0.25) if np.isfinite(row).any() else np.nan
        for row in values
    ]
    np.testing.assert_allclose(resampling.nan_trimmed_mean(values), expected, rtol=1e-13)


@pytest.mark.parametrize("successes, trials", [(0, 5), (3, 10), (7, 7), (1, 1), (12, 40)])
def test_binomial_interval_exact_and_beta_are_clopper_pearson(successes, trials):
    exact = resampling.binomial_interval(successes, trials, 0.95, method="exact")
    ci = scipy.stats.binomtest(successes, trials).proportion_ci(0.95, method="exact")
    assert exact == (ci.low, ci.high)
    beta = resampling.binomial_interval(successes, trials, 0.95, method="beta")
    reference = proportion_confint(successes, trials, 0.05, method="beta")
    assert beta == pytest.approx(reference, abs=1e-12)
    assert beta == pytest.approx(exact, abs=1e-12)


@pytest.mark.parametrize("successes, trials", [(0, 5), (3, 10), (7, 7), (12, 40)])
def test_binomial_interval_wilson_by_formula(successes, trials):
    lower, upper = resampling.binomial_interval(successes, trials, 0.9, method="wilson")
    z = scipy.stats.norm.ppf(0.95)
    p = successes / trials
    centre = (p + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z / (1 + z**2 / trials) * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    assert (lower, upper) == pytest.approx((centre - half, centre + half), abs=1e-12)


def test_binomial_interval_names_its_methods():
    with pytest.raises(InputError, match="exact, beta, wilson"):
        resampling.binomial_interval(1, 2, 0.95, method="agresti")  # type: ignore[arg-type]
