"""Inputs of the figures: the estimates of `rlbench.stats`, arranged per panel.

Each function is pure (DataFrames in, DataFrames or stats results out) and
only selects, groups and shapes: every estimate comes from `rlbench.stats`
(curve bands from `rlbench.stats.bands`, power curves from
`rlbench.stats.frame.power_curves`). The figures draw what these return.

* `status_table`: done / failed / other trials per agent and env.
* `done_curves`: the curve rows of the done trials.
* `aggregate_panels`, `profile_panels`, `seed_splits`: the inputs of the
  aggregate, profile and seed-split figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.stats import (
    Profile,
    SeedSplitResult,
    aggregate_intervals,
    normalize_scores,
    performance_profile,
    seed_split,
)
from rlbench.stats.frame import Comparison
from rlbench.stats.results import Interval
from rlbench.stats.trial_scores import score_matrices

NORMALISED_PANEL = "all envs (normalised)"
SPLITS_PER_SIZE = 1000
"""Splits per group size in the seed-split figure: its fractions to within about 3 %."""


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
    reps: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
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
    reps: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
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
    max_splits: int = SPLITS_PER_SIZE,
    seed: int = SEED,
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
