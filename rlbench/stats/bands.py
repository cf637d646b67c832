"""Bands of learning curves over seeds: pointwise CIs and percentiles per step.

* `curve_bands`: per-step mean return over seeds with percentile-bootstrap CI
  bands, vectorised over steps; each step's band is exactly
  ``rlbench.stats.sample_interval(returns, 'mean', 'percentile', reps, seed)``.
* `percentile_bands`: per-step percentiles over seeds (Mania et al. 2018, Fig. 3).

Inputs are curve rows (``agent, env, trial_id, step, return_mean``) of the done
trials, one config per agent and env.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.stats.resampling import index_counts, make_rng, uniform_indices
from rlbench.stats.sample import sample_interval


@dataclass(frozen=True)
class CurveBands:
    """Per-step mean return over seeds with pointwise bootstrap CIs.

    Attributes:
        frame: columns ``agent, env, step, mean, lower, upper, n_seeds``.
        method, reps, confidence, seed: how the bands were made.
    """

    frame: pd.DataFrame
    method: str
    reps: int
    confidence: float
    seed: int

    def describe(self) -> str:
        seeds = self.frame["n_seeds"]
        count = (
            "no seeds"
            if seeds.empty
            else f"{seeds.min()}" + (f"-{seeds.max()}" if seeds.max() != seeds.min() else "")
        )
        return (
            f"{self.confidence:.0%} CI: {self.method}, {self.reps} resamples, seed {self.seed}; "
            f"{count} seeds per agent and env"
        )


def mean_bands(
    returns: np.ndarray, reps: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds and its percentile-bootstrap CI at every step.

    At each step the resamples are those of ``sample_interval(returns[:, step],
    'mean', 'percentile', reps, seed, confidence)`` (same seed, same draws over
    the sorted runs), computed for all complete steps at once as a matrix
    product of resample counts; steps with a NaN (ragged curves, a diverged
    run) call `sample_interval` with ``nan_policy='omit'``.

    Args:
        returns: ``(n_seeds, n_steps)``, NaN where a seed has no finite return.

    Returns:
        ``(mean, lower, upper)``, each ``(n_steps,)``; NaN where no seed is finite.
    """
    n_seeds, n_steps = returns.shape
    mean, lower, upper = (np.full(n_steps, np.nan) for _ in range(3))
    finite = np.isfinite(returns)
    complete = finite.all(axis=0)
    if complete.any():
        ordered = np.sort(returns[:, complete], axis=0)  # as sample_interval sorts its sample
        rng, _ = make_rng(seed)
        counts = index_counts(uniform_indices(rng, (reps, n_seeds), n_seeds), n_seeds)
        distribution = counts @ ordered / n_seeds  # (reps, complete steps)
        alpha = 1.0 - confidence
        low, high = np.quantile(distribution, [alpha / 2, 1 - alpha / 2], axis=0)
        mean[complete], lower[complete], upper[complete] = ordered.mean(axis=0), low, high
    for step in np.flatnonzero(~complete & finite.any(axis=0)):
        interval = sample_interval(
            returns[:, step], "mean", "percentile", reps, seed, confidence, nan_policy="omit"
        )
        mean[step], lower[step], upper[step] = interval.estimate, interval.lower, interval.upper
    return mean, lower, upper


def _seed_matrices(curves: pd.DataFrame, value: str = "return_mean"):
    """Yields ``(agent, env, steps, (n_seeds, n_steps) matrix)`` per agent and env."""
    for (agent, env), group in curves.groupby(["agent", "env"], sort=True):
        table = group.pivot_table(index="trial_id", columns="step", values=value, aggfunc="first")
        yield agent, env, table.columns.to_numpy(), table.to_numpy(dtype=np.float64)


def curve_bands(
    curves: pd.DataFrame, reps: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> CurveBands:
    """Learning-curve bands per agent and env (see `mean_bands`).

    Args:
        curves: ``rlbench.load(...).curves`` rows (done trials; one config per agent and env).
    """
    parts = []
    for agent, env, steps, matrix in _seed_matrices(curves):
        mean, lower, upper = mean_bands(matrix, reps, seed, confidence)
        parts.append(
            pd.DataFrame(
                {
                    "agent": agent,
                    "env": env,
                    "step": steps,
                    "mean": mean,
                    "lower": lower,
                    "upper": upper,
                    "n_seeds": np.isfinite(matrix).sum(axis=0),
                }
            )
        )
    columns = ["agent", "env", "step", "mean", "lower", "upper", "n_seeds"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    method = "percentile bootstrap of the mean over seeds, pointwise per step"
    return CurveBands(frame, method, int(reps), float(confidence), int(seed))


def percentile_bands(
    curves: pd.DataFrame, percentiles: Sequence[float] = (10, 25, 50, 75, 90)
) -> pd.DataFrame:
    """Per-step percentiles of the return over seeds (Mania et al. 2018, Fig. 3).

    Returns:
        Columns ``agent, env, step, n_seeds`` and ``p<q>`` per percentile (linear
        interpolation between seeds, as numpy).
    """
    parts = []
    for agent, env, steps, matrix in _seed_matrices(curves):
        values = np.nanpercentile(matrix, percentiles, axis=0)
        part = {"agent": agent, "env": env, "step": steps}
        part["n_seeds"] = np.isfinite(matrix).sum(axis=0)
        for q, row in zip(percentiles, values, strict=True):
            part[f"p{q:g}"] = row
        parts.append(pd.DataFrame(part))
    columns = ["agent", "env", "step", "n_seeds", *(f"p{q:g}" for q in percentiles)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
