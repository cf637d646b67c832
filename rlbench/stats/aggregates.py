"""Point estimates over a ``(num_runs, num_tasks)`` score matrix (Agarwal et al. 2021).

The estimators are rliable's (``rliable.metrics``): the mean and the median
are taken over the per-task mean scores, the IQM is the 25 % trimmed mean of
all runs of all tasks pooled, and the optimality gap is ``gamma`` minus the
mean of ``min(score, gamma)``. With ragged tasks (different run counts), each
task weighs equally in the mean, the median and the optimality gap, and each
run weighs equally in the IQM (it pools runs, as rliable's does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from rlbench.errors import InputError
from rlbench.stats.arrays import Scores, sample_runs, task_runs
from rlbench.stats.resampling import trimmed_mean
from rlbench.stats.results import TaskSummary


def mean(scores: Scores, nan_policy: str = "raise") -> float:
    """Mean over tasks of the per-task mean score.

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores.
    """
    runs, _ = task_runs(scores, nan_policy)
    return float(np.mean([task.mean() for task in runs]))


def median(scores: Scores, nan_policy: str = "raise") -> float:
    """Median over tasks of the per-task mean score (rliable's ``aggregate_median``).

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores.
    """
    runs, _ = task_runs(scores, nan_policy)
    return float(np.median([task.mean() for task in runs]))


def iqm(scores: Scores, nan_policy: str = "raise") -> float:
    """Interquartile mean: 25 % trimmed mean of all runs of all tasks pooled.

    Agarwal et al. 2021, Sec. 4.3; equals ``scipy.stats.trim_mean(scores, 0.25,
    axis=None)`` on a matrix.

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores.
    """
    runs, _ = task_runs(scores, nan_policy)
    return float(trimmed_mean(np.concatenate(runs)))


def optimality_gap(scores: Scores, gamma: float = 1.0, nan_policy: str = "raise") -> float:
    """Optimality gap: ``gamma - mean(min(score, gamma))`` (Agarwal et al. 2021, Sec. 4.3).

    Args:
        scores: ``(num_runs, num_tasks)`` normalised scores, or a list of 1-D arrays.
        gamma: the threshold above which a score counts as optimal.
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores.
    """
    runs, _ = task_runs(scores, nan_policy)
    return float(gamma - np.mean([np.minimum(task, gamma).mean() for task in runs]))


AGGREGATES: dict[str, Callable[..., float]] = {
    "iqm": iqm,
    "mean": mean,
    "median": median,
    "optimality_gap": optimality_gap,
}


def _per_task(values, tasks: Sequence[str] | None, num_tasks: int, what: str) -> np.ndarray:
    if isinstance(values, Mapping):
        if tasks is None:
            raise InputError(f"{what} is a dict: pass tasks=[...] to say which task is which")
        missing = [task for task in tasks if task not in values]
        if missing:
            raise InputError(f"{what} has no score for task(s) {', '.join(map(str, missing))}")
        array = np.array([float(values[task]) for task in tasks])
    else:
        array = np.asarray(values, dtype=np.float64)
    if array.shape != (num_tasks,):
        raise InputError(f"{what} must hold one score per task ({num_tasks}), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InputError(f"{what} must be finite, got {array.tolist()}")
    return array


def normalize_scores(
    scores: Scores,
    random_scores: Mapping[str, float] | Sequence[float] | np.ndarray,
    reference_scores: Mapping[str, float] | Sequence[float] | np.ndarray,
    tasks: Sequence[str] | None = None,
) -> np.ndarray | list[np.ndarray]:
    """Normalises scores per task: random agent = 0, reference = 1.

    ``(score - random) / (reference - random)`` (Agarwal et al. 2021, Sec. 2).
    NaN stays NaN (the NaN policy applies later, where the scores are used).

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        random_scores: per-task score of a random agent, ``(num_tasks,)`` or a dict
            keyed by task name (then ``tasks`` is required).
        reference_scores: per-task reference score, same form.
        tasks: task names in column order, for dict inputs.

    Returns:
        The normalised scores in the input's form (matrix or list of arrays).

    Raises:
        InputError: on a missing task, a shape mismatch or reference == random.
    """
    is_matrix = isinstance(scores, np.ndarray)
    columns = (
        [np.asarray(col, dtype=np.float64) for col in np.asarray(scores, dtype=np.float64).T]
        if is_matrix
        else [np.asarray(col, dtype=np.float64) for col in scores]
    )
    if is_matrix and np.ndim(scores) != 2:
        raise InputError(f"scores must be (num_runs, num_tasks), got shape {np.shape(scores)}")
    if tasks is not None and len(tasks) != len(columns):
        raise InputError(f"tasks names {len(tasks)} tasks but scores have {len(columns)}")
    low = _per_task(random_scores, tasks, len(columns), "random_scores")
    high = _per_task(reference_scores, tasks, len(columns), "reference_scores")
    span = high - low
    if np.any(span == 0):
        where = [str(tasks[i]) if tasks else str(i) for i in np.flatnonzero(span == 0).tolist()]
        raise InputError(f"reference score equals random score for task(s) {', '.join(where)}")
    normalised = [(col - low[task]) / span[task] for task, col in enumerate(columns)]
    return np.stack(normalised, axis=1) if is_matrix else normalised


def summarize_sample(
    sample: np.ndarray, task: int | str = 0, nan_policy: str = "raise"
) -> TaskSummary:
    """Descriptive statistics of one task's runs (``sample``: shape ``(num_runs,)``)."""
    runs, excluded = sample_runs(sample, nan_policy)
    return TaskSummary(
        task=task,
        n_runs=int(runs.size),
        mean=float(runs.mean()),
        std=float(runs.std(ddof=1)) if runs.size > 1 else float("nan"),
        median=float(np.median(runs)),
        iqm=float(trimmed_mean(runs)),
        minimum=float(runs.min()),
        maximum=float(runs.max()),
        n_excluded=excluded,
    )


def task_summaries(
    scores: Scores, tasks: Sequence[str] | None = None, nan_policy: str = "raise"
) -> tuple[TaskSummary, ...]:
    """Per-task summaries (runs, mean, sample std, median, IQM, min, max).

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        tasks: task names in column order (default: column indices).
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores; the count
            excluded per task is in ``TaskSummary.n_excluded``.
    """
    columns: list[np.ndarray] = (
        list(np.asarray(scores, dtype=np.float64).T)
        if isinstance(scores, np.ndarray)
        else [np.asarray(column, dtype=np.float64) for column in scores]
    )
    if tasks is not None and len(tasks) != len(columns):
        raise InputError(f"tasks names {len(tasks)} tasks but scores have {len(columns)}")
    names: Sequence[int | str] = list(tasks) if tasks is not None else list(range(len(columns)))
    summaries = []
    for name, column in zip(names, columns, strict=True):
        try:
            summaries.append(summarize_sample(column, name, nan_policy))
        except InputError as error:
            raise InputError(f"task {name}: {error}") from None
    return tuple(summaries)
