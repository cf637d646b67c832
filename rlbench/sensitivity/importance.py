"""Hyperparameter importance of one (agent, env): the exact functional ANOVA
of the config-level response over a full grid (Hutter et al. 2014) with the
seed noise subtracted from every term (`rlbench.sensitivity.decomposition`), or
a binned first-order variance index for a random plan. One-at-a-time plans have
no importance (they never vary two hyperparameters together): a note says so.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as scipy_stats

from rlbench.sensitivity import estimators as est
from rlbench.sensitivity.analysis import SEED_METHOD, Settings, _excluded, _numeric
from rlbench.sensitivity.decomposition import corrected_fanova
from rlbench.sensitivity.results import Importance
from rlbench.sensitivity.table import ConfigTable


def importance(table: ConfigTable, settings: Settings) -> tuple[Importance | None, list[str]]:
    """Variance shares of the hyperparameters: exact fANOVA on a grid, binned on a random plan."""
    grid = [r for r, k in enumerate(table.kinds) if k == "grid"]
    rand = [r for r, k in enumerate(table.kinds) if k == "random"]
    if grid:
        return _grid_importance(table, grid, settings)
    if rand:
        return _random_importance(table, rand, settings)
    return None, [
        "importance needs a grid or random plan (one-at-a-time perturbs one hyperparameter "
        "at a time: see the curves and the tunability per hyperparameter)"
    ]


def _full_grid(table, rows):
    """(names, shape, rows in grid order), or (None, reason) when no fANOVA applies."""
    names = [n for n in table.varying() if len({repr(table.hparams[r].get(n)) for r in rows}) > 1]
    if len(names) < 2:
        varied = f"the grid varies {len(names)} hyperparameter(s)"
        return None, f"{varied}: importance needs at least two"
    levels = [sorted({repr(table.hparams[r].get(n)) for r in rows}) for n in names]
    cell = {
        tuple(
            level.index(repr(table.hparams[r].get(n)))
            for n, level in zip(names, levels, strict=True)
        ): r
        for r in rows
    }
    shape = tuple(len(level) for level in levels)
    if len(cell) != len(rows) or len(cell) != math.prod(shape):
        return None, (
            f"the grid configs ({len(rows)}) do not fill the full grid of "
            f"{' x '.join(map(str, shape))}: no fANOVA (dropped infeasible configs?)"
        )
    return (names, shape, [cell[index] for index in np.ndindex(*shape)]), None


def _grid_importance(table, rows, settings):
    grid, reason = _full_grid(table, rows)
    if grid is None:
        return None, [reason]
    names, shape, order = grid
    scores = table.scores[order]
    observed = est.statistic(scores, settings.stat)
    if not np.isfinite(observed).all():
        return None, ["a grid config has no finite run: no fANOVA"]
    rng = est.group_rng(settings.seed, table.agent, table.env, "importance")
    resampled = est.resampled_statistics(
        scores, settings.stat, est.seed_resamples(len(table.seeds), settings.reps, rng)
    )
    point, dist, noise = corrected_fanova(
        observed.reshape(shape),
        resampled.T.reshape((settings.reps, *shape)),
        len(names),
        len(table.seeds),
    )
    terms, shares, noise_shares = [], [], []
    method = (
        f"fANOVA on the full grid, seed noise subtracted (bootstrap bias correction), {SEED_METHOD}"
    )
    for subset in [s for s in point if len(s) <= 2]:
        terms.append(":".join(names[i] for i in subset))
        noise_shares.append(noise[subset])
        shares.append(
            settings.interval(
                "variance share",
                point[subset],
                dist[subset],
                method,
                (len(table.seeds),),
                _excluded(table, order),
            )
        )
    if len(names) > 2:
        higher = [s for s in point if len(s) > 2]
        terms.append("higher order")
        noise_shares.append(sum(noise[s] for s in higher))
        shares.append(
            settings.interval(
                "variance share",
                sum(point[s] for s in higher),
                sum(dist[s] for s in higher),
                method,
                (len(table.seeds),),
                _excluded(table, order),
            )
        )
    return Importance(
        table.agent,
        table.env,
        "fANOVA, full grid, seed noise subtracted",
        tuple(terms),
        tuple(shares),
        len(order),
        tuple(noise_shares),
    ), []


def _random_importance(table, rows, settings):
    response = est.statistic(table.scores[rows], settings.stat)
    keep = np.isfinite(response)
    rows = [r for r, k in zip(rows, keep, strict=True) if k]
    response = response[keep]
    n_bins = min(5, len(rows) // 5)
    if n_bins < 2:
        return None, [f"{len(rows)} random configs with finite runs: importance needs at least 10"]
    notes = [] if keep.all() else [f"{int((~keep).sum())} random config(s) without a finite run"]
    rng = est.group_rng(settings.seed, table.agent, table.env, "importance")
    resample = rng.integers(0, len(rows), (settings.reps, len(rows)))
    terms, shares = [], []
    for name in table.varying():
        values = [_numeric(table.hparams[r].get(name)) for r in rows]
        if any(v is None for v in values) or len(set(values)) < n_bins:
            continue
        ranks = scipy_stats.rankdata(values, method="ordinal") - 1
        bins = (ranks * n_bins) // len(rows)
        point = est.binned_first_order(response[None, :], bins[None, :], n_bins)[0]
        dist = est.binned_first_order(response[resample], bins[resample], n_bins)
        terms.append(name)
        shares.append(
            settings.interval(
                "first-order variance share",
                point,
                dist,
                f"binned first-order index (epsilon squared, {n_bins} equal-count bins), "
                "percentile bootstrap over configs",
                (len(rows),),
                _excluded(table, rows),
            )
        )
    if not terms:
        return None, ["no numeric hyperparameter varies across the random configs"]
    return Importance(
        table.agent,
        table.env,
        "binned first-order index, random plan",
        tuple(terms),
        tuple(shares),
        len(rows),
    ), notes
