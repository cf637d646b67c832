"""The resampling primitives every bootstrap in rlbench draws from.

* `make_rng`: a Generator from an explicit seed (never global randomness).
* `uniform_indices`: resample indices, one double per index, so that the
  chunk size of a loop over resamples never changes a result.
* `index_counts`: how often each index occurs in each resample row (a
  resample as a count vector: statistics become matrix products).
* `percentile_bounds`: the percentile interval of a bootstrap distribution.
* `trimmed_mean`, `nan_trimmed_mean`: the trimmed mean (IQM at a cut of 25 %).
* `binomial_interval`: an interval of a binomial proportion, by named method.

The functions are pure; randomness enters only through the Generator passed in.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.stats

from rlbench.errors import InputError
from rlbench.stats.arrays import Seed

CHUNK_ELEMENTS = 1 << 16
"""Indices per chunk of resamples: 256 KiB arrays stay in cache (1 MiB ones ran 5x slower)."""
IQM_CUT = 0.25
"""The interquartile mean cuts a quarter from each end (Agarwal et al. 2021, Sec. 4.3)."""

BinomialMethod = Literal["exact", "beta", "wilson"]
BINOMIAL_METHODS = ("exact", "beta", "wilson")
Summation = Literal["sorted", "partition"]


def make_rng(seed: Seed) -> tuple[np.random.Generator, int | None]:
    """A Generator from an explicit seed, and the seed to report (int or None).

    Args:
        seed: an int, a ``np.random.Generator`` (used as is) or a ``SeedSequence``.

    Raises:
        InputError: when ``seed`` is None (the bootstrap must be reproducible).
    """
    if isinstance(seed, np.random.Generator):
        return seed, None
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed), None
    if seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be an int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed)), int(seed)


def uniform_indices(
    rng: np.random.Generator, size: tuple[int, ...], high: np.ndarray | int
) -> np.ndarray:
    """Indices uniform on ``[0, high)``, one 64-bit draw each.

    One double per index (``floor(u * high)``) keeps the stream independent of
    how the resamples are chunked: chunk sizes never change a result.

    Args:
        rng: the Generator drawn from.
        size: shape of the result, e.g. ``(reps, n)``.
        high: exclusive upper bound, a scalar or an array broadcasting to ``size``.

    Returns:
        ``size`` array of ``np.intp``.
    """
    draws = rng.random(size)
    draws *= high
    return draws.astype(np.intp)


def index_counts(
    indices: np.ndarray,
    size: int,
    valid: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per row, how often each index in ``[0, size)`` occurs (or the sum of its weights).

    Args:
        indices: ``(rows, k)`` indices in ``[0, size)``.
        size: the number of distinct indices.
        valid: ``(rows, k)`` bool, the entries to count (default: all).
        weights: ``(rows, k)`` weights to sum instead of counting.

    Returns:
        ``(rows, size)``: int64 counts, or float64 weight sums with ``weights``.
    """
    rows = indices.shape[0]
    flat = indices + (size * np.arange(rows))[:, None]
    if valid is not None:
        flat = flat[valid]
        weights = None if weights is None else weights[valid]
    ravelled = None if weights is None else weights.ravel()
    return np.bincount(flat.ravel(), ravelled, minlength=rows * size).reshape(rows, size)


def percentile_bounds(distribution: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of a bootstrap distribution (linear interpolation, as numpy).

    Args:
        distribution: ``(reps,)`` bootstrap values.
        confidence: the level, in (0, 1).
    """
    alpha = 1.0 - confidence
    lower, upper = np.quantile(distribution, [alpha / 2, 1 - alpha / 2])
    return float(lower), float(upper)


def trimmed_mean(
    values: np.ndarray, cut: float = IQM_CUT, axis: int = -1, summation: Summation = "sorted"
) -> np.ndarray:
    """Trimmed mean as ``scipy.stats.trim_mean``: drops ``int(cut * n)`` from each end.

    The two summations keep the same values and differ only in the order they
    are added, so in the last bit: ``'sorted'`` adds them in ascending order,
    ``'partition'`` in the order ``scipy.stats.trim_mean`` leaves them (it is
    that function). Each caller keeps the one its published numbers used.

    Args:
        values: ``(..., n)`` along ``axis``.
        cut: fraction cut from each end.
        axis: the axis of the runs.
        summation: ``'sorted'`` or ``'partition'``.

    Returns:
        The trimmed means, ``values``' shape without ``axis`` (a 0-d array for 1-D input).
    """
    if summation == "partition":
        return np.asarray(scipy.stats.trim_mean(values, cut, axis=axis))
    if summation != "sorted":
        raise InputError(f"summation must be 'sorted' or 'partition', got {summation!r}")
    ordered = np.sort(np.asarray(values, dtype=np.float64), axis=axis)
    n = ordered.shape[axis]
    low = int(cut * n)
    kept = np.take(ordered, np.arange(low, n - low), axis=axis)
    return np.asarray(kept.mean(axis=axis))


def nan_trimmed_mean(values: np.ndarray, cut: float = IQM_CUT) -> np.ndarray:
    """Trimmed mean of each row's finite values (``int(cut * n_finite)`` cut from each end).

    Args:
        values: ``(..., n)``, NaN (or inf) for an excluded value.
        cut: fraction cut from each end.

    Returns:
        ``(...)``; NaN where a row keeps no value.
    """
    finite = np.isfinite(values)
    count = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ordered = np.sort(np.where(finite, values, np.inf), axis=-1)
        low = np.floor(cut * count)[..., None]
        ranks = np.arange(values.shape[-1])
        keep = (ranks >= low) & (ranks < count[..., None] - low)
        kept = keep.sum(axis=-1)
        return np.where(keep, ordered, 0.0).sum(axis=-1) / np.where(kept, kept, np.nan)


def _beta_bounds(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    alpha = 1.0 - confidence
    lower = (
        0.0
        if successes == 0
        else scipy.stats.beta.ppf(alpha / 2, successes, trials - successes + 1)
    )
    upper = (
        1.0
        if successes == trials
        else scipy.stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes)
    )
    return float(lower), float(upper)


def binomial_interval(
    successes: int, trials: int, confidence: float, method: BinomialMethod
) -> tuple[float, float]:
    """Two-sided interval of a binomial proportion ``successes / trials``.

    Args:
        successes: the count of successes, ``0 <= successes <= trials``.
        trials: the count of trials, at least 1.
        confidence: the level, in (0, 1).
        method: ``'exact'``: Clopper & Pearson 1934 by root search, as
            ``scipy.stats.binomtest(...).proportion_ci(method='exact')``;
            ``'beta'``: the same interval from beta quantiles (closed form; agrees
            with ``'exact'`` to the root search's tolerance); ``'wilson'``: the
            Wilson score interval (Wilson 1927), as scipy's ``'wilson'``.

    Returns:
        ``(lower, upper)``.
    """
    if method == "beta":
        return _beta_bounds(successes, trials, confidence)
    if method not in BINOMIAL_METHODS:
        raise InputError(f"method must be one of {', '.join(BINOMIAL_METHODS)}, got {method!r}")
    ci = scipy.stats.binomtest(successes, trials).proportion_ci(confidence, method=method)
    return float(ci.low), float(ci.high)
