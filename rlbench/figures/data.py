"""Inputs of the figures, computed from `rlbench.load`'s tables with `rlbench.stats`.

Each function is pure (DataFrames in, DataFrames or stats results out). The
figures draw what these return and compute no statistic themselves.

* `base_configs`: each agent's base config (perturbed configs are the
  sensitivity analysis' business), with the number of trials left out.
* `status_table`: done / failed / other trials per agent and env.
* `curve_bands`: per-step mean return over seeds with percentile-bootstrap CI
  bands, vectorised over steps; each step's band is exactly
  ``rlbench.stats.sample_interval(returns, 'mean', 'percentile', reps, seed)``.
* `percentile_bands`: per-step percentiles over seeds (Mania et al. 2018, Fig. 3).
* `aggregate_panels`, `profile_panels`, `seed_splits`, `power_curves`: the
  inputs of the aggregate, profile, seed-split and power figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rlbench.stats import (
    Profile,
    SeedSplitResult,
    aggregate_intervals,
    normalize_scores,
    performance_profile,
    sample_interval,
    seed_split,
    welch_power,
)
from rlbench.stats._data import make_rng, uniform_indices
from rlbench.stats.frame import Comparison, base_configs, score_matrices  # noqa: F401  # base_configs: re-exported
from rlbench.stats.results import Interval

NORMALISED_PANEL = "all envs (normalised)"


def status_table(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per (agent, env): seeds, done, failed, other statuses (never dropped)."""
    rows = []
    for (agent, env), group in trials.groupby(["agent", "env"], sort=True):
        status = group["status"]
        rows.append(
            {
                "agent": agent,
                "env": env,
                "configs": int(group["config_id"].nunique()),
                "trials": len(group),
                "done": int((status == "done").sum()),
                "failed": int((status == "failed").sum()),
                "other": int((~status.isin(["done", "failed"])).sum()),
            }
        )
    columns = ["agent", "env", "configs", "trials", "done", "failed", "other"]
    return pd.DataFrame(rows, columns=columns)


def done_curves(curves: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Curve rows of the ``done`` trials among ``trials`` (failed trials keep partial curves)."""
    done = trials.loc[trials["status"] == "done", ["trial_id", "agent"]]
    rows = curves[curves["trial_id"].isin(set(done["trial_id"]))]
    # the agent label comes from the trials table (base_configs may relabel configs)
    return rows.assign(agent=rows["trial_id"].map(done.set_index("trial_id")["agent"]))


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


def _bincount_rows(indices: np.ndarray, size: int) -> np.ndarray:
    reps = indices.shape[0]
    flat = indices + (size * np.arange(reps))[:, None]
    return np.bincount(flat.ravel(), minlength=reps * size).reshape(reps, size)


def mean_bands(
    returns: np.ndarray, reps: int = 2000, seed: int = 0, confidence: float = 0.95
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
        counts = _bincount_rows(uniform_indices(rng, (reps, n_seeds), n_seeds), n_seeds)
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
    curves: pd.DataFrame, reps: int = 2000, seed: int = 0, confidence: float = 0.95
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


def _finite_runs(trials: pd.DataFrame, metric: str):
    """``{agent: (envs, [runs per env], excluded)}``: done trials and failed ones scored
    by the failed-run policy (`rlbench.stats.failed`), NaN dropped and counted."""
    out = {}
    for agent, scores in score_matrices(trials, metric).items():
        runs = [r[np.isfinite(r)] for r in scores.runs]
        excluded = sum(int((~np.isfinite(r)).sum()) for r in scores.runs)
        out[agent] = (scores.envs, runs, excluded)
    return out


def aggregate_panels(
    trials: pd.DataFrame,
    metric: str,
    comparison: Comparison | None,
    reps: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, dict[str, tuple[Interval, ...]]]:
    """Aggregate intervals per panel: all envs when ``comparison`` has them, else per env.

    A normalised `Comparison` (or one of a single env) already holds the
    aggregates; raw returns of several envs are not comparable, so their
    aggregates come per env from `aggregate_intervals` (IQM, mean, median).

    Returns:
        ``{panel title: {agent: (Interval, ...)}}``.
    """
    if comparison is not None and comparison.agents and comparison.agents[0].aggregates:
        title = NORMALISED_PANEL if comparison.normalized else comparison.envs[0]
        return {title: {a.agent: a.aggregates for a in comparison.agents}}
    panels: dict[str, dict[str, tuple[Interval, ...]]] = {}
    for agent, (envs, runs, _) in _finite_runs(trials, metric).items():
        for env, env_runs in zip(envs, runs, strict=True):
            if env_runs.size == 0:
                continue
            found = aggregate_intervals(
                [env_runs], ("iqm", "mean", "median"), reps, seed, confidence
            )
            panels.setdefault(env, {})[agent] = tuple(found.values())
    return dict(sorted(panels.items()))


def profile_panels(
    trials: pd.DataFrame,
    metric: str,
    references: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    reps: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    n_taus: int = 101,
) -> dict[str, dict[str, Profile]]:
    """Performance profiles (Agarwal et al. 2021, Sec. 4.2) per panel.

    With ``references`` (random, reference scores per env) one panel over all
    envs on normalised scores; without, one panel per env on raw scores. Agents
    lacking an env in the normalised panel are profiled over the envs they have.

    Returns:
        ``{panel title: {agent: Profile}}``; taus span the panel's observed scores.
    """
    runs_by_agent = _finite_runs(trials, metric)
    panels: dict[str, dict[str, list]] = {}
    for agent, (envs, runs, _) in runs_by_agent.items():
        kept = [(e, r) for e, r in zip(envs, runs, strict=True) if r.size]
        if not kept:
            continue
        if references is not None:
            names = [e for e, _ in kept]
            normalised = normalize_scores([r for _, r in kept], *references, tasks=names)
            panels.setdefault(NORMALISED_PANEL, {})[agent] = list(normalised)
        else:
            for env, env_runs in kept:
                panels.setdefault(env, {})[agent] = [env_runs]
    out: dict[str, dict[str, Profile]] = {}
    for title, agents in sorted(panels.items()):
        everything = np.concatenate([r for runs in agents.values() for r in runs])
        low, high = float(everything.min()), float(everything.max())
        pad = 0.02 * (high - low) if high > low else 1.0
        taus = np.linspace(low - pad, high + pad, n_taus)
        out[title] = {
            agent: performance_profile(runs, taus, reps, seed, confidence)
            for agent, runs in agents.items()
        }
    return out


def group_sizes(n_runs: int) -> list[int]:
    """Group sizes k tried by the seed-split figure: 2 <= k <= n_runs / 2."""
    candidates = (2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 75, 100)
    return [k for k in candidates if 2 * k <= n_runs]


def seed_splits(
    trials: pd.DataFrame,
    metric: str,
    test: str = "welch",
    alpha: float = 0.05,
    max_splits: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, list[SeedSplitResult]]]:
    """Henderson et al. 2018, Fig. 5: splits of each agent's seeds into two groups of k.

    Agents with fewer than 4 finite runs on an env are left out of that env.

    Returns:
        ``{env: {agent: [SeedSplitResult per k]}}``.
    """
    out: dict[str, dict[str, list[SeedSplitResult]]] = {}
    for agent, (envs, runs, _) in _finite_runs(trials, metric).items():
        for env, env_runs in zip(envs, runs, strict=True):
            sizes = group_sizes(env_runs.size)
            if not sizes:
                continue
            out.setdefault(env, {})[agent] = [
                seed_split(env_runs, k, test, alpha, max_splits, seed) for k in sizes
            ]
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class PowerCurve:
    """Power of Welch's test vs seeds per agent, to detect an observed difference.

    Attributes:
        agent: the agent compared with ``reference``.
        reference: the agent with the best mean on the env.
        effect: ``mean(reference) - mean(agent)``, score units.
        std_agent, std_reference: the sample stds assumed.
        n_seeds: ``(k,)`` seeds per agent; power: ``(k,)``.
        observed_seeds: the runs the agent has now.
        alpha: significance level.
    """

    agent: str
    reference: str
    effect: float
    std_agent: float
    std_reference: float
    n_seeds: tuple[int, ...]
    power: tuple[float, ...]
    observed_seeds: int
    alpha: float
    method: str = "Welch t-test, noncentral t"


def power_curves(
    comparison: Comparison, alpha: float = 0.05, max_seeds: int = 100
) -> dict[str, list[PowerCurve]]:
    """Per env, power vs seeds for each agent against the best one (Colas et al. 2018).

    The effect is the observed difference of means to the agent with the best
    mean on the env, and each agent's observed std (``comparison``'s task
    summaries) is assumed; pairs with zero spread or no difference are skipped.

    Returns:
        ``{env: [PowerCurve, ...]}``.
    """
    grid = np.arange(2, max_seeds + 1)
    out: dict[str, list[PowerCurve]] = {}
    for column, env in enumerate(comparison.envs):
        tasks = {a.agent: a.tasks[column] for a in comparison.agents}
        best = max(tasks, key=lambda name: tasks[name].mean)
        curves = []
        for agent, task in tasks.items():
            reference = tasks[best]
            effect = reference.mean - task.mean
            spreads = (task.std, reference.std)
            if agent == best or effect <= 0 or not all(np.isfinite(spreads)):
                continue
            if task.std == 0 and reference.std == 0:
                continue
            power = welch_power(grid, effect, reference.std, task.std, alpha)
            curves.append(
                PowerCurve(
                    agent,
                    best,
                    float(effect),
                    float(task.std),
                    float(reference.std),
                    tuple(int(n) for n in grid),
                    tuple(float(p) for p in power),
                    int(task.n_runs),
                    float(alpha),
                )
            )
        out[env] = curves
    return out
