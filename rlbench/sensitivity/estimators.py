"""Array estimators of the sensitivity analysis, vectorised over resamples.

Inputs are ``(..., n_configs, n_seeds)`` score matrices with NaN for an
excluded run (failed, non-finite or missing); the statistic of a config is
taken over its finite runs. Resamples draw seed indices jointly for all
configs (the configs are paired by seed) with `rlbench.stats.resampling.uniform_indices`
and intervals are percentile intervals (`rlbench.stats.resampling.percentile_bounds`).
"""

from __future__ import annotations

import itertools
import warnings
import zlib

import numpy as np
from scipy import stats as scipy_stats

from rlbench.stats.resampling import (
    CHUNK_ELEMENTS,
    index_counts,
    nan_trimmed_mean,
    uniform_indices,
)


def group_rng(seed: int, *keys: str) -> np.random.Generator:
    """An independent stream per (seed, keys): a group's CIs do not depend on the others."""
    return np.random.default_rng([int(seed), *(zlib.crc32(k.encode()) for k in keys)])


def statistic(values: np.ndarray, stat: str) -> np.ndarray:
    """The statistic over the last axis, ignoring NaN (NaN where no finite value is left).

    ``iqm`` is the 25 % trimmed mean (``int(0.25 n)`` cut from each end, as
    `rlbench.stats.resampling.nan_trimmed_mean`);
    ``median`` is the median of the runs.

    Args:
        values: ``(..., n)``.
        stat: ``iqm``, ``mean`` or ``median``.

    Returns:
        ``(...)``.
    """
    if stat not in ("mean", "median"):
        return nan_trimmed_mean(values)
    finite = np.isfinite(values)
    count = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if stat == "mean":
            return np.where(finite, values, 0.0).sum(axis=-1) / np.where(count, count, np.nan)
        ordered = np.sort(np.where(finite, values, np.inf), axis=-1)
        low = np.maximum((count - 1) // 2, 0)[..., None]
        high = np.maximum(count // 2, 0)[..., None]
        a = np.take_along_axis(ordered, low, axis=-1)[..., 0]
        b = np.take_along_axis(ordered, high, axis=-1)[..., 0]
        return np.where(count > 0, (a + b) / 2, np.nan)


def seed_resamples(n_seeds: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``(reps, n_seeds)`` seed indices drawn with replacement."""
    return uniform_indices(rng, (reps, n_seeds), n_seeds)


def resampled_statistics(scores: np.ndarray, stat: str, indices: np.ndarray) -> np.ndarray:
    """The statistic of every config on every seed resample (paired across configs).

    Args:
        scores: ``(n_configs, n_seeds)``.
        indices: ``(reps, n_seeds)`` from `seed_resamples`.

    Returns:
        ``(n_configs, reps)``.
    """
    n_configs, n_seeds = scores.shape
    reps = indices.shape[0]
    out = np.empty((n_configs, reps))
    chunk = max(1, CHUNK_ELEMENTS // max(1, n_configs * n_seeds))
    for start in range(0, reps, chunk):
        stop = min(reps, start + chunk)
        out[:, start:stop] = statistic(scores[:, indices[start:stop]], stat)
    return out


def one_way_anova(groups: list[np.ndarray], confidence: float) -> dict[str, float]:
    """One-way random-effects ANOVA and ICC(1) with its exact F-based CI.

    ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW) with n0 the adjusted group
    size (Searle 1971, Eq. 3.39, for unequal groups); the CI from
    F = MSB / MSW (Shrout & Fleiss 1979, Table 4, Case 1):
    ``F_L = F / F_(1-a/2)(k-1, N-k)``, ``F_U = F * F_(1-a/2)(N-k, k-1)``,
    ``ICC = (F_x - 1) / (F_x + n0 - 1)``. Exact for equal groups, approximate otherwise.

    Args:
        groups: the finite runs of each config, ``(n_i,)`` each.

    Returns:
        ``icc, lower, upper, var_config, var_seed, f, df_between, df_within, p_value, n0, n``.
    """
    sizes = np.array([g.size for g in groups], dtype=np.float64)
    n, k = sizes.sum(), len(groups)
    means = np.array([g.mean() for g in groups])
    grand = np.concatenate(groups).mean()
    msb = float(np.sum(sizes * (means - grand) ** 2) / (k - 1))
    msw = float(sum(np.sum((g - g.mean()) ** 2) for g in groups) / (n - k))
    n0 = float((n - np.sum(sizes**2) / n) / (k - 1))
    df1, df2 = k - 1, int(n - k)
    f = msb / msw
    alpha = 1.0 - confidence
    f_low = f / scipy_stats.f.ppf(1 - alpha / 2, df1, df2)
    f_high = f * scipy_stats.f.ppf(1 - alpha / 2, df2, df1)
    return {
        "icc": (msb - msw) / (msb + (n0 - 1) * msw),
        "lower": (f_low - 1) / (f_low + n0 - 1),
        "upper": (f_high - 1) / (f_high + n0 - 1),
        "var_config": (msb - msw) / n0,
        "var_seed": msw,
        "f": f,
        "df_between": df1,
        "df_within": df2,
        "p_value": float(scipy_stats.f.sf(f, df1, df2)),
        "n0": n0,
        "n": int(n),
    }


def fanova_terms(
    response: np.ndarray, n_params: int
) -> tuple[dict[tuple[int, ...], np.ndarray], np.ndarray]:
    """Exact functional ANOVA of a response over a full grid (Hutter et al. 2014, Sec. 3).

    With the uniform measure on the grid values, ``f_u`` = the mean of the
    response over the parameters not in ``u`` minus the ``f_v`` of all proper
    subsets ``v`` of ``u``; ``V_u`` is the variance of ``f_u`` over the grid,
    and the ``V_u`` of all non-empty subsets sum to the total variance.

    Args:
        response: ``(..., L_1, ..., L_k)``: leading axes are batches (resamples).
        n_params: ``k``, the grid's trailing axes.

    Returns:
        ``({u: (...) V_u}, (...) total variance)`` for every non-empty subset ``u``.
    """
    lead = response.ndim - n_params
    axes = tuple(range(lead, response.ndim))
    grand = response.mean(axis=axes, keepdims=True)
    total = ((response - grand) ** 2).mean(axis=axes)
    effects: dict[tuple[int, ...], np.ndarray] = {(): grand}
    variances = {}
    for order in range(1, n_params + 1):
        for subset in itertools.combinations(range(n_params), order):
            others = tuple(lead + p for p in range(n_params) if p not in subset)
            effect = response.mean(axis=others, keepdims=True) if others else response
            for smaller in range(order):
                for sub in itertools.combinations(subset, smaller):
                    effect = effect - effects[sub]
            effects[subset] = effect
            variances[subset] = (effect**2).mean(axis=axes)
    return variances, total


def fanova_shares(response: np.ndarray, n_params: int) -> dict[tuple[int, ...], np.ndarray]:
    """fANOVA variance shares ``V_u / V`` of a full grid (see `fanova_terms`), uncorrected.

    On seed means, seed noise adds to the total and to every term, inflating
    the interaction shares; `rlbench.sensitivity.decomposition.corrected_fanova`
    takes it out.

    Returns:
        ``{u: (...) share}`` for every non-empty subset ``u`` of the parameter axes.
    """
    variances, total = fanova_terms(response, n_params)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {u: v / total for u, v in variances.items()}


def binned_first_order(response: np.ndarray, bins: np.ndarray, n_bins: int) -> np.ndarray:
    """Share of variance explained by a binned hyperparameter (epsilon squared).

    ``(SSB - (B - 1) MSW) / SST`` of a one-way ANOVA of the config responses by
    bin: an estimate of the first-order index ``Var(E[Y | x_j]) / Var(Y)``
    (hyperparameters drawn independently, as a random plan does) that is
    corrected for the between-bin variance noise alone would give.

    Args:
        response: ``(reps, n_configs)``.
        bins: ``(reps, n_configs)`` bin of each config, in ``[0, n_bins)``.

    Returns:
        ``(reps,)``.
    """
    m = response.shape[1]
    counts = index_counts(bins, n_bins)
    sums = index_counts(bins, n_bins, weights=response)
    grand = response.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        ssb = np.sum(counts * (means - grand[:, None]) ** 2, axis=1)
        sst = np.sum((response - grand[:, None]) ** 2, axis=1)
        used = (counts > 0).sum(axis=1)
        msw = (sst - ssb) / (m - used)
        return (ssb - (used - 1) * msw) / sst


def tuning_gains(
    scores: np.ndarray,
    base: int,
    candidates: np.ndarray,
    stat: str,
    tune: np.ndarray,
    held: np.ndarray,
) -> np.ndarray:
    """Gain over the base of the config chosen on ``tune`` seeds, measured on ``held`` seeds.

    A candidate with a failed run among the tuning seeds is not eligible (a
    config that diverged is not a tuning winner); the base is always eligible.

    Args:
        scores: ``(..., n_configs, n_seeds)``, NaN for an excluded run.
        base: the base config's row.
        candidates: ``(n_configs,)`` bool, the configs to choose from.
        tune: ``(reps, k)`` seed indices to choose on.
        held: ``(reps, m)`` seed indices to measure on (``tune`` for in-sample).

    Returns:
        ``(..., reps)`` gains, ``stat(best) - stat(base)`` on the ``held`` seeds.
    """
    on_tune = scores[..., tune]  # (..., C, reps, k)
    eligible = np.isfinite(on_tune).all(axis=-1) & candidates[:, None]
    eligible[..., base, :] = True
    choice = np.where(eligible, statistic(on_tune, stat), -np.inf)
    best = np.argmax(np.nan_to_num(choice, nan=-np.inf), axis=-2)  # (..., reps)
    on_held = statistic(scores[..., held], stat)  # (..., C, reps)
    chosen = np.take_along_axis(on_held, best[..., None, :], axis=-2)[..., 0, :]
    return chosen - on_held[..., base, :]


def random_splits(
    n_seeds: int, n_tune: int, reps: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``reps`` random splits of the seeds: ``(reps, n_tune)`` and ``(reps, n_seeds - n_tune)``."""
    order = np.argsort(rng.random((reps, n_seeds)), axis=1)
    return order[:, :n_tune], order[:, n_tune:]


def tunability_estimates(
    scores: np.ndarray,
    base: int,
    candidates: np.ndarray,
    stat: str,
    n_tune: int,
    splits: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """In-sample and held-out tunability point estimates (Probst et al. 2018; Eimer et al. 2023).

    In-sample: the best config on all seeds, its gain on the same seeds.
    Held-out: the mean over ``splits`` random splits of the gain, on the
    held-out seeds, of the config chosen on ``n_tune`` tuning seeds.

    Args:
        scores: ``(..., n_configs, n_seeds)``; leading axes are independent replicates.

    Returns:
        ``(in_sample, held_out)``, each ``(...)``.
    """
    n_seeds = scores.shape[-1]
    everything = np.arange(n_seeds)[None, :]
    in_sample = tuning_gains(scores, base, candidates, stat, everything, everything)[..., 0]
    tune, held = random_splits(n_seeds, n_tune, splits, rng)
    gains = tuning_gains(scores, base, candidates, stat, tune, held)
    with warnings.catch_warnings():  # a split whose held-out base runs all failed: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        held_out = np.nanmean(gains, axis=-1)
    return in_sample, held_out


def tunability_distributions(
    scores: np.ndarray,
    base: int,
    candidates: np.ndarray,
    stat: str,
    n_tune: int,
    reps: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap distributions of the in-sample and held-out gains, ``(reps,)`` each.

    In-sample: seeds resampled, the best chosen and measured on the resample.
    Held-out: a fresh random split per resample, seeds resampled within the
    tuning and within the held-out part (so no seed is on both sides), the
    choice repeated on the resampled tuning seeds.
    """
    n_seeds = scores.shape[-1]
    everything = seed_resamples(n_seeds, reps, rng)
    in_sample = tuning_gains(scores, base, candidates, stat, everything, everything)
    tune, held = random_splits(n_seeds, n_tune, reps, rng)
    rows = np.arange(reps)[:, None]
    tune = tune[rows, uniform_indices(rng, tune.shape, tune.shape[1])]
    held = held[rows, uniform_indices(rng, held.shape, held.shape[1])]
    return in_sample, tuning_gains(scores, base, candidates, stat, tune, held)
