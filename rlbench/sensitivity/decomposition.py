"""Variance decompositions over configs and seeds that respect the design.

Seeds are crossed with configs here: seed j of every config draws the same
streams, so a lucky seed is lucky for every config. Two estimators use that.

* `two_way_anova`: the configs x seeds two-way random-effects ANOVA without
  replication, ``y_ij = mu + c_i + s_j + e_ij``, with ICC(A,1), the share of
  variance between configs ``var_c / (var_c + var_s + var_e)``, and its
  F-based interval (Shrout & Fleiss 1979, Case 2; McGraw & Wong 1996, ICC(A,1)).
* `corrected_fanova`: the functional ANOVA of a grid's per-config statistic
  (Hutter et al. 2014) with the seed noise taken out. On statistics over
  finitely many seeds every fANOVA term carries a share of the noise, so pure
  noise looks like interactions. The noise in each term is estimated from the
  paired seed bootstrap (the fANOVA of each resample's deviation from the
  resamples' mean; crossed seeds handled, any statistic) and subtracted: the
  bootstrap bias correction of each term's variance.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from rlbench.sensitivity import estimators as est
from rlbench.sensitivity.analysis import Settings, _excluded
from rlbench.sensitivity.estimators import fanova_terms
from rlbench.sensitivity.results import VarianceDecomposition
from rlbench.sensitivity.table import ConfigTable
from rlbench.stats.results import Interval


def two_way_anova(scores: np.ndarray, confidence: float) -> dict[str, float]:
    """ICC(A,1) of a complete configs x seeds table, with its F-based interval.

    Mean squares: configs ``MSR = k SS(row means) / (n - 1)``, seeds
    ``MSC = n SS(column means) / (k - 1)``, residual ``MSE`` on
    ``(n - 1)(k - 1)`` df. ``ICC = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)``;
    the interval uses Satterthwaite's df ``v`` (Shrout & Fleiss 1979, Eq. for Case 2).

    Args:
        scores: ``(n configs, k seeds)``, all finite.
        confidence: level of the interval.

    Returns:
        ``icc, lower, upper, var_config, var_seed, var_residual, f, df_between,
        df_residual, p_value, f_seeds, p_seeds, n_configs, n_seeds``.
    """
    n, k = scores.shape
    grand = scores.mean()
    rows, cols = scores.mean(axis=1), scores.mean(axis=0)
    msr = k * np.sum((rows - grand) ** 2) / (n - 1)
    msc = n * np.sum((cols - grand) ** 2) / (k - 1)
    residual = scores - rows[:, None] - cols[None, :] + grand
    df_residual = (n - 1) * (k - 1)
    mse = np.sum(residual**2) / df_residual
    icc = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    alpha = 1.0 - confidence
    f_seeds = msc / mse
    a = k * icc * f_seeds + n * (1 + (k - 1) * icc) - k * icc
    v = (
        df_residual
        * a**2
        / ((n - 1) * k**2 * icc**2 * f_seeds**2 + (n * (1 + (k - 1) * icc) - k * icc) ** 2)
    )
    f_up = scipy_stats.f.ppf(1 - alpha / 2, n - 1, v)
    f_low = scipy_stats.f.ppf(1 - alpha / 2, v, n - 1)
    spread = k * msc + (k * n - k - n) * mse
    return {
        "icc": float(icc),
        "lower": float(n * (msr - f_up * mse) / (f_up * spread + n * msr)),
        "upper": float(n * (f_low * msr - mse) / (spread + n * f_low * msr)),
        "var_config": float((msr - mse) / k),
        "var_seed": float((msc - mse) / n),
        "var_residual": float(mse),
        "f": float(msr / mse),
        "df_between": n - 1,
        "df_residual": df_residual,
        "p_value": float(scipy_stats.f.sf(msr / mse, n - 1, df_residual)),
        "f_seeds": float(f_seeds),
        "p_seeds": float(scipy_stats.f.sf(f_seeds, k - 1, df_residual)),
        "n_configs": n,
        "n_seeds": k,
    }


def corrected_fanova(
    observed: np.ndarray, resampled: np.ndarray, n_params: int, n_seeds: int
) -> tuple[
    dict[tuple[int, ...], float], dict[tuple[int, ...], np.ndarray], dict[tuple[int, ...], float]
]:
    """fANOVA shares of a grid with the seed noise subtracted from every term.

    With ``V_u`` the variance of term ``u`` over the grid, the noise in it is
    ``N_u`` = ``n / (n - 1)`` times the mean over resamples of
    ``V_u(resample - mean of resamples)`` (the factor makes the bootstrap
    variance of a mean over n seeds unbiased; for a 2 x 2 grid and the mean,
    ``N_ab`` is the variance of the estimated interaction contrast, ``s_c^2 / n``);
    the corrected share is ``(V_u - N_u) / (V - N)`` (``V``, ``N``: totals).
    It is the bootstrap bias correction, so it can be slightly negative for a
    term that is pure noise (read it as 0); the corrected shares sum to 1. Each
    resample's share is corrected by ``2 N_u`` (a resample carries the noise
    twice: the data's and the resampling's), which centres the percentile
    interval on the corrected estimate.

    Args:
        observed: ``(L_1, ..., L_k)`` the statistic of each grid config.
        resampled: ``(reps, L_1, ..., L_k)`` the same on paired seed resamples.
        n_params: ``k``.
        n_seeds: ``n``, the seeds each statistic is over.

    Returns:
        ``(point, distribution, noise)``: per non-empty subset ``u``, the
        corrected share, its ``(reps,)`` resampled values, and the share of
        the observed variance that was noise, ``N_u / V``.
    """
    terms, total = fanova_terms(observed, n_params)
    deviations = resampled - resampled.mean(axis=0, keepdims=True)
    noise_terms, noise_total = fanova_terms(deviations, n_params)
    unbiased = n_seeds / (n_seeds - 1)
    noise = {u: unbiased * float(np.mean(v)) for u, v in noise_terms.items()}
    noise_all = unbiased * float(np.mean(noise_total))
    dist_terms, dist_total = fanova_terms(resampled, n_params)
    with np.errstate(invalid="ignore", divide="ignore"):
        point = {u: float((terms[u] - noise[u]) / (total - noise_all)) for u in terms}
        dist = {u: (dist_terms[u] - 2 * noise[u]) / (dist_total - 2 * noise_all) for u in terms}
        shares_of_noise = {u: float(noise[u] / total) for u in terms}
    return point, dist, shares_of_noise


def variance_decomposition(
    table: ConfigTable, settings: Settings
) -> tuple[VarianceDecomposition | None, list[str]]:
    """Between-config vs between-seed variance of the metric, with an F-based CI.

    Seeds are crossed with configs (seed j of every config draws the same
    streams), so a complete table gets the two-way configs x seeds
    decomposition and ICC(A,1) (`rlbench.sensitivity.decomposition`). A table
    with a failed or missing run (or, degenerate, one that is exactly additive
    in configs and seeds: no residual for the F test) falls back to the one-way
    ICC(1), which treats the seeds of each config as unrelated, and says so.
    """
    complete = np.isfinite(table.scores).all() and min(table.scores.shape) >= 2
    two_way = _two_way(table, settings) if complete else None
    if two_way is not None:
        return two_way, []
    groups = [row[np.isfinite(row)] for row in table.scores]
    groups = [g for g in groups if g.size]
    n = sum(g.size for g in groups)
    if len(groups) < 2 or n - len(groups) < 1:
        return None, ["a variance decomposition needs 2+ configs and a config with 2+ seeds"]
    anova = est.one_way_anova(groups, settings.confidence)
    if not anova["var_seed"] > 0:
        return None, ["every config gave identical runs over seeds: no variance decomposition"]
    icc = Interval(
        statistic="ICC(1), one-way: share of variance between configs (seeds not paired)",
        estimate=float(anova["icc"]),
        lower=float(anova["lower"]),
        upper=float(anova["upper"]),
        method="exact F-based CI (Shrout & Fleiss 1979, one-way random effects); one-way "
        "because the configs x seeds table is incomplete (failed or missing runs) or has "
        "no residual variance"
        + ("" if len({g.size for g in groups}) == 1 else "; approximate: unequal seeds per config"),
        reps=0,
        confidence=settings.confidence,
        runs_per_task=tuple(g.size for g in groups),
        n_excluded=_excluded(table, list(range(len(table.config_ids)))),
    )
    return VarianceDecomposition(
        table.agent,
        table.env,
        icc,
        float(anova["var_config"]),
        float(anova["var_seed"]),
        float(anova["f"]),
        int(anova["df_between"]),
        int(anova["df_within"]),
        float(anova["p_value"]),
        len(groups),
        int(anova["n"]),
        float(anova["n0"]),
        design="one-way",
    ), []


def _two_way(table: ConfigTable, settings: Settings) -> VarianceDecomposition | None:
    """The two-way decomposition, or None when the residual variance is 0 (no F test)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        anova = two_way_anova(table.scores, settings.confidence)
    if not anova["var_residual"] > 0:
        return None
    n_configs, n_seeds = table.scores.shape
    icc = Interval(
        statistic="ICC(A,1), two-way: share of variance between configs",
        estimate=anova["icc"],
        lower=anova["lower"],
        upper=anova["upper"],
        method="F-based CI with Satterthwaite df (Shrout & Fleiss 1979, Case 2; two-way "
        "random effects, configs x crossed seeds)",
        reps=0,
        confidence=settings.confidence,
        runs_per_task=(n_seeds,) * n_configs,
    )
    return VarianceDecomposition(
        table.agent,
        table.env,
        icc,
        anova["var_config"],
        anova["var_seed"],
        anova["f"],
        int(anova["df_between"]),
        int(anova["df_residual"]),
        anova["p_value"],
        n_configs,
        n_configs * n_seeds,
        float(n_seeds),
        design="two-way",
        var_residual=anova["var_residual"],
    )
