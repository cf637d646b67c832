"""Seed luck: splits of one config's seeds, and Henderson's curve-averaged t-test.

* `seed_split` (Henderson et al. 2018, Fig. 5): split the N seeds of one config
  into two groups of k and count how many splits look significantly different.
* `curve_t_test` (Henderson et al. 2018, Fig. 5 caption): "the average 2-sample
  t-test across entire training distribution": one two-sample t-test per
  evaluation point of the learning curves, then the mean of the t statistics and
  the mean of the p-values over the points. This is what the caption's
  t = -9.0916, p = 0.0016 are (one t of -9.09 on 8 degrees of freedom would give
  p of about 2e-5, so the p is an average of per-point p-values, not p(mean t)).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.stats

from rlbench.defaults import SEED
from rlbench.errors import InputError
from rlbench.stats import arrays, resampling
from rlbench.stats.arrays import Seed
from rlbench.stats.power import _check_test, _p_values
from rlbench.stats.results import SeedSplitResult, _ToDict

MAX_SPLITS = 10_000
"""Splits tested at most: every split of up to 16 seeds (6,435 at 8/8), random ones beyond."""


def count_splits(n_runs: int, group_size: int) -> int:
    """Unordered pairs of disjoint groups of ``group_size`` among ``n_runs`` seeds."""
    return math.comb(n_runs, 2 * group_size) * math.comb(2 * group_size, group_size) // 2


def _all_splits(n_runs: int, group_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every split once: the group holding the smallest chosen seed comes first."""
    first, second = [], []
    for chosen in itertools.combinations(range(n_runs), 2 * group_size):
        for rest in itertools.combinations(chosen[1:], group_size - 1):
            group = (chosen[0], *rest)
            first.append(group)
            second.append([seed for seed in chosen if seed not in group])
    return np.array(first), np.array(second)


def seed_split(
    runs: np.ndarray | Sequence[float],
    group_size: int | None = None,
    test: str = "welch",
    alpha: float = 0.05,
    max_splits: int = MAX_SPLITS,
    seed: Seed = SEED,
    nan_policy: str = "raise",
) -> SeedSplitResult:
    """Splits one config's seeds into two groups and tests each split.

    Henderson et al. 2018, Fig. 5: 10 seeds of one TRPO config split 5/5 gave
    "significantly different" curves. Every split is tested when there are at
    most ``max_splits`` of them; otherwise ``max_splits`` random splits are.

    Args:
        runs: scores of one config's N seeds, ``(N,)``.
        group_size: seeds per group, k (default ``N // 2``; ``2 <= k <= N / 2``).
        test: ``'welch'``, ``'t_test'``, ``'mann_whitney'`` or ``'ks'`` (two-sided).
        alpha: significance level.
        max_splits: most splits tested.
        seed: int or Generator, for random splits.
        nan_policy: ``'raise'`` or ``'omit'``.
    """
    _check_test(test)
    values, excluded = arrays.sample_runs(runs, nan_policy, "runs")
    size = values.size // 2 if group_size is None else group_size
    if size < 2 or 2 * size > values.size:
        raise InputError(
            f"group size {size} is not possible with {values.size} seeds (2 <= k <= N / 2)"
        )
    exhaustive = count_splits(values.size, size) <= max_splits
    seed_value = None
    if exhaustive:
        first, second = _all_splits(values.size, size)
    else:
        rng, seed_value = resampling.make_rng(seed)
        order = np.argsort(rng.random((max_splits, values.size)), axis=1)
        first, second = order[:, :size], order[:, size : 2 * size]
    p_values = _p_values(values[first], values[second], test)
    significant = int(np.count_nonzero(p_values < alpha))
    return SeedSplitResult(
        fraction_significant=significant / len(p_values),
        n_significant=significant,
        n_splits=len(p_values),
        exhaustive=exhaustive,
        group_size=size,
        n_runs=int(values.size),
        alpha=float(alpha),
        test=test,
        p_values=tuple(float(p) for p in p_values),
        seed=seed_value,
        n_excluded=excluded,
    )


@dataclass(frozen=True)
class CurveTestResult(_ToDict):
    """Henderson et al.'s t-test averaged over the evaluation points of two groups' curves.

    Attributes:
        mean_t: mean over evaluation points of the per-point t statistic (x - y).
        mean_p: mean over evaluation points of the per-point two-sided p-value.
        t: per-point t statistics, ``(num_points,)``.
        p_values: per-point p-values, ``(num_points,)``.
        n_x, n_y: seeds per group.
        n_points: evaluation points used (those where the test is defined).
        equal_var: Student's t (True, the paper's "2-sample t-test") or Welch's.
        method: one line saying what was computed.
    """

    mean_t: float
    mean_p: float
    t: tuple[float, ...]
    p_values: tuple[float, ...]
    n_x: int
    n_y: int
    n_points: int
    equal_var: bool
    method: str


def curve_t_test(
    curves_x: np.ndarray, curves_y: np.ndarray, equal_var: bool = True
) -> CurveTestResult:
    """The average two-sample t-test across the training curve (Henderson et al. 2018, Fig. 5).

    At each evaluation point the two groups' returns are compared with
    ``scipy.stats.ttest_ind`` (two-sided); the result is the mean t and the mean
    p-value over the points where the test is defined (a point where both
    groups are constant has no t and is left out, and counted).

    Args:
        curves_x: group x's learning curves, ``(n_x seeds, num_points)``, on a
            shared grid of evaluation steps.
        curves_y: group y's, ``(n_y seeds, num_points)``.
        equal_var: Student's two-sample t-test (default, the paper's) or Welch's.

    Returns:
        A CurveTestResult.

    Raises:
        InputError: on mismatched grids, fewer than 2 seeds a group, NaN, or no
            point where the test is defined.
    """
    x = np.asarray(curves_x, dtype=np.float64)
    y = np.asarray(curves_y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise InputError(
            f"curves must be (seeds, points) arrays on one grid, got shapes {x.shape} and {y.shape}"
        )
    if min(x.shape[0], y.shape[0]) < 2:
        raise InputError("the curve t-test needs at least 2 seeds in each group")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("curves hold NaN/inf returns; drop the diverged seeds or the points")
    with np.errstate(divide="ignore", invalid="ignore"):
        test = scipy.stats.ttest_ind(x, y, axis=0, equal_var=equal_var)
    t, p = np.asarray(test.statistic), np.asarray(test.pvalue)
    defined = np.isfinite(t) & np.isfinite(p)
    if not defined.any():
        raise InputError("the curve t-test is undefined at every point (both groups constant)")
    name = "Student" if equal_var else "Welch"
    skipped = int((~defined).sum())
    method = (
        f"{name} t-test at each of {int(defined.sum())} evaluation points, t and p averaged"
        + (f" ({skipped} constant points left out)" if skipped else "")
    )
    return CurveTestResult(
        mean_t=float(t[defined].mean()),
        mean_p=float(p[defined].mean()),
        t=tuple(float(v) for v in t[defined]),
        p_values=tuple(float(v) for v in p[defined]),
        n_x=int(x.shape[0]),
        n_y=int(y.shape[0]),
        n_points=int(defined.sum()),
        equal_var=equal_var,
        method=method,
    )
