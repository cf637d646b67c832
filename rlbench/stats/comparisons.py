"""Comparisons of two agents (or two configs): tests, effect sizes, improvement.

* Probability of improvement (Agarwal et al. 2021, Sec. 4.4): per task the
  Mann-Whitney ``U / (n_x n_y)`` with ties counted 1/2, averaged over tasks,
  with a percentile CI from a stratified bootstrap of each agent independently
  (rliable's ``StratifiedIndependentBootstrap``).
* Welch's t-test (Colas et al. 2019 recommend it), Mann-Whitney U and
  Kolmogorov-Smirnov (Henderson et al. 2018, Sec. 6): p-values are scipy's.
* A bootstrap test of the difference of means (Efron & Tibshirani 1993,
  Algorithm 16.2) with a percentile CI of the difference.
* Effect sizes: Hedges' g (Hedges 1981, with the exact small-sample factor J)
  and Vargha-Delaney A (Vargha & Delaney 2000).
* Holm's step-down correction for many comparisons (Holm 1979).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.stats
from scipy.special import gammaln

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.errors import InputError
from rlbench.stats import arrays, resampling
from rlbench.stats.arrays import Scores, Seed
from rlbench.stats.resampling import CHUNK_ELEMENTS, percentile_bounds
from rlbench.stats.results import Interval, TestResult

ALTERNATIVES = ("two-sided", "greater", "less")
TEST_RESAMPLES = 10_000
"""Resamples of the bootstrap test: its p-value needs more than a CI's bounds do."""


def _check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        allowed = ", ".join(ALTERNATIVES)
        raise InputError(f"alternative must be one of {allowed}, got {alternative!r}")


def _pair(x, y, nan_policy: str, minimum: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
    x_runs, x_excluded = arrays.sample_runs(x, nan_policy, "x")
    y_runs, y_excluded = arrays.sample_runs(y, nan_policy, "y")
    if x_runs.size < minimum or y_runs.size < minimum:
        raise InputError(
            f"this test needs at least {minimum} runs per sample, "
            f"got {x_runs.size} and {y_runs.size}"
        )
    return x_runs, y_runs, x_excluded + y_excluded


def _greater_matrix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(n_x, n_y)``: 1 where x_i > y_k, 1/2 where equal, else 0."""
    return (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])


def welch_statistic(x: np.ndarray, y: np.ndarray, axis: int = -1):
    """Welch's t and its Welch-Satterthwaite degrees of freedom, vectorised.

    Args:
        x: ``(..., n_x)`` runs along ``axis``.
        y: ``(..., n_y)``.

    Returns:
        ``(t, df)``, each of the broadcast batch shape.
    """
    n_x, n_y = x.shape[axis], y.shape[axis]
    var_x = np.var(x, axis=axis, ddof=1) / n_x
    var_y = np.var(y, axis=axis, ddof=1) / n_y
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.mean(x, axis=axis) - np.mean(y, axis=axis)) / np.sqrt(var_x + var_y)
        df = (var_x + var_y) ** 2 / (var_x**2 / (n_x - 1) + var_y**2 / (n_y - 1))
    return t, df


def _t_p_value(t, df, alternative: str):
    if alternative == "greater":
        return scipy.stats.t.sf(t, df)
    if alternative == "less":
        return scipy.stats.t.cdf(t, df)
    return 2 * scipy.stats.t.sf(np.abs(t), df)


def welch_test(x, y, alternative: str = "two-sided", nan_policy: str = "raise") -> TestResult:
    """Welch's unequal-variance t-test (Welch 1947), as ``scipy.stats.ttest_ind(equal_var=False)``.

    Args:
        x: runs of the first agent, ``(n_x,)``.
        y: runs of the second agent, ``(n_y,)``.
        alternative: ``'two-sided'``, ``'greater'`` (mean x > mean y) or ``'less'``.
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    _check_alternative(alternative)
    x, y, excluded = _pair(x, y, nan_policy, minimum=2)
    t, df = welch_statistic(x, y)
    p_value = _t_p_value(t, df, alternative)
    return TestResult("welch", float(t), float(p_value), alternative, x.size, y.size, excluded)


def mann_whitney(x, y, alternative: str = "two-sided", nan_policy: str = "raise") -> TestResult:
    """Mann-Whitney U test; the statistic is U of x (``scipy.stats.mannwhitneyu``)."""
    _check_alternative(alternative)
    x, y, excluded = _pair(x, y, nan_policy)
    result = scipy.stats.mannwhitneyu(x, y, alternative=alternative)
    return TestResult(
        "mann_whitney",
        float(result.statistic),
        float(result.pvalue),
        alternative,
        x.size,
        y.size,
        excluded,
    )


def ks_test(x, y, alternative: str = "two-sided", nan_policy: str = "raise") -> TestResult:
    """Two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``).

    ``alternative`` follows scipy: ``'greater'`` means the CDF of x lies above y's.
    """
    _check_alternative(alternative)
    x, y, excluded = _pair(x, y, nan_policy)
    result = scipy.stats.ks_2samp(x, y, alternative=alternative)
    return TestResult(
        "ks", float(result.statistic), float(result.pvalue), alternative, x.size, y.size, excluded
    )


def bootstrap_mean_difference(
    x,
    y,
    reps: int = TEST_RESAMPLES,
    seed: Seed = SEED,
    confidence: float = CONFIDENCE,
    alternative: str = "two-sided",
    nan_policy: str = "raise",
) -> TestResult:
    """Bootstrap test of equal means, with a percentile CI of ``mean(x) - mean(y)``.

    The p-value follows Efron & Tibshirani 1993, Algorithm 16.2: both samples are
    shifted to the pooled mean (so the null holds), resampled independently, and
    the p-value is the fraction of resampled Welch t at least as extreme as the
    observed one. The CI resamples the unshifted samples. Colas et al. 2018 warn
    that bootstrap tests have inflated false-positive rates below ~20 runs.

    Args:
        x: ``(n_x,)`` runs; y: ``(n_y,)`` runs.
        reps: resamples; seed: int or Generator; confidence: of the CI.
        alternative: ``'two-sided'``, ``'greater'`` or ``'less'``.
        nan_policy: ``'raise'`` or ``'omit'``.

    Returns:
        A TestResult whose statistic is the mean difference and whose
        ``interval`` is its CI.
    """
    _check_alternative(alternative)
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    x, y, excluded = _pair(x, y, nan_policy, minimum=2)
    rng, seed_value = resampling.make_rng(seed)
    pooled_mean = np.concatenate([x, y]).mean()
    x_null, y_null = x - x.mean() + pooled_mean, y - y.mean() + pooled_mean
    t_observed, _ = welch_statistic(x, y)
    differences, t_null = _resampled_differences(x, y, x_null, y_null, reps, rng)
    if alternative == "greater":
        p_value = np.mean(t_null >= t_observed)
    elif alternative == "less":
        p_value = np.mean(t_null <= t_observed)
    else:
        p_value = np.mean(np.abs(t_null) >= abs(t_observed))
    lower, upper = percentile_bounds(differences, confidence)
    difference = float(x.mean() - y.mean())
    interval = Interval(
        "mean_difference",
        difference,
        lower,
        upper,
        "percentile, bootstrap",
        int(reps),
        float(confidence),
        (int(x.size),),
        (int(y.size),),
        seed_value,
        excluded,
    )
    return TestResult(
        "bootstrap_mean_difference",
        difference,
        float(p_value),
        alternative,
        x.size,
        y.size,
        excluded,
        interval,
    )


def _resampled_differences(
    x: np.ndarray,
    y: np.ndarray,
    x_null: np.ndarray,
    y_null: np.ndarray,
    reps: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean differences of resamples of ``(x, y)`` and Welch t of the same resamples under the null.

    Args:
        x, y: ``(n_x,)``, ``(n_y,)`` runs; x_null, y_null: the same runs shifted to
            the pooled mean.

    Returns:
        ``(differences, t_null)``, each ``(reps,)``; a constant resample has t = 0.
    """
    differences, t_null = np.empty(reps), np.empty(reps)
    chunk = max(1, CHUNK_ELEMENTS // (x.size + y.size))
    for start in range(0, reps, chunk):
        rows = slice(start, min(reps, start + chunk))
        count = rows.stop - start
        x_index = resampling.uniform_indices(rng, (count, x.size), x.size)
        y_index = resampling.uniform_indices(rng, (count, y.size), y.size)
        differences[rows] = x[x_index].mean(axis=1) - y[y_index].mean(axis=1)
        t_null[rows], _ = welch_statistic(x_null[x_index], y_null[y_index])
    return differences, np.nan_to_num(t_null, nan=0.0)  # t = 0/0 there: no evidence


def hedges_g(x, y, nan_policy: str = "raise") -> float:
    """Hedges' g: Cohen's d with the pooled std, times the exact bias factor J.

    ``J = Gamma(m / 2) / (sqrt(m / 2) Gamma((m - 1) / 2))`` with ``m = n_x + n_y - 2``
    (Hedges 1981, Eq. 6e; ~ ``1 - 3 / (4 m - 1)``).

    Args:
        x: ``(n_x,)`` runs; y: ``(n_y,)`` runs (at least 2 each).
    """
    x, y, _ = _pair(x, y, nan_policy, minimum=2)
    dof = x.size + y.size - 2
    pooled_var = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / dof
    if pooled_var == 0:
        raise InputError("Hedges' g is undefined: both samples are constant")
    correction = np.exp(gammaln(dof / 2) - gammaln((dof - 1) / 2)) / np.sqrt(dof / 2)
    return float(correction * (x.mean() - y.mean()) / np.sqrt(pooled_var))


def vargha_delaney_a(x, y, nan_policy: str = "raise") -> float:
    """Vargha-Delaney A = P(X > Y) + P(X = Y) / 2 = U_x / (n_x n_y) (Vargha & Delaney 2000)."""
    x, y, _ = _pair(x, y, nan_policy)
    return float(_greater_matrix(x, y).mean())


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979), as statsmodels' ``'holm'``.

    Args:
        p_values: ``(m,)`` p-values of the m comparisons.

    Returns:
        ``(m,)`` adjusted p-values, in the input order; reject where < alpha.
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise InputError(f"p-values must be in [0, 1], got {p.tolist()}")
    order = np.argsort(p, kind="stable")
    scaled = (p.size - np.arange(p.size)) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def probability_of_improvement(
    scores_x: Scores,
    scores_y: Scores,
    reps: int = RESAMPLES,
    seed: Seed = SEED,
    confidence: float = CONFIDENCE,
    nan_policy: str = "raise",
) -> Interval:
    """P(X > Y): per-task ``U / (n_x n_y)`` averaged over tasks, with a percentile CI.

    Agarwal et al. 2021, Sec. 4.4, Eq. 2; rliable's ``probability_of_improvement``
    (ties count 1/2). Each agent's runs are resampled within each task,
    independently of the other agent's.

    Args:
        scores_x: ``(num_runs_x, num_tasks)`` or a list of 1-D arrays (agent X).
        scores_y: ``(num_runs_y, num_tasks)`` or a list of 1-D arrays (agent Y).
        reps: resamples (rliable's default: 2,000).
        seed: int or Generator.
        confidence: confidence level.
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    runs_x, excluded_x = arrays.task_runs(scores_x, nan_policy, "scores_x")
    runs_y, excluded_y = arrays.task_runs(scores_y, nan_policy, "scores_y")
    if len(runs_x) != len(runs_y):
        raise InputError(f"scores_x has {len(runs_x)} tasks but scores_y has {len(runs_y)}")
    rng, seed_value = resampling.make_rng(seed)
    greater = [_greater_matrix(x, y) for x, y in zip(runs_x, runs_y, strict=True)]
    estimate = float(np.mean([g.mean() for g in greater]))
    distribution = np.zeros(reps)
    per_rep = sum(x.size + y.size for x, y in zip(runs_x, runs_y, strict=True))
    chunk = max(1, CHUNK_ELEMENTS // per_rep)
    for start in range(0, reps, chunk):
        count = min(reps, start + chunk) - start
        for x, y, g in zip(runs_x, runs_y, greater, strict=True):  # a loop over tasks
            x_counts = _counts(rng, count, x.size)
            y_counts = _counts(rng, count, y.size)
            u_statistic = np.einsum("ri,ri->r", x_counts @ g, y_counts)
            distribution[start : start + count] += u_statistic / (x.size * y.size)
    distribution /= len(runs_x)
    lower, upper = percentile_bounds(distribution, confidence)
    return Interval(
        statistic="probability_of_improvement",
        estimate=estimate,
        lower=lower,
        upper=upper,
        method="percentile, stratified bootstrap (runs within tasks, each agent independently)",
        reps=int(reps),
        confidence=float(confidence),
        runs_per_task=tuple(int(x.size) for x in runs_x),
        runs_per_task_other=tuple(int(y.size) for y in runs_y),
        seed=seed_value,
        n_excluded=excluded_x + excluded_y,
    )


def _counts(rng: np.random.Generator, reps: int, size: int) -> np.ndarray:
    """``(reps, size)`` float counts of ``reps`` resamples of ``size`` runs."""
    indices = resampling.uniform_indices(rng, (reps, size), size)
    return resampling.index_counts(indices, size).astype(np.float64)
