"""Power against statsmodels; false-positive rates and seed splits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.power import TTestIndPower

from rlbench.errors import InputError
from rlbench.stats import false_positive_rate, seed_split, seeds_needed, welch_power
from rlbench.stats.power import count_splits


@pytest.mark.parametrize("d", [0.3, 0.8, 1.5])
@pytest.mark.parametrize("alternative", ["two-sided", "larger"])
def test_equal_variance_power_equals_statsmodels(d, alternative):
    ours_alternative = "greater" if alternative == "larger" else alternative
    n = np.arange(2, 60)
    ours = welch_power(n, effect=d * 2.0, std_x=2.0, alpha=0.05, alternative=ours_alternative)
    theirs = TTestIndPower().power(d, nobs1=n, alpha=0.05, ratio=1.0, alternative=alternative)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("d", [0.5, 1.0, 2.0])
def test_seeds_needed_is_statsmodels_rounded_up(d):
    pilot = np.array([-1.0, 1.0, -1.0, 1.0, 0.0])  # sample sd sqrt(1)
    std = pilot.std(ddof=1)
    result = seeds_needed(pilot, effect=d * std, alpha=0.05, power=0.8)
    solved = TTestIndPower().solve_power(d, alpha=0.05, power=0.8, ratio=1.0)
    assert result.n_seeds == math.ceil(solved)
    assert result.achieved_power >= 0.8 and result.pilot_runs == 5
    assert result.method == "Welch t-test, noncentral t"


def test_unequal_variances_match_a_closed_form():
    # large N: Welch power -> normal approximation Phi(effect / se - z_{1 - alpha / 2})
    n, effect, std_x, std_y = 400, 0.5, 1.0, 3.0
    se = math.sqrt((std_x**2 + std_y**2) / n)
    normal = scipy.stats.norm.cdf(effect / se - scipy.stats.norm.ppf(0.975))
    assert welch_power(n, effect, std_x, std_y) == pytest.approx(normal, abs=2e-3)


def test_power_errors():
    with pytest.raises(InputError, match="effect must be non-zero"):
        seeds_needed([1.0, 2.0], 0.0)
    with pytest.raises(InputError, match="power is undefined: the pilot runs have zero spread"):
        seeds_needed([1.0, 1.0], 1.0)
    assert seeds_needed([0.0, 10.0], 1e-3, max_seeds=50).n_seeds is None


def test_false_positive_rate_of_welch_is_near_alpha_for_normal_runs():
    runs = np.random.default_rng(0).normal(size=2000)
    result = false_positive_rate(runs, (3, 10, 20), "welch", alpha=0.05, reps=20_000, seed=1)
    # binomial se of a rate near 0.05 from 20,000 tests: 0.0015; Welch's test is
    # conservative at N = 3 (its Satterthwaite df overshoots), close to alpha later
    assert 0.02 < result.rates[0] < 0.05
    np.testing.assert_allclose(result.rates[1:], 0.05, atol=0.008)
    assert result.method == "two groups of N drawn with replacement from the same runs"
    again = false_positive_rate(runs, (3, 10, 20), "welch", alpha=0.05, reps=20_000, seed=1)
    assert again == result


@pytest.mark.parametrize("test", ["welch", "t_test", "mann_whitney", "ks"])
def test_vectorised_tests_equal_scipy_one_by_one(test):
    from rlbench.stats.power import _p_values

    rng = np.random.default_rng(3)
    first, second = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    one_by_one = {
        "welch": lambda a, b: scipy.stats.ttest_ind(a, b, equal_var=False).pvalue,
        "t_test": lambda a, b: scipy.stats.ttest_ind(a, b).pvalue,
        "mann_whitney": lambda a, b: scipy.stats.mannwhitneyu(a, b).pvalue,
        "ks": lambda a, b: scipy.stats.ks_2samp(a, b).pvalue,
    }[test]
    expected = [one_by_one(a, b) for a, b in zip(first, second, strict=True)]
    np.testing.assert_allclose(_p_values(first, second, test), expected, rtol=1e-12)


def test_seed_split_exhaustive_henderson_layout():
    runs = np.random.default_rng(5).normal(size=10)
    result = seed_split(runs)  # 10 seeds, 5 vs 5
    assert result.exhaustive and result.n_splits == count_splits(10, 5) == 126
    assert result.group_size == 5 and result.n_runs == 10 and result.seed is None
    assert 0.0 <= result.fraction_significant <= 0.2


def test_seed_split_enumerates_each_split_once():
    from rlbench.stats.power import _all_splits

    first, second = _all_splits(5, 2)
    assert len(first) == count_splits(5, 2) == 15
    pairs = {frozenset([tuple(a), tuple(b)]) for a, b in zip(first, second, strict=True)}
    assert len(pairs) == 15


def test_seed_split_hand_case_and_sampling():
    # two clear clusters: the split that separates them is the only significant one
    runs = np.array([0.0, 0.1, 0.2, 10.0, 10.1, 10.2])
    result = seed_split(runs, group_size=3, alpha=0.01)
    assert (result.n_splits, result.n_significant) == (10, 1)
    sampled = seed_split(np.arange(30.0), group_size=10, max_splits=500, seed=4)
    assert not sampled.exhaustive and sampled.n_splits == 500 and sampled.seed == 4
    with pytest.raises(InputError, match=r"group size 4 is not possible with 6 seeds"):
        seed_split(runs, group_size=4)
    with pytest.raises(InputError, match="unknown test 'welsh'; did you mean 'welch'"):
        seed_split(runs, test="welsh")


def test_bootstrap_false_positive_rate_by_hand():
    """One pair, redone step by step with the same generator calls."""
    from rlbench.stats import bootstrap_false_positive_rate
    from rlbench.stats._data import uniform_indices

    runs = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0])
    result = bootstrap_false_positive_rate(runs, (4,), alpha=0.05, reps=1, boot_reps=500, seed=7)
    rng = np.random.default_rng(7)
    groups = runs[uniform_indices(rng, (1, 2, 4), runs.size)][0]
    index = uniform_indices(rng, (1, 2, 500, 4), 4)[0]
    means = np.stack([groups[g][index[g]].mean(axis=1) for g in range(2)])
    difference = means[0] - means[1]
    lower, upper = np.quantile(difference, [0.025, 0.975])
    assert result.rates == (float(lower > 0 or upper < 0),)


def test_bootstrap_false_positive_rate_properties():
    from rlbench.stats import bootstrap_false_positive_rate

    runs = np.random.default_rng(0).normal(size=40)
    a = bootstrap_false_positive_rate(runs, (5, 20), reps=1000, boot_reps=500, seed=3)
    b = bootstrap_false_positive_rate(runs, (5, 20), reps=1000, boot_reps=500, seed=3)
    assert a == b  # same seed, same rates
    # Colas et al.: the bootstrap test rejects too often at small N, less at N = 20
    assert a.rates[0] > 0.08 and a.rates[0] > a.rates[1]
    assert 0.02 < a.rates[1] < 0.1
    constant = bootstrap_false_positive_rate(np.ones(10), (5,), reps=200, boot_reps=100)
    assert constant.rates == (0.0,)  # identical groups: the CI is [0, 0], never significant
