"""Bootstrap confidence intervals, vectorised over resamples.

Aggregates over a ``(num_runs, num_tasks)`` score matrix get percentile CIs
from a stratified bootstrap (Agarwal et al. 2021, Sec. 3 and App. A.1): every
resample draws each task's runs with replacement within the task (and, with
``task_bootstrap=True``, the tasks themselves too), as
``rliable.library.StratifiedBootstrap``. Resamples are index arrays drawn from
an explicit seed, a chunk of a fixed size at a time to bound memory; no Python
loop runs over resamples.

How it is fast: the runs of all tasks are sorted once; a resample is then a
vector of counts over the sorted runs (``bincount`` of its indices). Task means
are a matrix product of the counts, and the trimmed mean (IQM) is read from the
cumulative counts (which ranks each sorted run occupies), so no resample is
ever sorted. A performance profile is a suffix sum of the same counts.

Single-sample intervals (BCa, percentile) are in `rlbench.stats.sample`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.errors import UnknownNameError
from rlbench.stats import aggregates, arrays, resampling
from rlbench.stats.arrays import Scores, Seed
from rlbench.stats.resampling import CHUNK_ELEMENTS, IQM_CUT, percentile_bounds
from rlbench.stats.results import Interval, Profile

STATISTICS = ("iqm", "mean", "median", "optimality_gap")
AGGREGATE_RESAMPLES = 50_000
"""Resamples of an aggregate's CI: rliable's default, which Agarwal et al. 2021 report."""


class _Pooled:
    """The runs of all tasks, sorted once, with what a resample needs to index them."""

    def __init__(self, runs: tuple[np.ndarray, ...]):
        sizes = np.array([task.size for task in runs])
        grouped = np.concatenate(runs)  # task after task
        task_of_grouped = np.repeat(np.arange(sizes.size), sizes)
        order = np.argsort(grouped, kind="stable")
        self.num_tasks = sizes.size
        self.num_runs = grouped.size
        self.max_runs = int(sizes.max())
        self.sizes = sizes
        self.runs_per_task = tuple(int(n) for n in sizes)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.values = grouped[order]  # sorted ascending
        self.task_of = task_of_grouped[order]
        self.sorted_position = np.empty(grouped.size, dtype=np.intp)
        self.sorted_position[order] = np.arange(grouped.size)
        # column c of a resample row redraws a run of task task_of_grouped[c]
        self.column_low = self.offsets[task_of_grouped]
        self.column_high = sizes[task_of_grouped]
        # (num_runs, num_tasks): counts @ task_weights = per-task means of a resample
        self.task_weights = np.zeros((grouped.size, sizes.size))
        self.task_weights[np.arange(grouped.size), self.task_of] = 1.0 / sizes[self.task_of]
        self.task_weights *= self.values[:, None]
        # a run's weight in a task-averaged mean: 1 / (T n_task), also for resampled tasks
        self.run_weights = 1.0 / (sizes.size * sizes[self.task_of])


def _count_rows(positions: np.ndarray, num_runs: int, valid: np.ndarray | None = None):
    """``(chunk, k)`` sorted positions -> ``(chunk, num_runs)`` int32 counts."""
    return resampling.index_counts(positions, num_runs, valid).astype(np.int32)


def _trimmed_means(counts: np.ndarray, values: np.ndarray, cut: float) -> np.ndarray:
    """Trimmed means of resamples given as counts over sorted ``values``.

    Run k of a resample occupies ranks ``[C_(k-1), C_k)`` (``C`` the cumulative
    counts) and contributes its overlap with the kept ranks ``[low, high)``
    (``low = int(cut * n)``, as ``scipy.stats.trim_mean``). With
    ``c_k = clip(C_k, low, high)``, summation by parts turns the trimmed sum
    ``sum_k v_k (c_k - c_(k-1))`` into ``high v_last - low v_first -
    sum_k c_k (v_(k+1) - v_k)``: one cumsum, one clip and one matrix product.

    Args:
        counts: ``(reps, num_runs)`` counts of each sorted run in each resample.
        values: ``(num_runs,)`` sorted ascending.
        cut: fraction cut from each end.
    """
    # counts are whole numbers: an int32 cumsum is exact and ~9x faster than float64
    cumulative = np.cumsum(counts, axis=1, dtype=np.int32)
    total = cumulative[:, -1]
    if np.all(total == total[0]):  # scalars clip faster than broadcast rows
        low = int(np.floor(cut * int(total[0])))
        high = int(total[0]) - low
        np.minimum(cumulative, high, out=cumulative)
        np.maximum(cumulative, low, out=cumulative)
    else:
        low = np.floor(cut * total).astype(np.int32)
        high = total - low
        np.clip(cumulative, low[:, None], high[:, None], out=cumulative)
    steps = np.append(np.diff(values), 0.0)  # the last run has no step after it
    trimmed_sum = high * values[-1] - low * values[0] - cumulative @ steps
    return trimmed_sum / (high - low)


def _draw_chunk(pooled: _Pooled, chunk: int, rng: np.random.Generator, task_bootstrap: bool):
    """One chunk of resamples: counts ``(chunk, num_runs)`` and per-task means.

    Returns ``(counts, task_means)``; ``task_means`` is ``(chunk, num_tasks)``, one
    column per task slot (a slot holds a resampled task), with ``task_bootstrap``
    only (else None: the task means are ``counts @ task_weights``).
    """
    if not task_bootstrap:
        if len(set(pooled.runs_per_task)) == 1:  # one call: runs within tasks, equal counts
            # 16-bit draws are ~15x faster than 64-bit ones here (numpy's bounded
            # integers are unbiased at every width); they are widened before use
            small = np.uint16 if pooled.max_runs <= np.iinfo(np.uint16).max else np.int64
            draws = rng.integers(0, pooled.max_runs, (chunk, pooled.num_runs), dtype=small)
            draws = draws.astype(np.intp)
            draws += pooled.column_low
        else:
            draws = np.concatenate(
                [
                    rng.integers(low, low + n, (chunk, n))
                    for low, n in zip(pooled.offsets, pooled.runs_per_task, strict=True)
                ],
                axis=1,
            )
        counts = _count_rows(pooled.sorted_position[draws], pooled.num_runs)
        return counts, None
    tasks = resampling.uniform_indices(rng, (chunk, pooled.num_tasks), pooled.num_tasks)
    counts = np.zeros((chunk, pooled.num_runs))
    task_means = np.empty((chunk, pooled.num_tasks))
    slots = np.arange(pooled.max_runs)
    for slot in range(pooled.num_tasks):  # a loop over task slots, not over resamples
        sizes = pooled.sizes[tasks[:, slot]][:, None]
        draws = resampling.uniform_indices(rng, (chunk, pooled.max_runs), sizes)
        valid = slots[None, :] < sizes
        draws += pooled.offsets[tasks[:, slot]][:, None]
        positions = pooled.sorted_position[draws]
        slot_counts = _count_rows(positions, pooled.num_runs, valid)
        counts += slot_counts
        task_means[:, slot] = (slot_counts @ pooled.values) / sizes[:, 0]
    return counts, task_means


def _distributions(
    pooled: _Pooled,
    statistics: Sequence[str],
    reps: int,
    rng: np.random.Generator,
    task_bootstrap: bool,
    gamma: float,
    taus: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    out = {name: np.empty(reps) for name in statistics}
    if taus is not None:
        out["profile"] = np.empty((reps, taus.size))
        # runs with score > tau are the sorted runs from position first_above on
        first_above = np.searchsorted(pooled.values, taus, side="right")
    # per-run weight 1/(T n_task) is exact also for resampled task slots
    # one matrix product gives the per-task means and the clipped mean
    weights = np.column_stack(
        [pooled.task_weights, np.minimum(pooled.values, gamma) * pooled.run_weights]
    )
    chunk = max(1, CHUNK_ELEMENTS // pooled.num_runs)
    for start in range(0, reps, chunk):
        stop = min(reps, start + chunk)
        counts, task_means = _draw_chunk(pooled, stop - start, rng, task_bootstrap)
        products = counts @ weights
        if task_means is None:
            task_means = products[:, :-1]
        rows = slice(start, stop)
        if "mean" in out:
            out["mean"][rows] = task_means.mean(axis=1)
        if "median" in out:
            out["median"][rows] = np.median(task_means, axis=1)
        if "iqm" in out:
            out["iqm"][rows] = _trimmed_means(counts, pooled.values, IQM_CUT)
        if "optimality_gap" in out:
            out["optimality_gap"][rows] = gamma - products[:, -1]
        if taus is not None:
            above = np.cumsum((counts * pooled.run_weights)[:, ::-1], axis=1)[:, ::-1]
            above = np.concatenate([above, np.zeros((stop - start, 1))], axis=1)
            out["profile"][rows] = above[:, first_above]
    return out


def _point(runs: tuple[np.ndarray, ...], name: str, gamma: float) -> float:
    if name == "optimality_gap":
        return aggregates.optimality_gap(list(runs), gamma)
    return aggregates.AGGREGATES[name](list(runs))


def _check_statistics(statistics: Sequence[str]) -> None:
    unknown = [name for name in statistics if name not in STATISTICS]
    if unknown:
        raise UnknownNameError("statistic", unknown[0], STATISTICS)


def stratified_bootstrap(
    scores: Scores,
    statistics: Sequence[str] = STATISTICS,
    reps: int = AGGREGATE_RESAMPLES,
    seed: Seed = SEED,
    task_bootstrap: bool = False,
    gamma: float = 1.0,
    nan_policy: str = "raise",
) -> dict[str, np.ndarray]:
    """Bootstrap distributions of aggregates from one set of stratified resamples.

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        statistics: names among ``iqm, mean, median, optimality_gap``.
        reps: number of resamples.
        seed: int or ``np.random.Generator``.
        task_bootstrap: also resample tasks (Agarwal et al. 2021, App. A.1).
        gamma: optimality-gap threshold.
        nan_policy: ``'raise'`` or ``'omit'`` for NaN/inf scores.

    Returns:
        ``{statistic: (reps,) array}``.
    """
    _check_statistics(statistics)
    arrays.check_reps(reps)
    runs, _ = arrays.task_runs(scores, nan_policy)
    rng, _ = resampling.make_rng(seed)
    return _distributions(_Pooled(runs), statistics, reps, rng, task_bootstrap, gamma)


def _stratified_method(task_bootstrap: bool) -> str:
    over = "runs and tasks" if task_bootstrap else "runs within tasks"
    return f"percentile, stratified bootstrap ({over})"


def aggregate_intervals(
    scores: Scores,
    statistics: Sequence[str] = STATISTICS,
    reps: int = AGGREGATE_RESAMPLES,
    seed: Seed = SEED,
    confidence: float = CONFIDENCE,
    task_bootstrap: bool = False,
    gamma: float = 1.0,
    nan_policy: str = "raise",
) -> dict[str, Interval]:
    """Percentile CIs of aggregates from a stratified bootstrap (Agarwal et al. 2021).

    All statistics are read from the same resamples.

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays
            (ragged allowed; a NaN-padded matrix needs ``nan_policy='omit'``).
        statistics: names among ``iqm, mean, median, optimality_gap``.
        reps: number of resamples (rliable's default: 50,000).
        seed: int or ``np.random.Generator``; the same seed gives the same CIs.
        confidence: confidence level.
        task_bootstrap: also resample tasks.
        gamma: optimality-gap threshold.
        nan_policy: ``'raise'`` or ``'omit'``; the count omitted is in each Interval.

    Returns:
        ``{statistic: Interval}``.
    """
    _check_statistics(statistics)
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    runs, excluded = arrays.task_runs(scores, nan_policy)
    rng, seed_value = resampling.make_rng(seed)
    pooled = _Pooled(runs)
    distributions = _distributions(pooled, statistics, reps, rng, task_bootstrap, gamma)
    method = _stratified_method(task_bootstrap)
    intervals = {}
    for name in statistics:
        lower, upper = percentile_bounds(distributions[name], confidence)
        intervals[name] = Interval(
            statistic=name,
            estimate=_point(runs, name, gamma),
            lower=lower,
            upper=upper,
            method=method,
            reps=int(reps),
            confidence=float(confidence),
            runs_per_task=pooled.runs_per_task,
            seed=seed_value,
            n_excluded=excluded,
        )
    return intervals


def aggregate_interval(scores: Scores, statistic: str = "iqm", **options) -> Interval:
    """One aggregate's CI; ``options`` as in `aggregate_intervals`."""
    return aggregate_intervals(scores, (statistic,), **options)[statistic]


def performance_profile(
    scores: Scores,
    taus: Sequence[float] | np.ndarray,
    reps: int = RESAMPLES,
    seed: Seed = SEED,
    confidence: float = CONFIDENCE,
    task_bootstrap: bool = False,
    nan_policy: str = "raise",
) -> Profile:
    """Score distribution: fraction of runs scoring above each tau, with CI bands.

    Agarwal et al. 2021, Sec. 4.2, Eq. 1 (rliable's ``create_performance_profile``
    with its default ``use_score_distribution=True``); the fraction is averaged
    over tasks, which equals rliable's over all runs when tasks have equal runs.

    Args:
        scores: ``(num_runs, num_tasks)`` or a list of ``num_tasks`` 1-D arrays.
        taus: thresholds, shape ``(n_taus,)``.
        reps: resamples (rliable's default for profiles: 2,000).
        seed: int or ``np.random.Generator``.
        confidence: confidence level of the pointwise bands.
        task_bootstrap: also resample tasks.
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    grid = np.asarray(taus, dtype=np.float64).ravel()
    runs, excluded = arrays.task_runs(scores, nan_policy)
    rng, seed_value = resampling.make_rng(seed)
    pooled = _Pooled(runs)
    if len(set(pooled.runs_per_task)) == 1:  # as rliable: over all runs (same value, rounding)
        fraction = (np.stack(runs, axis=1).ravel()[:, None] > grid[None, :]).mean(axis=0)
    else:
        fraction = np.mean([(task[:, None] > grid[None, :]).mean(axis=0) for task in runs], axis=0)
    profile = _distributions(pooled, (), reps, rng, task_bootstrap, 1.0, grid)["profile"]
    alpha = 1.0 - confidence
    lower, upper = np.quantile(profile, [alpha / 2, 1 - alpha / 2], axis=0)
    return Profile(
        taus=tuple(grid.tolist()),
        fraction=tuple(fraction.tolist()),
        lower=tuple(lower.tolist()),
        upper=tuple(upper.tolist()),
        method=_stratified_method(task_bootstrap),
        reps=int(reps),
        confidence=float(confidence),
        runs_per_task=pooled.runs_per_task,
        seed=seed_value,
        n_excluded=excluded,
    )
