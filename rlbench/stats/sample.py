"""Bootstrap CIs of a statistic of one sample of runs (one task, one agent).

BCa intervals follow Efron & Tibshirani 1993, Ch. 14 (Eq. 14.10-14.15: bias
correction from the share of resamples below the estimate, acceleration from
the jackknife), computed as ``scipy.stats.bootstrap(method='BCa')`` does;
percentile intervals interpolate linearly between order statistics, as numpy.
Resamples are index arrays drawn from an explicit seed, a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import ndtr, ndtri

from rlbench.defaults import CONFIDENCE, SEED
from rlbench.errors import InputError, UnknownNameError
from rlbench.stats import arrays, resampling
from rlbench.stats.arrays import Seed
from rlbench.stats.resampling import CHUNK_ELEMENTS, percentile_bounds
from rlbench.stats.results import Interval

SampleStatistic = Callable[..., np.ndarray]
SAMPLE_RESAMPLES = 10_000
"""Resamples of one sample's CI: BCa reads tail quantiles, which 2,000 leave noisy."""
_SAMPLE_STATISTICS: dict[str, SampleStatistic] = {
    "mean": np.mean,
    "median": np.median,
}


def _jackknife(sample: np.ndarray) -> np.ndarray:
    """``(n, n - 1)``: row i is the sample without run i."""
    n = sample.size
    keep = ~np.eye(n, dtype=bool)
    return np.broadcast_to(sample, (n, n))[keep].reshape(n, n - 1)


def _bca_bounds(sample, statistic, distribution, estimate, confidence):
    """BCa interval (Efron & Tibshirani 1993, Eq. 14.10-14.15), as scipy's."""
    if np.all(distribution == distribution[0]):
        return estimate, estimate  # a degenerate sample: nothing to correct
    below = np.count_nonzero(distribution < estimate) + np.count_nonzero(distribution <= estimate)
    bias = ndtri(below / (2 * distribution.size))
    jackknife = statistic(_jackknife(sample), axis=-1)
    spread = jackknife.mean() - jackknife
    denominator = np.sum(spread**2) ** 1.5
    acceleration = np.sum(spread**3) / (6 * denominator) if denominator > 0 else 0.0
    if not np.isfinite(bias):
        raise InputError(
            "BCa is not defined here: the estimate lies outside every bootstrap "
            "value; use method='percentile'"
        )
    z_alpha = ndtri((1 - confidence) / 2)
    levels = []
    for z in (z_alpha, -z_alpha):
        shifted = bias + z
        levels.append(ndtr(bias + shifted / (1 - acceleration * shifted)))
    lower, upper = np.quantile(distribution, levels)
    return float(lower), float(upper)


def sample_interval(
    sample: np.ndarray | Sequence[float],
    statistic: str | SampleStatistic = "mean",
    method: str = "bca",
    reps: int = SAMPLE_RESAMPLES,
    seed: Seed = SEED,
    confidence: float = CONFIDENCE,
    nan_policy: str = "raise",
) -> Interval:
    """Bootstrap CI of a statistic of one sample of runs (one task, one agent).

    Args:
        sample: the runs, shape ``(num_runs,)``.
        statistic: ``'mean'``, ``'median'`` or a function ``f(x, axis=-1)``
            reducing the last axis (e.g. ``np.std``).
        method: ``'bca'`` (Efron & Tibshirani 1993, Ch. 14) or ``'percentile'``.
        reps: number of resamples.
        seed: int or ``np.random.Generator``.
        confidence: confidence level.
        nan_policy: ``'raise'`` or ``'omit'``.

    Raises:
        InputError: on bad input, or when BCa is not defined.
    """
    if method not in ("bca", "percentile"):
        raise InputError(f"method must be 'bca' or 'percentile', got {method!r}")
    if isinstance(statistic, str):
        if statistic not in _SAMPLE_STATISTICS:
            raise UnknownNameError("statistic", statistic, _SAMPLE_STATISTICS)
        name, function = statistic, _SAMPLE_STATISTICS[statistic]
    else:
        name, function = getattr(statistic, "__name__", "statistic"), statistic
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    runs, excluded = arrays.sample_runs(sample, nan_policy)
    if method == "bca" and runs.size < 2:
        raise InputError("BCa needs at least 2 runs (for the jackknife)")
    rng, seed_value = resampling.make_rng(seed)
    distribution = np.empty(reps)
    chunk = max(1, CHUNK_ELEMENTS // runs.size)
    for start in range(0, reps, chunk):
        stop = min(reps, start + chunk)
        indices = resampling.uniform_indices(rng, (stop - start, runs.size), runs.size)
        distribution[start:stop] = function(runs[indices], axis=-1)
    estimate = float(function(runs, axis=-1))
    if method == "bca":
        lower, upper = _bca_bounds(runs, function, distribution, estimate, confidence)
    else:
        lower, upper = percentile_bounds(distribution, confidence)
    return Interval(
        statistic=name,
        estimate=estimate,
        lower=lower,
        upper=upper,
        method="BCa, bootstrap" if method == "bca" else "percentile, bootstrap",
        reps=int(reps),
        confidence=float(confidence),
        runs_per_task=(int(runs.size),),
        seed=seed_value,
        n_excluded=excluded,
    )
