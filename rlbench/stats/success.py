"""Success rate against the budget: the fraction of seeds that reached the threshold.

Mania et al. 2018, Fig. 3 reports, over 100 seeds, the fraction of runs whose
policy reached the task's reward threshold. The fraction depends on the
budget, so it is a curve: `success_by_budget` gives it at every budget where it
changes (or at the budgets asked), with an exact binomial interval, and stops
at the budget every finished run was given (beyond it a run that had not yet
succeeded is censored: nothing is known). `rate_at` reads the curve at one
budget and returns None beyond that horizon, so a verdict against a paper's
budget is given only when the runs were given that budget.

A run counts as a success at budget ``b`` when its first evaluation at or
above the threshold came at ``b`` or before (``threshold_step`` or
``threshold_episodes``). A failed run counts as a seed that did not succeed
after it failed (failure is final), or as a success if it had reached the
threshold before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rlbench.defaults import CONFIDENCE
from rlbench.errors import InputError
from rlbench.stats.resampling import binomial_interval

UNITS = {"steps": "threshold_step", "episodes": "threshold_episodes"}
COLUMNS = ("agent", "env", "unit", "budget", "n_runs", "n_success", "n_failed", "rate",
           "lower", "upper", "horizon")  # fmt: skip


def _horizons(trials: pd.DataFrame, unit: str, curves: pd.DataFrame | None) -> pd.Series:
    """Each trial's budget in ``unit``: ``budget_steps``, or its last evaluation's episodes."""
    if unit == "steps":
        return trials["budget_steps"].astype(np.float64)
    if curves is None:
        raise InputError("success by episodes needs the curves table (rlbench.load(...).curves)")
    last = curves.groupby("trial_id")["episodes"].max()
    return trials["trial_id"].map(last).astype(np.float64)


def success_by_budget(
    trials: pd.DataFrame,
    unit: str = "steps",
    budgets: Sequence[float] | None = None,
    curves: pd.DataFrame | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """The success rate per (agent, env) against the budget, with Clopper-Pearson CIs.

    Args:
        trials: the trials table (``agent, env, trial_id, status, budget_steps,
            threshold_step, threshold_episodes``; one config per agent and env).
        unit: ``'steps'`` (env steps) or ``'episodes'`` (training episodes, as
            Mania et al. count them; needs ``curves``).
        budgets: the budgets to report (default: 0, each budget where a run
            first reached the threshold, and the horizon).
        curves: ``rlbench.load(...).curves``, for ``unit='episodes'``.
        confidence: level of the intervals.

    Returns:
        One row per (agent, env, budget) with the columns of ``COLUMNS``:
        ``n_runs`` seeds, ``n_success`` reached by ``budget``, ``n_failed``
        failed runs among the others, ``rate`` with ``lower``/``upper``, and
        ``horizon``, the largest budget every finished run was given; budgets
        beyond the horizon are left out.

    Raises:
        InputError: on an unknown unit, a missing column, or bad confidence.
    """
    if unit not in UNITS:
        raise InputError(f"unit must be 'steps' or 'episodes', got {unit!r}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}")
    needed = ("agent", "env", "trial_id", "status", "budget_steps", UNITS[unit])
    missing = [column for column in needed if column not in trials.columns]
    if missing:
        raise InputError(f"the trials table lacks column(s) {', '.join(missing)}")
    frame = trials.assign(
        _reached=pd.to_numeric(trials[UNITS[unit]], errors="coerce").astype(np.float64),
        _horizon=_horizons(trials, unit, curves),
    )
    rows = []
    for (agent, env), group in frame.groupby(["agent", "env"], sort=True):
        done = group[group["status"] == "done"]
        horizon = float((done if len(done) else group)["_horizon"].min())
        reached = group["_reached"].to_numpy()
        failed = (group["status"] != "done").to_numpy()
        grid = (
            budgets
            if budgets is not None
            else [0.0, *np.unique(reached[np.isfinite(reached)]), horizon]
        )
        for budget in sorted({float(b) for b in grid if b <= horizon}):
            success = np.isfinite(reached) & (reached <= budget)
            n, k = len(group), int(success.sum())
            low, high = binomial_interval(k, n, confidence, method="exact")
            rows.append((str(agent), str(env), unit, budget, n, k, int((failed & ~success).sum()),
                         k / n, low, high, horizon))  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def rate_at(curve: pd.DataFrame, agent: str, env: str, budget: float) -> pd.Series | None:
    """The row of `success_by_budget` at ``budget`` (the last budget at or below it).

    On the default curve (a row at every budget where the rate changes) that
    row's rate is the rate at ``budget``; on a curve of chosen budgets it is the
    rate at the largest chosen budget not above ``budget``.

    Returns:
        The row, or None when ``budget`` lies beyond the runs' horizon (the runs
        were not given that budget: no verdict) or the group is absent.
    """
    rows = curve[(curve["agent"] == agent) & (curve["env"] == env)]
    if rows.empty or budget > rows["horizon"].iloc[0]:
        return None
    below = rows[rows["budget"] <= budget]
    return below.iloc[-1] if len(below) else None
