"""The analyses of one (agent, env): curves, success rates, tunability and
robustness (importance is in `importance`, the variance decomposition in
`decomposition`).

Each function takes a `ConfigTable` and returns its result (or None) and the
notes saying what could not be computed. Failed runs and runs with a
non-finite metric are excluded from the metric (and counted); for success
rates a failed run counts as one that did not reach the threshold.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from rlbench.analysis_options import AnalysisOptions
from rlbench.sensitivity import estimators as est
from rlbench.sensitivity.results import (
    ConfigSuccess,
    CurvePoint,
    Proportion,
    Robustness,
    SensitivityCurve,
    SuccessRates,
    Tunability,
)
from rlbench.sensitivity.table import DONE, MISSING, ConfigTable
from rlbench.stats.resampling import binomial_interval, percentile_bounds, trimmed_mean
from rlbench.stats.results import Interval
from rlbench.stats.sample import sample_interval

SEED_METHOD = "percentile, bootstrap over seeds (paired across configs)"


def iqm(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """25 % trimmed mean along ``axis`` (the per-sample statistic `sample_interval` resamples).

    Summed in ``scipy.stats.trim_mean``'s order, as the analysis always has been.
    """
    return trimmed_mean(values, axis=axis, summation="partition")


SAMPLE_STATISTICS: dict[str, Any] = {"iqm": iqm, "mean": "mean", "median": "median"}


class Settings:
    """One analysis run's `AnalysisOptions` and the intervals made under them.

    Args:
        options: the statistic over seeds, resamples, seed and confidence level.
    """

    def __init__(self, options: AnalysisOptions):
        self.options = options
        self.stat, self.reps, self.seed = options.stat, options.reps, options.seed
        self.confidence = options.confidence

    def interval(
        self,
        name: str,
        estimate: float,
        distribution: np.ndarray,
        method: str,
        runs: tuple[int, ...],
        excluded: int = 0,
    ) -> Interval:
        finite = distribution[np.isfinite(distribution)]
        lower, upper = (
            percentile_bounds(finite, self.confidence) if finite.size else (math.nan, math.nan)
        )
        return Interval(
            statistic=name,
            estimate=float(estimate),
            lower=lower,
            upper=upper,
            method=method,
            reps=self.reps,
            confidence=self.confidence,
            runs_per_task=runs,
            seed=self.seed,
            n_excluded=excluded,
        )

    def sample(self, runs: np.ndarray, name: str | None = None) -> Interval | None:
        """Bootstrap CI of the statistic of one sample of finite runs (None if empty)."""
        runs = runs[np.isfinite(runs)]
        if runs.size == 0:
            return None
        interval = sample_interval(
            runs, SAMPLE_STATISTICS[self.stat], "percentile", self.reps, self.seed, self.confidence
        )
        if name is None:
            return interval
        return dataclasses.replace(interval, statistic=name)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _excluded(table: ConfigTable, rows: np.ndarray | list[int]) -> int:
    status = table.status[rows]
    return int(((status != DONE) & (status != MISSING)).sum())


def config_points(table: ConfigTable, settings: Settings) -> list[CurvePoint]:
    """Per config: the metric with its CI and the paired difference to base."""
    points = []
    for row in range(len(table.config_ids)):
        runs = table.scores[row]
        difference = None
        if table.base is not None and row != table.base:
            paired = runs - table.scores[table.base]
            difference = settings.sample(paired, f"{settings.stat} of paired difference to base")
        points.append(
            CurvePoint(
                x=float(table.factors[row]),
                label=table.labels[row],
                config_ids=(table.config_ids[row],),
                is_base=row == table.base,
                metric=settings.sample(runs),
                difference=difference,
                n_failed=_excluded(table, [row]),
            )
        )
    return points


def curves(table: ConfigTable, settings: Settings) -> tuple[list[SensitivityCurve], list[str]]:
    """Sensitivity curves: one per perturbed hyperparameter."""
    points = config_points(table, settings)
    out, notes = [], []
    params = sorted({p for p in table.params if p is not None})
    for param in params:
        rows = [r for r, p in enumerate(table.params) if p == param]
        rows += [table.base] if table.base is not None else []
        chosen = sorted((points[r] for r in rows), key=lambda p: p.x)
        out.append(
            SensitivityCurve(
                table.agent, table.env, param, "factor", "one-at-a-time", tuple(chosen)
            )
        )
    for kind in ("grid", "random"):
        rows = [r for r, k in enumerate(table.kinds) if k == kind]
        if not rows:
            continue
        varying = [
            name
            for name in table.varying()
            if len({repr(table.hparams[r].get(name)) for r in rows}) > 1
        ]
        for param in varying:
            if kind == "random":
                chosen = []
                for r in rows:
                    x = _numeric(table.hparams[r].get(param))
                    chosen.append(dataclasses.replace(points[r], x=math.nan if x is None else x))
            else:
                chosen = _grid_marginal(table, rows, param, settings)
            out.append(
                SensitivityCurve(
                    table.agent,
                    table.env,
                    param,
                    "value",
                    "random" if kind == "random" else "grid marginal",
                    tuple(sorted(chosen, key=lambda p: p.x)),
                )
            )
    if not out:
        notes.append("no perturbed hyperparameter (a single config): no sensitivity curve")
    return out, notes


def _grid_marginal(table, rows, param, settings) -> list[CurvePoint]:
    values: dict[str, list[int]] = {}
    for r in rows:
        values.setdefault(repr(table.hparams[r].get(param)), []).append(r)
    out = []
    for position, (_text, members) in enumerate(sorted(values.items())):
        value = table.hparams[members[0]].get(param)
        x = _numeric(value)
        out.append(
            CurvePoint(
                x=position if x is None else x,
                label=f"{param}={value}",
                config_ids=tuple(table.config_ids[r] for r in members),
                is_base=False,
                metric=settings.sample(table.scores[members].ravel()),
                difference=None,
                n_failed=_excluded(table, members),
            )
        )
    return out


def success_rates(table: ConfigTable, settings: Settings) -> tuple[SuccessRates | None, list[str]]:
    """Fraction of seeds reaching the threshold, per config; configs whose median seed does."""
    if not math.isfinite(table.threshold):
        return None, ["the env has no threshold: no success rates (set one in its env card)"]
    counted = table.status != MISSING
    configs = []
    for row in range(len(table.config_ids)):
        trials = int(counted[row].sum())
        if trials == 0:
            continue
        successes = int(table.reached[row].sum())
        lower, upper = binomial_interval(successes, trials, settings.confidence, method="beta")
        rate = Proportion(
            successes,
            trials,
            successes / trials,
            lower,
            upper,
            "Clopper-Pearson exact",
            settings.confidence,
        )
        configs.append(
            ConfigSuccess(table.config_ids[row], table.labels[row], rate, _excluded(table, [row]))
        )
    reached = np.where(counted, table.reached.astype(np.float64), np.nan)
    observed = est.statistic(reached, "mean")
    estimate = float(np.mean(observed[np.isfinite(observed)] > 0.5))
    rng = est.group_rng(settings.seed, table.agent, table.env, "success")
    indices = est.seed_resamples(len(table.seeds), settings.reps, rng)
    rates = est.resampled_statistics(reached, "mean", indices)
    has_runs = np.isfinite(rates)
    fraction = np.sum((rates > 0.5) & has_runs, axis=0) / np.maximum(has_runs.sum(axis=0), 1)
    median = settings.interval(
        "fraction of configs whose median seed succeeds",
        estimate,
        fraction,
        SEED_METHOD,
        (len(table.seeds),),
    )
    return SuccessRates(table.agent, table.env, table.threshold, tuple(configs), median), []


def _candidate_sets(table: ConfigTable) -> list[tuple[str, np.ndarray]]:
    assert table.base is not None
    base = table.hparams[table.base]
    sets = []
    for param in table.varying():
        mask = np.array(
            [
                all(repr(hp.get(k)) == repr(base.get(k)) for k in set(hp) | set(base) if k != param)
                for hp in table.hparams
            ]
        )
        if mask.sum() > 1:
            sets.append((param, mask))
    sets.append(("all", np.ones(len(table.config_ids), dtype=bool)))
    return sets


def tunability(
    table: ConfigTable, settings: Settings, tuning_seeds: int | None
) -> tuple[list[Tunability], list[str]]:
    """Gain of the best config over the base, in-sample and on held-out seeds."""
    if table.base is None:
        return [], ["no base config (a grid plan without one): tunability needs a base"]
    if len(table.config_ids) < 2:
        return [], ["a single config: no tunability"]
    if not np.isfinite(table.scores[table.base]).any():
        return [], ["the base config has no finite run: no tunability"]
    n_seeds = len(table.seeds)
    n_tune = tuning_seeds if tuning_seeds is not None else n_seeds // 2
    if not 1 <= n_tune <= n_seeds - 1:
        return [], [
            f"tunability needs tuning and held-out seeds: {n_tune} tuning seed(s) of {n_seeds}"
        ]
    out = []
    for param, mask in _candidate_sets(table):
        rng = est.group_rng(settings.seed, table.agent, table.env, "tunability", param)
        in_sample, held_out = est.tunability_estimates(
            table.scores, table.base, mask, settings.stat, n_tune, settings.reps, rng
        )
        in_dist, held_dist = est.tunability_distributions(
            table.scores, table.base, mask, settings.stat, n_tune, settings.reps, rng
        )
        everything = np.arange(n_seeds)[None, :]
        on_all = est.statistic(table.scores[:, everything], settings.stat)[:, 0]
        eligible = np.isfinite(table.scores).all(axis=1) & mask
        eligible[table.base] = True
        best = int(np.argmax(np.where(eligible & np.isfinite(on_all), on_all, -np.inf)))
        name = f"gain in {settings.stat} over base"
        out.append(
            Tunability(
                agent=table.agent,
                env=table.env,
                param=param,
                n_candidates=int(mask.sum()),
                best=table.labels[best],
                in_sample=settings.interval(
                    name,
                    float(in_sample),
                    in_dist,
                    "percentile, bootstrap over seeds (best re-chosen in each resample)",
                    (n_seeds,),
                ),
                held_out=settings.interval(
                    name,
                    float(held_out),
                    held_dist,
                    "percentile, random tuning/held-out split per resample, seeds resampled "
                    "within each part, best re-chosen on the tuning part",
                    (n_seeds - n_tune,),
                ),
                tuning_seeds=n_tune,
                held_out_seeds=n_seeds - n_tune,
                splits=settings.reps,
            )
        )
    return out, []


def robustness(
    table: ConfigTable, settings: Settings, reference: tuple[float, float] | None
) -> tuple[Robustness | None, list[str]]:
    """Worst and 10th-percentile config, and the area under each one-at-a-time curve."""
    if len(table.config_ids) < 2:
        return None, ["a single config: no robustness summary"]
    scores, scale = table.scores, "raw"
    if reference is not None:
        scores, scale = (scores - reference[0]) / (reference[1] - reference[0]), "normalised"
    rng = est.group_rng(settings.seed, table.agent, table.env, "robustness")
    indices = est.seed_resamples(len(table.seeds), settings.reps, rng)
    point = est.statistic(scores, settings.stat)
    dist = est.resampled_statistics(scores, settings.stat, indices)
    if not np.isfinite(point).any():
        return None, ["no config has a finite run: no robustness summary"]
    runs, excluded = (len(table.seeds),), _excluded(table, list(range(len(table.config_ids))))
    with warnings.catch_warnings():  # a resample in which no config has a finite run
        warnings.simplefilter("ignore", RuntimeWarning)
        worst_dist = np.nanmin(np.where(np.isfinite(dist), dist, np.nan), axis=0)
        p10_dist = np.nanquantile(dist, 0.1, axis=0, method="inverted_cdf")
    finite = point[np.isfinite(point)]

    def make(name: str, estimate: float, distribution: np.ndarray) -> Interval:
        return settings.interval(name, estimate, distribution, SEED_METHOD, runs, excluded)

    worst = make(f"{settings.stat} of the worst config", finite.min(), worst_dist)
    p10 = make(
        f"{settings.stat} at the 10th-percentile config",
        np.quantile(finite, 0.1, method="inverted_cdf"),
        p10_dist,
    )
    base = None
    areas, notes = [], []
    if table.base is not None:
        b = table.base
        base = make(f"{settings.stat} of the base config", point[b], dist[b])
        for param in sorted({p for p in table.params if p is not None}):
            rows = [r for r, p in enumerate(table.params) if p == param] + [b]
            rows.sort(key=lambda r: table.factors[r])
            x = np.log2(table.factors[rows])
            if not point[b] > 0:
                notes.append(
                    f"{param}: base {settings.stat} {point[b]:.3g} <= 0 on the {scale} "
                    "scale: no area relative to base"
                )
                continue

            def relative(values: np.ndarray, x: np.ndarray = x, rows: list[int] = rows):
                ys = values[rows]
                area = np.sum((ys[1:] + ys[:-1]) / 2 * np.diff(x)[:, None], axis=0)
                return area / (x[-1] - x[0]) / values[b]

            areas.append(
                (
                    param,
                    make(
                        "area under the curve / base", relative(point[:, None])[0], relative(dist)
                    ),
                )
            )
    return Robustness(table.agent, table.env, base, worst, p10, tuple(areas), scale), notes
