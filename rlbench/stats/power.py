"""How many seeds: power analysis and false-positive rates.

* `seeds_needed` (Colas, Sigaud & Oudeyer 2018, Sec. 5): from a pilot's standard
  deviation, the smallest number of seeds per agent for Welch's t-test to detect
  a difference of means ``effect`` at level ``alpha`` with power ``1 - beta``.
  Two formulas, named in every result:

  - ``sided='one'``: the paper's (their code's ``compute_beta``): the one-sided
    critical value ``t_crit = t.ppf(1 - alpha, nu)`` and
    ``beta = t.cdf(t_crit - t_eps, nu)``, a central t shifted by the
    noncentrality ``t_eps``; see `colas_power`.
  - ``sided='two'``: the two-sided Welch test that `welch_test` runs, with its
    exact power from the noncentral t distribution; with equal standard
    deviations it is statsmodels' ``TTestIndPower``. It needs more seeds
    (0.5 / 1 / 2 standard deviations: 64 / 17 / 6 against the paper's 51 / 14 / 5).

* `false_positive_rate` (Colas et al. 2018, Sec. 4; 2019): draw two disjoint
  groups of N runs without replacement from the *same* agent's runs (N <= n / 2),
  test them, and count how often the test calls the difference significant; a
  well-calibrated test gives ``alpha``.

Seed splits (Henderson et al. 2018) live in `rlbench.stats.splits`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.stats

from rlbench.defaults import SEED
from rlbench.errors import InputError, UnknownNameError
from rlbench.stats import arrays, resampling
from rlbench.stats.arrays import Seed
from rlbench.stats.comparisons import ALTERNATIVES, _t_p_value, welch_statistic
from rlbench.stats.results import FalsePositiveResult, PowerResult

TESTS = ("welch", "t_test", "mann_whitney", "ks")
SIDES = ("one", "two")
MAX_SEEDS = 10_000
"""Where the search for the seeds needed stops: beyond it no study is practical."""
NULL_DRAWS = 10_000
"""Pairs of groups per N of a false-positive rate: its standard error stays below 0.5 %."""
BOOTSTRAP_NULL_DRAWS = 1_000
"""Pairs per N of the bootstrap test's rate: each pair runs its own bootstrap."""
POWER_METHODS = {
    "one": (
        "Colas et al. 2018 compute_beta: one-sided t(1 - alpha, nu), "
        "central t shifted by the noncentrality"
    ),
    "two": "two-sided Welch t-test, noncentral t",
}


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


def colas_power(
    n_seeds: int | np.ndarray,
    effect: float,
    std_x: float,
    std_y: float | None = None,
    alpha: float = 0.05,
) -> np.ndarray:
    """Power of Welch's test as Colas et al. 2018 compute it (their ``compute_beta``).

    ``nu = (s_x^2 + s_y^2)^2 (n - 1) / (s_x^4 + s_y^4)``,
    ``t_eps = |effect| / sqrt((s_x^2 + s_y^2) / n)``,
    ``beta = t.cdf(t.ppf(1 - alpha, nu) - t_eps, nu)``; power is ``1 - beta``.
    One-sided, and an approximation of the noncentral t by a shifted central t.

    Args:
        n_seeds: runs per agent, scalar or ``(k,)``.
        effect: difference of means to detect, in score units (its size is used).
        std_x: standard deviation of agent x's scores; std_y: of y's (default ``std_x``).
        alpha: significance level.

    Returns:
        Power, same shape as ``n_seeds``.
    """
    std_y = std_x if std_y is None else std_y
    spread = std_x**2 + std_y**2
    if not spread > 0:
        raise InputError("power is undefined: the pilot runs have zero spread")
    n = np.asarray(n_seeds, dtype=np.float64)
    dof = spread**2 * (n - 1) / (std_x**4 + std_y**4)
    shift = abs(effect) / np.sqrt(spread / n)
    critical = scipy.stats.t.ppf(1 - alpha, dof)
    return 1.0 - scipy.stats.t.cdf(critical - shift, dof)


def _first_reaching(
    power: float,
    effect: float,
    std_x: float,
    std_y: float,
    alpha: float,
    sided: str,
    max_seeds: int,
) -> tuple[int | None, float]:
    """The smallest N in ``2..max_seeds`` whose power reaches ``power``, and its power.

    Returns:
        ``(N, power at N)``, or ``(None, power at max_seeds)`` when none reaches it.
    """
    found, achieved = None, float("nan")
    for low, high in ((2, 256), (256, max_seeds + 1)):  # most answers are small
        candidates = np.arange(low, min(high, max_seeds + 1))
        if candidates.size == 0:
            continue
        if sided == "one":
            powers = colas_power(candidates, effect, std_x, std_y, alpha)
        else:
            powers = welch_power(candidates, effect, std_x, std_y, alpha, "two-sided")
        reached = np.flatnonzero(powers >= power)
        achieved = float(powers[reached[0]] if reached.size else powers[-1])
        if reached.size:
            found = int(candidates[reached[0]])
            break
    return found, achieved


def seeds_needed(
    pilot: np.ndarray | Sequence[float],
    effect: float,
    alpha: float = 0.05,
    power: float = 0.8,
    pilot_other: np.ndarray | Sequence[float] | None = None,
    sided: str = "two",
    max_seeds: int = MAX_SEEDS,
    nan_policy: str = "raise",
) -> PowerResult:
    """Seeds per agent for Welch's test to detect ``effect`` (Colas et al. 2018, Sec. 5).

    The smallest N in ``2..max_seeds`` whose power reaches ``power`` (the
    paper's procedure: the first N with ``beta < 1 - power``).

    Args:
        pilot: pilot runs of one agent, ``(n,)`` (Colas et al. suggest n >= 20);
            its sample std is assumed for both agents unless ``pilot_other`` is given.
        effect: difference of means to detect, in score units (one-sided: its
            size, in the direction of its sign).
        alpha: significance level.
        power: target power, ``1 - beta``.
        pilot_other: pilot runs of the second agent, ``(m,)``.
        sided: ``'one'``, the paper's formula (`colas_power`), or ``'two'``
            (default), the exact power of the two-sided Welch test that
            `welch_test` and ``rlbench compare`` run (`welch_power`).
        max_seeds: largest N searched.
        nan_policy: ``'raise'`` or ``'omit'``.

    Returns:
        A PowerResult; ``n_seeds`` is None when ``max_seeds`` is not enough.

    Raises:
        InputError: on bad alpha, power, effect, sidedness or pilot.
    """
    if sided not in SIDES:
        raise InputError(f"sided must be 'one' (Colas et al.'s formula) or 'two', got {sided!r}")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise InputError(f"alpha and power must be in (0, 1), got {alpha} and {power}")
    if effect == 0:
        raise InputError("effect must be non-zero: no number of seeds detects a zero difference")
    runs, excluded = arrays.sample_runs(pilot, nan_policy, "pilot")
    if runs.size < 2:
        raise InputError("the pilot needs at least 2 runs to estimate a standard deviation")
    std_x = float(runs.std(ddof=1))
    std_y = std_x
    if pilot_other is not None:
        other, other_excluded = arrays.sample_runs(pilot_other, nan_policy, "pilot_other")
        if other.size < 2:
            raise InputError("pilot_other needs at least 2 runs")
        std_y, excluded = float(other.std(ddof=1)), excluded + other_excluded
    found, achieved = _first_reaching(power, effect, std_x, std_y, alpha, sided, max_seeds)
    return PowerResult(
        n_seeds=found,
        achieved_power=achieved,
        effect=float(effect),
        alpha=float(alpha),
        power=float(power),
        std_x=std_x,
        std_y=std_y,
        pilot_runs=int(runs.size),
        alternative="two-sided" if sided == "two" else ("greater" if effect > 0 else "less"),
        method=POWER_METHODS[sided],
        n_excluded=excluded,
        sided=sided,
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


def _draw_groups(
    rng: np.random.Generator, values: np.ndarray, reps: int, size: int, replace: bool
) -> np.ndarray:
    """``reps`` pairs of groups of ``size`` runs: ``(reps, 2 * size)`` values.

    Without replacement (Colas et al.'s protocol) the two groups are disjoint:
    the first ``2 * size`` of a random permutation of the runs, drawn in chunks
    of pairs (one double per run and pair, so chunking never changes a result).

    Raises:
        InputError: when ``size`` is below 2, or above ``n / 2`` without replacement.
    """
    if size < 2 or (not replace and 2 * size > values.size):
        raise InputError(
            f"sample size {size} is not possible with {values.size} runs "
            f"({'2 <= N' if replace else '2 <= N <= n / 2, two disjoint groups'})"
        )
    if replace:
        return values[resampling.uniform_indices(rng, (reps, 2 * size), values.size)]
    chunk = max(1, 2_000_000 // values.size)
    blocks = [
        np.argsort(rng.random((min(chunk, reps - start), values.size)), axis=1)[:, : 2 * size]
        for start in range(0, reps, chunk)
    ]
    return values[np.concatenate(blocks)]


def _how(replace: bool) -> str:
    if replace:
        return "two groups of N drawn with replacement from the same runs"
    return "two disjoint groups of N drawn without replacement from the same runs (N <= n / 2)"


def false_positive_rate(
    runs: np.ndarray | Sequence[float],
    sample_sizes: Sequence[int] = (2, 3, 5, 10),
    test: str = "welch",
    alpha: float = 0.05,
    reps: int = NULL_DRAWS,
    seed: Seed = SEED,
    replace: bool = False,
    nan_policy: str = "raise",
) -> FalsePositiveResult:
    """Empirical false-positive rate of a test at several N (Colas et al. 2018, Sec. 4).

    For each N, ``reps`` pairs of groups of N runs are drawn from the same runs
    and tested (two-sided); the rate is the fraction with p < alpha. The
    default is the paper's protocol: two disjoint groups drawn without
    replacement (so ``2 N <= n``); ``replace=True`` draws both groups from the
    runs' empirical distribution instead.

    Args:
        runs: one agent's runs, ``(n,)``.
        sample_sizes: the N to try (each >= 2; ``2 N <= n`` without replacement).
        test: ``'welch'``, ``'t_test'``, ``'mann_whitney'`` or ``'ks'``.
        alpha: significance level.
        reps: pairs of groups per N.
        seed: int or Generator.
        replace: draw with replacement, or without (default, the paper's).
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    _check_test(test)
    arrays.check_reps(reps)
    values, excluded = arrays.sample_runs(runs, nan_policy, "runs")
    rng, seed_value = resampling.make_rng(seed)
    rates = []
    for size in sample_sizes:  # a loop over N, not over resamples
        groups = _draw_groups(rng, values, reps, size, replace)
        p_values = _p_values(groups[:, :size], groups[:, size:], test)
        rates.append(float(np.mean(p_values < alpha)))
    return FalsePositiveResult(
        sample_sizes=tuple(int(n) for n in sample_sizes),
        rates=tuple(rates),
        alpha=float(alpha),
        test=test,
        reps=int(reps),
        n_runs=int(values.size),
        method=_how(replace),
        seed=seed_value,
        n_excluded=excluded,
    )


def bootstrap_false_positive_rate(
    runs: np.ndarray | Sequence[float],
    sample_sizes: Sequence[int] = (5, 10),
    alpha: float = 0.05,
    reps: int = BOOTSTRAP_NULL_DRAWS,
    boot_reps: int = BOOTSTRAP_NULL_DRAWS,
    seed: Seed = SEED,
    replace: bool = False,
    nan_policy: str = "raise",
) -> FalsePositiveResult:
    """False-positive rate of the bootstrap CI test (Colas et al. 2018, Sec. 4).

    The test calls two groups different when the percentile bootstrap CI of
    ``mean(x) - mean(y)`` (``boot_reps`` resamples, level ``1 - alpha``) excludes 0.
    For each N, ``reps`` pairs of groups of N runs are drawn from the same runs
    as in `false_positive_rate` (default: disjoint, without replacement), so
    every rejection is a false positive. Vectorised over pairs and resamples,
    in chunks of pairs.

    Args:
        runs: one agent's runs, ``(n,)``.
        sample_sizes: the N to try (each >= 2; ``2 N <= n`` without replacement).
        alpha: significance level (the CI is at level 1 - alpha).
        reps: pairs of groups per N; boot_reps: bootstrap resamples per test.
        seed: int or Generator.
        replace: draw the groups with replacement, or without (default, the paper's).
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    arrays.check_reps(reps)
    arrays.check_reps(boot_reps)
    values, excluded = arrays.sample_runs(runs, nan_policy, "runs")
    rng, seed_value = resampling.make_rng(seed)
    rates = []
    for size in sample_sizes:
        groups = _draw_groups(rng, values, reps, size, replace).reshape(reps, 2, size)
        chunk = max(1, 2_000_000 // (boot_reps * size))
        rejected = 0
        for start in range(0, reps, chunk):
            block = groups[start : start + chunk]  # (b, 2, N)
            index = resampling.uniform_indices(rng, (len(block), 2, boot_reps, size), size)
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
        method=_how(replace),
        seed=seed_value,
        n_excluded=excluded,
    )
