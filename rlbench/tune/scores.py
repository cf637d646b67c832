"""The objective of a tune and its held-out estimate: pure functions on score arrays.

A configuration's score on one seed is its metric (``auc``, ``final_return``,
``best_return``) on the one env, or, with several envs, the mean over envs of
the normalised metric ``(x - random) / (reference - random)`` (the env cards'
scores). The objective is a statistic of those per-seed scores:

* ``mean``, ``iqm`` (25 % trimmed mean), ``median``;
* ``lower_ci``: the lower bound of the 95 % percentile-bootstrap CI of the mean,
  which prefers configurations that are good *and* consistent across seeds.

The in-sample and held-out numbers reported for a configuration use the same
*estimate*: the statistic itself for mean, iqm and median, and the mean for
lower_ci (a lower bound is a selection rule, not an estimate of a score).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.stats import iqm
from rlbench.stats.resampling import make_rng, percentile_bounds, trimmed_mean


def seed_scores(
    values: Mapping[tuple[str, int], float | None],
    envs: Sequence[str],
    seeds: Sequence[int],
    normalise: Mapping[str, tuple[float, float]] | None,
) -> np.ndarray:
    """Per-seed scores of one configuration.

    Args:
        values: (env, seed) -> the metric of that trial (None or NaN: failed or missing).
        envs: the envs of the suite.
        seeds: the seeds, in order.
        normalise: env -> (random, reference) to normalise with (several envs), or None.

    Returns:
        ``(len(seeds),)`` array; NaN where any env's trial of the seed has no value.
    """
    out = np.empty(len(seeds), dtype=np.float64)
    for i, seed in enumerate(seeds):
        per_env = []
        for env in envs:
            value = values.get((env, seed))
            x = np.nan if value is None else float(value)
            if normalise is not None:
                random, reference = normalise[env]
                x = (x - random) / (reference - random)
            per_env.append(x)
        out[i] = float(np.mean(per_env))
    return out


def estimate_name(stat: str) -> str:
    """The statistic used for reported in-sample and held-out numbers."""
    return "mean" if stat == "lower_ci" else stat


def statistic(scores: np.ndarray, stat: str, reps: int = RESAMPLES, seed: int = SEED) -> float:
    """The objective of ``(n_seeds,)`` scores; NaN when any score is NaN."""
    scores = np.asarray(scores, dtype=np.float64)
    if not np.all(np.isfinite(scores)):
        return float("nan")
    if stat == "mean":
        return float(scores.mean())
    if stat == "median":
        return float(np.median(scores))
    if stat == "iqm":
        return iqm(scores[:, None])
    if stat == "lower_ci":
        if len(scores) < 2:
            return float(scores.mean())
        dist = _bootstrap(scores, "mean", reps, seed)
        return percentile_bounds(dist, CONFIDENCE)[0]
    raise ValueError(f"unknown statistic {stat!r}")


def _bootstrap(scores: np.ndarray, stat: str, reps: int, seed: int) -> np.ndarray:
    """``(reps,)`` bootstrap distribution of ``stat`` over seeds (resampled with replacement).

    Not `rlbench.stats.stratified_bootstrap`: its ``median`` is rliable's median
    over tasks of per-task means, and here a sample is one task's seeds.
    """
    rng, _ = make_rng(seed)  # default_rng(seed): the stream of default_rng(SeedSequence(seed))
    resampled = scores[rng.integers(0, len(scores), size=(reps, len(scores)))]
    if stat == "mean":
        return resampled.mean(axis=1)
    if stat == "median":
        return np.median(resampled, axis=1)
    if stat == "iqm":
        return trimmed_mean(resampled, axis=1, summation="partition")
    raise ValueError(f"unknown statistic {stat!r}")


def interval(
    scores: np.ndarray, stat: str, reps: int = RESAMPLES, seed: int = SEED
) -> dict[str, Any]:
    """The estimate of ``(n_seeds,)`` scores with its percentile-bootstrap CI.

    Returns:
        ``value``, ``ci`` ([low, high]), ``seeds`` (the count), ``stat``, ``method``.
    """
    name = estimate_name(stat)
    scores = np.asarray(scores, dtype=np.float64)
    value = statistic(scores, name)
    low = high = float("nan")
    if len(scores) >= 2 and np.all(np.isfinite(scores)):
        low, high = percentile_bounds(_bootstrap(scores, name, reps, seed), CONFIDENCE)
    return {
        "value": value,
        "ci": [float(low), float(high)],
        "seeds": len(scores),
        "stat": name,
        "method": f"{CONFIDENCE:.0%} percentile bootstrap over seeds, {reps} resamples, "
        f"seed {seed}",
    }


def optimism(
    in_sample: np.ndarray, held_out: np.ndarray, stat: str, reps: int = RESAMPLES, seed: int = SEED
) -> dict[str, Any]:
    """In-sample minus held-out estimate, with a CI from independent resamples of each side.

    The tuning and test seeds are disjoint, so the two samples are independent
    and each is resampled on its own (different bootstrap seeds).

    Args:
        in_sample: ``(n_tuning_seeds,)`` scores of the configuration.
        held_out: ``(n_test_seeds,)`` scores of the same configuration.
    """
    name = estimate_name(stat)
    value = statistic(in_sample, name) - statistic(held_out, name)
    low = high = float("nan")
    if min(len(in_sample), len(held_out)) >= 2 and np.all(np.isfinite(in_sample)):
        if np.all(np.isfinite(held_out)):
            diff = _bootstrap(np.asarray(in_sample, float), name, reps, seed) - _bootstrap(
                np.asarray(held_out, float), name, reps, seed + 1
            )
            low, high = percentile_bounds(diff, CONFIDENCE)
    return {"value": float(value), "ci": [float(low), float(high)], "stat": name}


def rank_correlation(in_sample: Sequence[float], held_out: Sequence[float]) -> dict[str, Any]:
    """Spearman's rho (scipy) of in-sample and held-out order over the retested configs."""
    from scipy.stats import spearmanr

    a, b = np.asarray(in_sample, float), np.asarray(held_out, float)
    if len(a) < 3 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return {"spearman": None, "p_value": None, "configs": len(a),
                "note": "needs 3 or more retested configurations with scores"}  # fmt: skip
    result = spearmanr(a, b)
    rho = float(result.statistic)
    p = float(result.pvalue)
    out: dict[str, Any] = {
        "spearman": None if np.isnan(rho) else rho,
        "p_value": None if np.isnan(p) else p,
        "configs": len(a),
    }
    if len(a) < 5:  # scipy's p-value (a t approximation) means nothing on 3 or 4 points
        out["p_value"] = None
        out["note"] = "no p-value under 5 configurations"
    return out
