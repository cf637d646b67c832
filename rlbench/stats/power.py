"""How many seeds: power analysis, false-positive rates and seed splits.

* `seeds_needed` (Colas, Sigaud & Oudeyer 2018, Sec. 5): from a pilot's standard
  deviation, the smallest number of seeds per agent for Welch's t-test to detect
  a difference of means ``effect`` at level ``alpha`` with power ``1 - beta``.
  The power of Welch's test is computed from the noncentral t distribution with
  Welch-Satterthwaite degrees of freedom; with equal standard deviations it is
  exactly the two-sample t-test power of statsmodels' ``TTestIndPower``.
* `false_positive_rate` (Colas et al. 2019, Sec. 4): draw two groups of N runs
  from the *same* agent's runs, test them, and count how often the test calls
  the difference significant; a well-calibrated test gives ``alpha``.
* `seed_split` (Henderson et al. 2018, Fig. 5): split the N seeds of one config
  into two groups of k and count how many splits look significantly different.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import scipy.stats

from rlbench.errors import InputError, UnknownNameError
from rlbench.stats import _data
from rlbench.stats._data import Seed
from rlbench.stats.comparisons import ALTERNATIVES, _t_p_value, welch_statistic
from rlbench.stats.results import FalsePositiveResult, PowerResult, SeedSplitResult

TESTS = ("welch", "t_test", "mann_whitney", "ks")


def welch_power(
    n_seeds: int | np.ndarray,
    effect: float,
    std_x: float,
    std_y: float | None = None,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> np.ndarray:
    """Power of Welch's t-test with ``n_seeds`` runs per agent.

    With ``s2 = std_x**2 + std_y**2``: noncentrality ``effect / sqrt(s2 / n)``,
    ``df = (n - 1) s2**2 / (std_x**4 + std_y**4)`` (Welch-Satterthwaite), and
    power ``P(T' > t_crit) [+ P(T' < -t_crit)]`` for ``T' ~ nct(df, ncp)``.

    Args:
        n_seeds: runs per agent, scalar or ``(k,)``.
        effect: difference of means ``mean_x - mean_y`` to detect, in score units.
        std_x: standard deviation of agent x's scores.
        std_y: of agent y's (default ``std_x``).
        alpha: significance level.
        alternative: ``'two-sided'``, ``'greater'`` or ``'less'``.

    Returns:
        Power, same shape as ``n_seeds``.
    """
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative must be one of {', '.join(ALTERNATIVES)}")
    std_y = std_x if std_y is None else std_y
    spread = std_x**2 + std_y**2
    if not spread > 0:
        raise InputError("power is undefined: the pilot runs have zero spread")
    n = np.asarray(n_seeds, dtype=np.float64)
    dof = (n - 1) * spread**2 / (std_x**4 + std_y**4)
    noncentrality = effect / np.sqrt(spread / n)
    if alternative == "two-sided":
        critical = scipy.stats.t.ppf(1 - alpha / 2, dof)
        return scipy.stats.nct.sf(critical, dof, noncentrality) + scipy.stats.nct.cdf(
            -critical, dof, noncentrality
        )
    critical = scipy.stats.t.ppf(1 - alpha, dof)
    if alternative == "greater":
        return scipy.stats.nct.sf(critical, dof, noncentrality)
    return scipy.stats.nct.cdf(-critical, dof, noncentrality)


def seeds_needed(
    pilot: np.ndarray | Sequence[float],
    effect: float,
    alpha: float = 0.05,
    power: float = 0.8,
    pilot_other: np.ndarray | Sequence[float] | None = None,
    alternative: str = "two-sided",
    max_seeds: int = 10_000,
    nan_policy: str = "raise",
) -> PowerResult:
    """Seeds per agent for Welch's test to detect ``effect`` (Colas et al. 2018, Sec. 5).

    Args:
        pilot: pilot runs of one agent, ``(n,)`` (Colas et al. suggest n >= 20);
            its sample std is assumed for both agents unless ``pilot_other`` is given.
        effect: difference of means to detect, in score units (sign matters only
            for one-sided alternatives).
        alpha: significance level.
        power: target power, ``1 - beta``.
        pilot_other: pilot runs of the second agent, ``(m,)``.
        alternative: ``'two-sided'``, ``'greater'`` or ``'less'``.
        max_seeds: largest N searched.
        nan_policy: ``'raise'`` or ``'omit'``.

    Returns:
        A PowerResult; ``n_seeds`` is None when ``max_seeds`` is not enough.
    """
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise InputError(f"alpha and power must be in (0, 1), got {alpha} and {power}")
    if effect == 0:
        raise InputError("effect must be non-zero: no number of seeds detects a zero difference")
    runs, excluded = _data.sample_runs(pilot, nan_policy, "pilot")
    if runs.size < 2:
        raise InputError("the pilot needs at least 2 runs to estimate a standard deviation")
    std_x = float(runs.std(ddof=1))
    std_y = std_x
    if pilot_other is not None:
        other, other_excluded = _data.sample_runs(pilot_other, nan_policy, "pilot_other")
        if other.size < 2:
            raise InputError("pilot_other needs at least 2 runs")
        std_y, excluded = float(other.std(ddof=1)), excluded + other_excluded
    found, achieved = None, float("nan")
    for low, high in ((2, 256), (256, max_seeds + 1)):  # most answers are small
        candidates = np.arange(low, min(high, max_seeds + 1))
        if candidates.size == 0:
            continue
        powers = welch_power(candidates, effect, std_x, std_y, alpha, alternative)
        reached = np.flatnonzero(powers >= power)
        achieved = float(powers[reached[0]] if reached.size else powers[-1])
        if reached.size:
            found = int(candidates[reached[0]])
            break
    return PowerResult(
        n_seeds=found,
        achieved_power=achieved,
        effect=float(effect),
        alpha=float(alpha),
        power=float(power),
        std_x=std_x,
        std_y=std_y,
        pilot_runs=int(runs.size),
        alternative=alternative,
        n_excluded=excluded,
    )


def _p_values(first: np.ndarray, second: np.ndarray, test: str) -> np.ndarray:
    """p-values of ``test`` for each row pair: ``(k, n)`` and ``(k, m)`` -> ``(k,)``.

    An undefined test (e.g. Welch's t on two constant groups) gives NaN, which
    never counts as significant.
    """
    if test == "welch":
        t, dof = welch_statistic(first, second, axis=1)
        return _t_p_value(t, dof, "two-sided")
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "t_test":
            return scipy.stats.ttest_ind(first, second, axis=1).pvalue
        if test == "mann_whitney":
            return scipy.stats.mannwhitneyu(first, second, axis=1).pvalue
        return scipy.stats.ks_2samp(first, second, axis=1).pvalue


def _check_test(test: str) -> None:
    if test not in TESTS:
        raise UnknownNameError("test", test, TESTS)


def false_positive_rate(
    runs: np.ndarray | Sequence[float],
    sample_sizes: Sequence[int] = (2, 3, 5, 10, 20),
    test: str = "welch",
    alpha: float = 0.05,
    reps: int = 10_000,
    seed: Seed = 0,
    replace: bool = True,
    nan_policy: str = "raise",
) -> FalsePositiveResult:
    """Empirical false-positive rate of a test at several N (Colas et al. 2019, Sec. 4).

    For each N, ``reps`` pairs of groups of N runs are drawn from the same runs
    (with replacement: both groups come from the runs' empirical distribution)
    and tested (two-sided); the rate is the fraction with p < alpha.

    Args:
        runs: one agent's runs, ``(n,)``.
        sample_sizes: the N to try (each >= 2; ``2 N <= n`` without replacement).
        test: ``'welch'``, ``'t_test'``, ``'mann_whitney'`` or ``'ks'``.
        alpha: significance level.
        reps: pairs of groups per N.
        seed: int or Generator.
        replace: draw with replacement (default) or without.
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    _check_test(test)
    _data.check_reps(reps)
    values, excluded = _data.sample_runs(runs, nan_policy, "runs")
    rng, seed_value = _data.make_rng(seed)
    rates = []
    for size in sample_sizes:  # a loop over N, not over resamples
        if size < 2 or (not replace and 2 * size > values.size):
            raise InputError(
                f"sample size {size} is not possible with {values.size} runs "
                f"({'2 <= N' if replace else '2 <= N <= n / 2'})"
            )
        if replace:
            indices = _data.uniform_indices(rng, (reps, 2 * size), values.size)
        else:
            indices = np.argsort(rng.random((reps, values.size)), axis=1)[:, : 2 * size]
        groups = values[indices]
        p_values = _p_values(groups[:, :size], groups[:, size:], test)
        rates.append(float(np.mean(p_values < alpha)))
    how = "with" if replace else "without"
    return FalsePositiveResult(
        sample_sizes=tuple(int(n) for n in sample_sizes),
        rates=tuple(rates),
        alpha=float(alpha),
        test=test,
        reps=int(reps),
        n_runs=int(values.size),
        method=f"two groups of N drawn {how} replacement from the same runs",
        seed=seed_value,
        n_excluded=excluded,
    )


def count_splits(n_runs: int, group_size: int) -> int:
    """Unordered pairs of disjoint groups of ``group_size`` among ``n_runs`` seeds."""
    return math.comb(n_runs, 2 * group_size) * math.comb(2 * group_size, group_size) // 2


def _all_splits(n_runs: int, group_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every split once: the group holding the smallest chosen seed comes first."""
    first, second = [], []
    for chosen in itertools.combinations(range(n_runs), 2 * group_size):
        for rest in itertools.combinations(chosen[1:], group_size - 1):
            group = (chosen[0], *rest)
            first.append(group)
            second.append([seed for seed in chosen if seed not in group])
    return np.array(first), np.array(second)


def seed_split(
    runs: np.ndarray | Sequence[float],
    group_size: int | None = None,
    test: str = "welch",
    alpha: float = 0.05,
    max_splits: int = 10_000,
    seed: Seed = 0,
    nan_policy: str = "raise",
) -> SeedSplitResult:
    """Splits one config's seeds into two groups and tests each split.

    Henderson et al. 2018, Fig. 5: 10 seeds of one TRPO config split 5/5 gave
    "significantly different" curves. Every split is tested when there are at
    most ``max_splits`` of them; otherwise ``max_splits`` random splits are.

    Args:
        runs: scores of one config's N seeds, ``(N,)``.
        group_size: seeds per group, k (default ``N // 2``; ``2 <= k <= N / 2``).
        test: ``'welch'``, ``'t_test'``, ``'mann_whitney'`` or ``'ks'`` (two-sided).
        alpha: significance level.
        max_splits: most splits tested.
        seed: int or Generator, for random splits.
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    _check_test(test)
    values, excluded = _data.sample_runs(runs, nan_policy, "runs")
    size = values.size // 2 if group_size is None else group_size
    if size < 2 or 2 * size > values.size:
        raise InputError(
            f"group size {size} is not possible with {values.size} seeds (2 <= k <= N / 2)"
        )
    exhaustive = count_splits(values.size, size) <= max_splits
    seed_value = None
    if exhaustive:
        first, second = _all_splits(values.size, size)
    else:
        rng, seed_value = _data.make_rng(seed)
        order = np.argsort(rng.random((max_splits, values.size)), axis=1)
        first, second = order[:, :size], order[:, size : 2 * size]
    p_values = _p_values(values[first], values[second], test)
    significant = int(np.count_nonzero(p_values < alpha))
    return SeedSplitResult(
        fraction_significant=significant / len(p_values),
        n_significant=significant,
        n_splits=len(p_values),
        exhaustive=exhaustive,
        group_size=size,
        n_runs=int(values.size),
        alpha=float(alpha),
        test=test,
        p_values=tuple(float(p) for p in p_values),
        seed=seed_value,
        n_excluded=excluded,
    )


def bootstrap_false_positive_rate(
    runs: np.ndarray | Sequence[float],
    sample_sizes: Sequence[int] = (5, 10, 20),
    alpha: float = 0.05,
    reps: int = 1_000,
    boot_reps: int = 1_000,
    seed: Seed = 0,
    nan_policy: str = "raise",
) -> FalsePositiveResult:
    """False-positive rate of the bootstrap CI test (Colas et al. 2018, 2019).

    The test calls two groups different when the percentile bootstrap CI of
    ``mean(x) - mean(y)`` (``boot_reps`` resamples, level ``1 - alpha``) excludes 0.
    For each N, ``reps`` pairs of groups of N runs are drawn with replacement from
    the same runs, so every rejection is a false positive. Vectorised over pairs
    and resamples, in chunks of pairs.

    Args:
        runs: one agent's runs, ``(n,)``.
        sample_sizes: the N to try (each >= 2).
        alpha: significance level (the CI is at level 1 - alpha).
        reps: pairs of groups per N; boot_reps: bootstrap resamples per test.
        seed: int or Generator.
    """
    _data.check_reps(reps)
    _data.check_reps(boot_reps)
    values, excluded = _data.sample_runs(runs, nan_policy, "runs")
    rng, seed_value = _data.make_rng(seed)
    rates = []
    for size in sample_sizes:
        if size < 2:
            raise InputError(f"sample size {size} is not possible (N >= 2)")
        groups = values[_data.uniform_indices(rng, (reps, 2, size), values.size)]
        chunk = max(1, 2_000_000 // (boot_reps * size))
        rejected = 0
        for start in range(0, reps, chunk):
            block = groups[start : start + chunk]  # (b, 2, N)
            index = _data.uniform_indices(rng, (len(block), 2, boot_reps, size), size)
            resampled = np.take_along_axis(block[:, :, None, :], index, axis=3).mean(axis=3)
            difference = resampled[:, 0] - resampled[:, 1]  # (b, boot_reps)
            lower = np.quantile(difference, alpha / 2, axis=1)
            upper = np.quantile(difference, 1 - alpha / 2, axis=1)
            rejected += int(np.sum((lower > 0) | (upper < 0)))
        rates.append(rejected / reps)
    return FalsePositiveResult(
        sample_sizes=tuple(int(n) for n in sample_sizes),
        rates=tuple(rates),
        alpha=float(alpha),
        test=f"bootstrap CI of the mean difference ({boot_reps} resamples)",
        reps=int(reps),
        n_runs=int(values.size),
        method="two groups of N drawn with replacement from the same runs",
        seed=seed_value,
        n_excluded=excluded,
    )
