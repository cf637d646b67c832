"""Result objects of the statistics layer: small frozen dataclasses.

Every interval states how it was made (method, resamples, confidence level, runs
per task, seed) so that a table or a figure can print it next to the number,
and every result counts the scores it excluded under ``nan_policy='omit'``.
Sequences are stored as tuples so that results are hashable and compare equal
when they are equal.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any


def _plain(value: Any) -> Any:
    """Converts a result field to something ``json.dumps`` accepts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_dict()  # type: ignore[attr-defined]  # every result derives _ToDict
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python values (NaN/inf become ``None``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


def _runs_text(runs_per_task: tuple[int, ...]) -> str:
    if not runs_per_task:
        return "no runs"
    low, high = min(runs_per_task), max(runs_per_task)
    tasks = len(runs_per_task)
    count = f"{low}" if low == high else f"{low}-{high}"
    return f"{count} runs per task, {tasks} task{'s' if tasks != 1 else ''}"


@dataclass(frozen=True)
class Interval(_ToDict):
    """A point estimate with a confidence interval and how it was computed.

    Attributes:
        statistic: what was estimated, e.g. ``"iqm"``.
        estimate: the point estimate on the observed scores.
        lower: lower end of the confidence interval.
        upper: upper end of the confidence interval.
        method: e.g. ``"percentile, stratified bootstrap"``.
        reps: number of bootstrap resamples.
        confidence: confidence level, e.g. 0.95.
        runs_per_task: runs used per task (after exclusions).
        runs_per_task_other: for two-sample statistics, the second sample's runs.
        seed: the integer seed of the resamples (``None`` if a Generator was given).
        n_excluded: scores excluded under ``nan_policy='omit'``.
    """

    statistic: str
    estimate: float
    lower: float
    upper: float
    method: str
    reps: int
    confidence: float
    runs_per_task: tuple[int, ...]
    runs_per_task_other: tuple[int, ...] | None = None
    seed: int | None = None
    n_excluded: int = 0

    def describe(self) -> str:
        """One caption line, e.g. ``95% CI: percentile, stratified bootstrap, ...``."""
        runs = _runs_text(self.runs_per_task)
        if self.runs_per_task_other is not None:
            runs += f" vs {_runs_text(self.runs_per_task_other)}"
        seed = "" if self.seed is None else f", seed {self.seed}"
        excluded = f", {self.n_excluded} NaN excluded" if self.n_excluded else ""
        return (
            f"{self.confidence:.0%} CI: {self.method}, {self.reps} resamples{seed}; "
            f"{runs}{excluded}"
        )


@dataclass(frozen=True)
class Profile(_ToDict):
    """A performance profile (Agarwal et al. 2021, Sec. 4.2) with pointwise CI bands.

    Attributes:
        taus: thresholds, shape ``(n_taus,)``.
        fraction: fraction of runs with score > tau (task-averaged), ``(n_taus,)``.
        lower: lower CI band, ``(n_taus,)``.
        upper: upper CI band, ``(n_taus,)``.
        method, reps, confidence, runs_per_task, seed, n_excluded: as in `Interval`.
    """

    taus: tuple[float, ...]
    fraction: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    method: str
    reps: int
    confidence: float
    runs_per_task: tuple[int, ...]
    seed: int | None = None
    n_excluded: int = 0


@dataclass(frozen=True)
class TestResult(_ToDict):
    """A two-sample hypothesis test.

    Attributes:
        test: e.g. ``"welch"``, ``"mann_whitney"``, ``"ks"``, ``"bootstrap_mean_difference"``.
        statistic: the test statistic (t, U, D, or the mean difference).
        p_value: the p-value.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"`` (x relative to y).
        n_x: runs of the first sample.
        n_y: runs of the second sample.
        n_excluded: scores excluded under ``nan_policy='omit'``.
        interval: a CI of the statistic when the test provides one.
    """

    __test__ = False  # not a pytest test class

    test: str
    statistic: float
    p_value: float
    alternative: str
    n_x: int
    n_y: int
    n_excluded: int = 0
    interval: Interval | None = None


@dataclass(frozen=True)
class TaskSummary(_ToDict):
    """Descriptive statistics of one task's runs."""

    task: int | str
    n_runs: int
    mean: float
    std: float
    median: float
    iqm: float
    minimum: float
    maximum: float
    n_excluded: int = 0


@dataclass(frozen=True)
class PowerResult(_ToDict):
    """Seeds needed per agent for Welch's test (Colas et al. 2018, Sec. 5).

    Attributes:
        n_seeds: smallest number of seeds per agent reaching ``power``
            (``None`` if not reached by ``max_seeds``).
        achieved_power: power of Welch's test at ``n_seeds``.
        effect: difference of means to detect, in score units.
        alpha: significance level.
        power: target power (1 - beta).
        std_x: pilot standard deviation of the first agent.
        std_y: standard deviation assumed for the second agent.
        pilot_runs: runs in the pilot.
        alternative: as in `TestResult`.
        method: how power was computed.
        n_excluded: pilot scores excluded under ``nan_policy='omit'``.
        sided: ``"one"`` (Colas et al.'s one-sided formula) or ``"two"`` (two-sided Welch).
    """

    n_seeds: int | None
    achieved_power: float
    effect: float
    alpha: float
    power: float
    std_x: float
    std_y: float
    pilot_runs: int
    alternative: str = "two-sided"
    method: str = "two-sided Welch t-test, noncentral t"
    n_excluded: int = 0
    sided: str = "two"


@dataclass(frozen=True)
class FalsePositiveResult(_ToDict):
    """Empirical false-positive rate of a test (Colas et al. 2019, Sec. 4).

    Attributes:
        sample_sizes: runs per group, N.
        rates: fraction of the ``reps`` same-distribution tests with p < alpha, per N.
        alpha: significance level.
        test: the test.
        reps: pairs of groups drawn per N.
        n_runs: runs the groups were drawn from.
        method: how the groups were drawn.
        seed: the integer seed (``None`` if a Generator was given).
        n_excluded: scores excluded under ``nan_policy='omit'``.
    """

    sample_sizes: tuple[int, ...]
    rates: tuple[float, ...]
    alpha: float
    test: str
    reps: int
    n_runs: int
    method: str
    seed: int | None = None
    n_excluded: int = 0


@dataclass(frozen=True)
class SeedSplitResult(_ToDict):
    """Splits of one config's seeds into two groups (Henderson et al. 2018, Fig. 5).

    Attributes:
        fraction_significant: fraction of splits with p < alpha.
        n_significant: splits with p < alpha.
        n_splits: splits tested.
        exhaustive: whether every split was tested (else a random sample of them).
        group_size: seeds per group, k.
        n_runs: seeds available, N.
        alpha: significance level.
        test: the test.
        p_values: p-value of each split, ``(n_splits,)``.
        seed: the integer seed of the random splits (``None`` if exhaustive or a Generator).
        n_excluded: scores excluded under ``nan_policy='omit'``.
    """

    fraction_significant: float
    n_significant: int
    n_splits: int
    exhaustive: bool
    group_size: int
    n_runs: int
    alpha: float
    test: str
    p_values: tuple[float, ...]
    seed: int | None = None
    n_excluded: int = 0
