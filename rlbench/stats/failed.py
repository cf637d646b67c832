"""What a failed run scores: the one place that decides.

A trial that did not finish (status ``failed``: it diverged, raised or timed
out) is not a missing value: dropping it lets an agent that diverges on half
its seeds look as good as one that never does. So by default (``'worst'``) a
failed trial keeps its seed and scores the lowest value of the metric observed
on its env among the done trials in the table (every agent and config there):
it ranks last, ties with the worst finished run, and is counted and shown
beside every result. ``'exclude'`` drops failed trials (counted, not scored):
only the survivors are compared.

Done trials with a NaN score are left to ``nan_policy``; the runner marks a run
whose evaluation return turned non-finite as failed (reason ``diverged``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rlbench.errors import InputError

FAILED_POLICIES = ("worst", "exclude")
DESCRIPTIONS = {
    "worst": "failed runs score the env's lowest observed {metric} (they rank last)",
    "exclude": "failed runs excluded (survivors only)",
}


def check_failed_policy(policy: str) -> None:
    if policy not in FAILED_POLICIES:
        raise InputError(
            f"failed policy must be 'worst' (failed runs score the env's minimum) or "
            f"'exclude', got {policy!r}"
        )


def describe(policy: str, metric: str) -> str:
    """One line saying how failed runs were scored."""
    return DESCRIPTIONS[policy].format(metric=metric)


def worst_scores(trials: pd.DataFrame, metric: str) -> dict[str, float]:
    """``{env: lowest finite metric}`` over the done trials of the whole table.

    An env without a finite done score is absent (nothing to rank a failure against).
    """
    done = trials[trials["status"] == "done"]
    values = done[metric].to_numpy(dtype=np.float64)
    finite = done[np.isfinite(values)]
    lowest = finite.groupby(finite["env"].astype(str))[metric].min()
    return {str(env): float(value) for env, value in lowest.items()}


def scored_runs(
    done: pd.DataFrame, failed: pd.DataFrame, metric: str, policy: str, worst: float | None
) -> tuple[np.ndarray, tuple[int, ...], int]:
    """One agent's runs on one env under ``policy``.

    Args:
        done: its done trials on the env; failed: its other trials there.
        metric: the score column.
        policy: ``'worst'`` or ``'exclude'``.
        worst: the env's lowest observed score (None: no done score anywhere).

    Returns:
        ``(runs, seeds, n_scored)``: scores ``(n,)`` in seed order, their seeds,
        and how many of them are failed runs given the worst score.
    """
    rows = done.assign(_score=done[metric].to_numpy(dtype=np.float64))
    if policy == "worst" and len(failed) and worst is not None:
        rows = pd.concat([rows, failed.assign(_score=worst)], ignore_index=True)
    rows = rows.sort_values("seed", kind="stable")
    n_scored = len(rows) - len(done)
    return (
        rows["_score"].to_numpy(dtype=np.float64),
        tuple(int(s) for s in rows["seed"]),
        n_scored,
    )
