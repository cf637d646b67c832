"""Times to a threshold when some runs never reach it (right-censored data).

A run that did not reach the threshold within its budget is not a run that
needs "no time": it needs more than its budget. Dropping it (the mean of those
that made it) is biased low; the Kaplan-Meier estimator uses it as a lower
bound. Pure functions on arrays; the estimator is SciPy's
(``scipy.stats.ecdf`` on ``CensoredData``).
"""

from __future__ import annotations

import math

import numpy as np


def km_median(times: np.ndarray, reached: np.ndarray) -> float:
    """Kaplan-Meier median of the time to the threshold.

    Args:
        times: shape (n,): the time at which each run reached the threshold,
            or, for a run that did not, the time it was last observed at (its
            budget), e.g. in episodes.
        reached: shape (n,), bool: whether the run reached the threshold.

    Returns:
        The smallest time t with estimated survival S(t) <= 0.5 (the fraction
        of runs still below the threshold); ``inf`` when S stays above 0.5
        within the observed times (fewer than half are known to reach it);
        NaN for no runs.
    """
    from scipy.stats import CensoredData, ecdf

    times = np.asarray(times, dtype=np.float64)
    reached = np.asarray(reached, dtype=bool)
    if times.shape != reached.shape or times.ndim != 1:
        raise ValueError(f"times {times.shape} and reached {reached.shape} must be equal 1-D")
    if len(times) == 0:
        return math.nan
    if not reached.any():
        return math.inf
    data = CensoredData(uncensored=times[reached], right=times[~reached])
    sf = ecdf(data).sf
    below = np.nonzero(sf.probabilities <= 0.5 + 1e-12)[0]
    return float(sf.quantiles[below[0]]) if len(below) else math.inf


def km_median_interval(
    times: np.ndarray,
    reached: np.ndarray,
    offset: float = 0.0,
    reps: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Kaplan-Meier median minus ``offset``, with a percentile-bootstrap CI.

    Runs are resampled with replacement (``reps`` times, from
    ``numpy.random.default_rng(seed)``); the bounds are order statistics of
    the resampled medians (``inverted_cdf``), so an unreached median (``inf``)
    stays ``inf`` instead of turning into NaN.

    Args:
        times, reached: as for ``km_median``, shape (n,).
        offset: subtracted from every median (e.g. an in-sample figure, held
            fixed, to get the gap with its interval).

    Returns:
        (estimate, lower, upper).
    """
    times = np.asarray(times, dtype=np.float64)
    reached = np.asarray(reached, dtype=bool)
    estimate = km_median(times, reached) - offset
    n = len(times)
    if n < 2:
        return estimate, math.nan, math.nan
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(reps, n))
    medians = np.array([km_median(times[d], reached[d]) for d in draws]) - offset
    alpha = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(medians, [alpha, 1.0 - alpha], method="inverted_cdf")
    return estimate, float(lower), float(upper)
