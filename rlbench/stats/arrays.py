"""Score arrays and their checks: the types (scores, seeds), the NaN policy, levels.

Scores come as a ``(num_runs, num_tasks)`` matrix (rliable's layout), as a
sequence of 1-D arrays (one per task; ragged run counts allowed) or, for
single-sample functions, as one 1-D array. Non-finite scores (NaN or inf: a
diverged run) are never dropped silently: ``nan_policy='raise'`` (the default)
raises an `InputError` saying how many there are and where, and
``nan_policy='omit'`` drops them and the caller reports the count. A matrix
padded with NaN to hold ragged tasks is read with ``nan_policy='omit'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from rlbench.errors import InputError

NanPolicy = Literal["raise", "omit"]
Scores = np.ndarray | Sequence[np.ndarray] | Sequence[Sequence[float]]
Seed = int | np.random.Generator | np.random.SeedSequence

_NAN_POLICIES = ("raise", "omit")


def check_nan_policy(nan_policy: str) -> None:
    """Raises `InputError` unless ``nan_policy`` is ``'raise'`` or ``'omit'``."""
    if nan_policy not in _NAN_POLICIES:
        raise InputError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")


def _positions_text(bad: list[tuple[int, np.ndarray]], single: bool) -> str:
    parts = []
    for task, runs in bad:
        shown = ", ".join(str(int(r)) for r in runs[:10]) + (", ..." if len(runs) > 10 else "")
        label = "run" if len(runs) == 1 else "runs"
        parts.append(f"{label} {shown}" if single else f"task {task}: {label} {shown}")
    return "; ".join(parts)


def _apply_policy(
    columns: list[np.ndarray], nan_policy: str, name: str, single: bool
) -> tuple[tuple[np.ndarray, ...], int]:
    check_nan_policy(nan_policy)
    bad = [(task, np.flatnonzero(~np.isfinite(col))) for task, col in enumerate(columns)]
    bad = [(task, runs) for task, runs in bad if runs.size]
    n_bad = sum(runs.size for _, runs in bad)
    if n_bad and nan_policy == "raise":
        noun = "score" if n_bad == 1 else "scores"
        raise InputError(
            f"{name} has {n_bad} NaN/inf {noun} (diverged runs?) at "
            f"{_positions_text(bad, single)}; pass nan_policy='omit' to exclude them "
            "(the number excluded is reported with the result)"
        )
    # sorted within each task: the order of runs never changes a result
    kept = tuple(np.sort(col[np.isfinite(col)]) for col in columns)
    for task, col in enumerate(kept):
        if col.size == 0:
            where = "" if single else f" for task {task}"
            raise InputError(f"{name} has no finite scores{where}")
    return kept, n_bad


def task_runs(
    scores: Scores, nan_policy: str = "raise", name: str = "scores"
) -> tuple[tuple[np.ndarray, ...], int]:
    """Reads scores into one float64 array of runs per task.

    Args:
        scores: a ``(num_runs, num_tasks)`` array, or a sequence of ``num_tasks``
            1-D arrays (ragged run counts allowed).
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores.
        name: how messages call the input.

    Returns:
        ``(runs, n_excluded)``: a tuple of ``num_tasks`` 1-D arrays, each sorted
        ascending (so that the order of runs never changes a result), and the
        number of non-finite scores excluded.

    Raises:
        InputError: on a bad shape, an empty task, or NaN/inf under ``'raise'``.
    """
    if isinstance(scores, np.ndarray):
        array = np.asarray(scores, dtype=np.float64)
        if array.ndim != 2:
            raise InputError(
                f"{name} must be a (num_runs, num_tasks) matrix or a list of 1-D arrays "
                f"(one per task), got an array of shape {array.shape}"
            )
        columns = [array[:, task] for task in range(array.shape[1])]
    else:
        try:
            columns = [np.asarray(col, dtype=np.float64) for col in scores]
        except (TypeError, ValueError) as error:
            raise InputError(f"{name} must hold numbers: {error}") from None
        for task, col in enumerate(columns):
            if col.ndim != 1:
                raise InputError(
                    f"{name}: task {task} must be a 1-D array of runs, got shape {col.shape}"
                )
    if not columns:
        raise InputError(f"{name} has no tasks")
    return _apply_policy(columns, nan_policy, name, single=False)


def sample_runs(
    sample: np.ndarray | Sequence[float], nan_policy: str = "raise", name: str = "sample"
) -> tuple[np.ndarray, int]:
    """Reads one task's runs into a sorted float64 1-D array (see `task_runs`)."""
    array = np.asarray(sample, dtype=np.float64)
    if array.ndim != 1:
        raise InputError(f"{name} must be a 1-D array of runs, got shape {array.shape}")
    kept, n_bad = _apply_policy([array], nan_policy, name, single=True)
    return kept[0], n_bad


def check_confidence(confidence: float) -> None:
    """Raises `InputError` unless ``confidence`` lies in (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}")


def check_reps(reps: int) -> None:
    """Raises `InputError` unless ``reps`` is a positive int."""
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise InputError(f"reps must be a positive int, got {reps!r}")
