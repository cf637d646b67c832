"""Power against statsmodels; false-positive rates and seed splits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.power import TTestIndPower

from rlbench.errors import InputError
from rlbench.stats import (
    colas_power,
    curve_t_test,
    false_positive_rate,
    seed_split,
    seeds_needed,
    welch_power,
)
from rlbench.stats.splits import count_splits


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
    assert result.method == "two-sided Welch t-test, noncentral t"
    assert (result.sided, result.alternative) == ("two", "two-sided")


def _colas_compute_beta(epsilon, n, s1, s2, alpha=0.05):
    """The loop body of Colas et al.'s ``compute_beta`` (flowersteam/rl-difference-testing)."""
    nu = (s1**2 + s2**2) ** 2 * (n - 1) / (s1**4 + s2**4)
    t_eps = epsilon / np.sqrt((s1**2 + s2**2) / n)
    t_crit = scipy.stats.t.ppf(1 - alpha, nu)
    return scipy.stats.t.cdf(t_crit - t_eps, nu)


@pytest.mark.parametrize(
    ("d", "one_sided", "two_sided"), [(0.5, 51, 64), (1.0, 14, 17), (2.0, 5, 6)]
)
def test_seeds_needed_one_sided_is_colas_formula_on_their_numbers(d, one_sided, two_sided):
    pilot = np.array([-1.0, 1.0, -1.0, 1.0, 0.0])  # sample sd 1
    one = seeds_needed(pilot, effect=d, alpha=0.05, power=0.8, sided="one")
    two = seeds_needed(pilot, effect=d, alpha=0.05, power=0.8, sided="two")
    assert (one.n_seeds, two.n_seeds) == (one_sided, two_sided)
    assert one.sided == "one" and one.alternative == "greater" and "compute_beta" in one.method
    # their procedure: the first N (their script tries 2..49; 51 needs a longer range)
    # whose beta is below the requirement 0.2
    sizes = np.arange(2, 200)
    beta = _colas_compute_beta(d, sizes, 1.0, 1.0)
    assert sizes[np.argmax(beta < 0.2)] == one_sided
    np.testing.assert_allclose(colas_power(sizes, d, 1.0), 1 - beta, rtol=1e-12)


def test_colas_power_unequal_stds_and_sign():
    sizes = np.arange(2, 30)
    expected = 1 - _colas_compute_beta(3.0, sizes, 2.0, 5.0, alpha=0.01)
    np.testing.assert_allclose(colas_power(sizes, -3.0, 2.0, 5.0, 0.01), expected, rtol=1e-12)
    low = seeds_needed([0.0, 2.0, 4.0], effect=-1.0, sided="one")
    assert (
        low.alternative == "less"
        and low.n_seeds == seeds_needed([0.0, 2.0, 4.0], 1.0, sided="one").n_seeds
    )
    with pytest.raises(InputError, match="sided must be 'one'"):
        seeds_needed([0.0, 1.0], 1.0, sided="both")


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
    assert result.method.startswith("two disjoint groups of N drawn without replacement")
    again = false_positive_rate(runs, (3, 10, 20), "welch", alpha=0.05, reps=20_000, seed=1)
    assert again == result
    pooled = false_positive_rate(runs, (10,), "welch", reps=5000, seed=1, replace=True)
    assert pooled.method == "two groups of N drawn with replacement from the same runs"


def test_false_positive_groups_are_disjoint_and_need_n_over_2():
    from rlbench.stats.power import _draw_groups

    values = np.arange(12.0)  # distinct runs: disjoint groups share no value
    groups = _draw_groups(np.random.default_rng(0), values, 3000, 6, replace=False)
    assert groups.shape == (3000, 12)
    assert all(len(set(row)) == 12 for row in groups)
    # every run is equally likely to land in either group
    counts = np.array([(groups[:, :6] == v).sum() for v in values])
    np.testing.assert_allclose(counts / 3000, 0.5, atol=0.05)
    with pytest.raises(
        InputError, match=r"sample size 7 is not possible with 12 runs \(2 <= N <= n / 2"
    ):
        false_positive_rate(values, (7,))


def test_false_positive_rate_hand_case_of_two_clusters():
    # 4 runs {0, 0.1, 10, 10.1}, N = 2 without replacement: 3 equally likely splits
    # (as sets); only {0, 0.1} vs {10, 10.1} is significant at 0.05, so the rate is 1/3
    runs = np.array([0.0, 0.1, 10.0, 10.1])
    result = false_positive_rate(runs, (2,), "t_test", alpha=0.05, reps=30_000, seed=2)
    assert scipy.stats.ttest_ind([0.0, 0.1], [10.0, 10.1]).pvalue < 0.05
    assert result.rates[0] == pytest.approx(1 / 3, abs=0.01)


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
    from rlbench.stats.splits import _all_splits

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
    from rlbench.stats.resampling import uniform_indices

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


def test_curve_t_test_is_the_mean_of_scipy_per_point():
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(5, 8)), rng.normal(0.5, size=(5, 8))
    result = curve_t_test(x, y)
    per_point = [scipy.stats.ttest_ind(x[:, j], y[:, j]) for j in range(8)]
    assert result.mean_t == pytest.approx(np.mean([r.statistic for r in per_point]), rel=1e-12)
    assert result.mean_p == pytest.approx(np.mean([r.pvalue for r in per_point]), rel=1e-12)
    assert (result.n_x, result.n_y, result.n_points, result.equal_var) == (5, 5, 8, True)
    welch = curve_t_test(x, y[:3], equal_var=False)
    expected = [scipy.stats.ttest_ind(x[:, j], y[:3, j], equal_var=False).pvalue for j in range(8)]
    assert welch.mean_p == pytest.approx(np.mean(expected), rel=1e-12)


def test_curve_t_test_skips_constant_points_and_checks_input():
    x = np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 3.0]])
    y = np.array([[0.0, 5.0, 6.0], [0.0, 6.0, 8.0]])
    result = curve_t_test(x, y)  # the first point is 0 everywhere: no t there
    assert result.n_points == 2 and "1 constant points left out" in result.method
    with pytest.raises(InputError, match="one grid"):
        curve_t_test(x, y[:, :2])
    with pytest.raises(InputError, match="at least 2 seeds"):
        curve_t_test(x[:1], y)
