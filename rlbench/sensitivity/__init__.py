"""Hyperparameter sensitivity: how much do an agent's results move when its
hyperparameters do, compared with when only the seed does?

Pure functions on the trials table of `rlbench.load` (no I/O). Modules:

* `table`: one ``(configs x seeds)`` matrix per (agent, env), paired by seed.
* `estimators`: vectorised array estimators (NaN-aware statistics, seed
  resamples, Clopper-Pearson, one-way ANOVA / ICC(1), fANOVA, tunability).
* `analysis`: per (agent, env) curves, success rates, tunability, robustness.
* `decomposition`: the configs x seeds two-way ANOVA / ICC(A,1) (seeds are
  crossed with configs), and the fANOVA with the seed noise subtracted.
* `importance`: fANOVA on a full grid; a binned first-order index on a random plan.
* `ranking`: agents ranked by sensitivity on normalised returns.
* `results`: the frozen result objects.

How failures enter: a failed trial (or a done one whose metric is NaN/inf, a
diverged run) is excluded from the metric of its config and counted in every
result (``n_failed``/``n_excluded``); for success rates it counts as a seed
that did not reach the threshold; a config with a failed tuning seed cannot be
chosen as the tuned best. Every interval says its method, resamples, seed and
seeds used; what cannot be computed is a note, not a number.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from rlbench.analysis_options import AnalysisOptions
from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.errors import InputError
from rlbench.sensitivity import analysis
from rlbench.sensitivity import importance as hp_importance
from rlbench.sensitivity.analysis import Settings
from rlbench.sensitivity.decomposition import variance_decomposition
from rlbench.sensitivity.ranking import rank
from rlbench.sensitivity.results import (
    AgentSensitivity,
    ConfigSuccess,
    CurvePoint,
    GroupInfo,
    Importance,
    PairwiseSensitivity,
    Proportion,
    Ranking,
    Robustness,
    SensitivityCurve,
    SensitivityResult,
    SuccessRates,
    Tunability,
    VarianceDecomposition,
)
from rlbench.sensitivity.table import METRICS, STATS, ConfigTable, check_settings, config_tables
from rlbench.stats import arrays, resampling

__all__ = [
    "METRICS",
    "STATS",
    "AgentSensitivity",
    "ConfigSuccess",
    "ConfigTable",
    "CurvePoint",
    "GroupInfo",
    "Importance",
    "PairwiseSensitivity",
    "Proportion",
    "Ranking",
    "Robustness",
    "SensitivityCurve",
    "SensitivityResult",
    "SuccessRates",
    "Tunability",
    "VarianceDecomposition",
    "analyse",
    "config_tables",
]

References = tuple[Mapping[str, float], Mapping[str, float]]


def _references(envs: list[str], references: References | None) -> tuple[dict, list[str]]:
    """``{env: (random, reference)}`` from the argument or the env cards."""
    out, notes = {}, []
    if references is not None:
        random, reference = references
        for env in envs:
            if env in random and env in reference:
                out[env] = (float(random[env]), float(reference[env]))
    else:
        from rlbench.cards import env_reference_scores

        for env in envs:
            try:
                random, reference = env_reference_scores([env])
            except InputError:
                continue
            out[env] = (random[env], reference[env])
    for env, (low, high) in list(out.items()):
        if low == high:
            notes.append(f"{env}: reference score equals random score: not normalised")
            del out[env]
    return out, notes


def _info(table: ConfigTable) -> GroupInfo:
    counts = table.counts()
    return GroupInfo(
        agent=table.agent,
        env=table.env,
        plans=tuple(sorted(set(table.kinds))),
        n_configs=len(table.config_ids),
        seeds=table.seeds,
        n_done=counts["done"],
        n_nonfinite=counts["nonfinite"],
        n_failed=counts["failed"],
        n_missing=counts["missing"],
        threshold=table.threshold,
        varying=table.varying(),
    )


_PARTS = ("curves", "success", "tunability", "importance", "variance", "robustness")
"""The per-(agent, env) results of `SensitivityResult`, in the order they are computed."""


def _analyse_table(
    table: ConfigTable,
    settings: Settings,
    tuning_seeds: int | None,
    reference: tuple[float, float] | None,
) -> tuple[dict[str, list], list[str]]:
    """Every analysis of one (agent, env): ``({part: results}, notes)``, notes prefixed."""
    where, counts, metric = f"{table.agent} on {table.env}", table.counts(), settings.options.metric
    notes = []
    if counts["failed"] or counts["nonfinite"]:
        notes.append(
            f"{where}: {counts['failed']} failed and {counts['nonfinite']} non-finite "
            f"trial(s) excluded from {metric} (counted as not reaching the threshold)"
        )
    if counts["missing"]:
        notes.append(f"{where}: {counts['missing']} (config, seed) trial(s) not run yet")
    curves, group_notes = analysis.curves(table, settings)
    found: dict[str, list] = {"curves": curves}
    for name, (result, more) in (
        ("success", analysis.success_rates(table, settings)),
        ("tunability", analysis.tunability(table, settings, tuning_seeds)),
        ("importance", hp_importance.importance(table, settings)),
        ("variance", variance_decomposition(table, settings)),
        ("robustness", analysis.robustness(table, settings, reference)),
    ):
        found[name] = result if isinstance(result, list) else [] if result is None else [result]
        group_notes += more
    return found, notes + [f"{where}: {note}" for note in group_notes]


def analyse(
    trials: pd.DataFrame,
    metric: str = "final_return",
    stat: str = "iqm",
    reps: int = RESAMPLES,
    seed: int = SEED,
    tuning_seeds: int | None = None,
    references: References | None = None,
    confidence: float = CONFIDENCE,
    options: AnalysisOptions | None = None,
) -> SensitivityResult:
    """The full sensitivity analysis of a trials table.

    Args:
        trials: ``rlbench.load(path).trials`` (one row per trial, ``hp.<name>`` columns).
        metric: ``final_return``, ``auc`` or ``best_return``.
        stat: statistic over seeds: ``iqm`` (25 % trimmed mean), ``mean`` or ``median``.
        reps: bootstrap resamples (and random splits for held-out tunability).
        seed: seed of every resample; each (agent, env) draws its own stream of it.
        tuning_seeds: seeds used to choose the best config (default: half,
            rounded down); the rest are held out.
        references: ``(random, reference)`` score dicts keyed by env, for the
            normalised scale; default: the env cards' (envs without them are
            left out of the cross-agent ranking, with a note).
        confidence: confidence level of every interval.
        options: the metric, statistic, resamples, seed and confidence level as
            one `AnalysisOptions` (the command line's and the report's); when
            given, it replaces the five arguments above.

    Returns:
        A `SensitivityResult`; ``notes`` says what could not be computed, and why.

    Raises:
        InputError: a table without the needed columns, an unknown metric or
            statistic, bad reps/seed/confidence/tuning_seeds.
    """
    if options is not None:
        metric, stat, reps, seed = options.metric, options.stat, options.reps, options.seed
        confidence = options.confidence
    check_settings(trials, metric, stat)
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    resampling.make_rng(seed)
    if tuning_seeds is not None and (isinstance(tuning_seeds, bool) or tuning_seeds < 1):
        raise InputError(f"tuning_seeds must be a positive int, got {tuning_seeds!r}")
    settings = Settings(
        options or AnalysisOptions(metric=metric, stat=stat, reps=int(reps), seed=int(seed),
                                   confidence=confidence)
    )  # fmt: skip
    tables = config_tables(trials, metric)
    refs, notes = _references(sorted({t.env for t in tables}), references)
    parts: dict[str, list] = {name: [] for name in _PARTS}
    for table in tables:
        found, group_notes = _analyse_table(table, settings, tuning_seeds, refs.get(table.env))
        for name, items in found.items():
            parts[name] += items
        notes += group_notes
    ranking, more = rank(tables, refs, settings)
    notes += more
    return SensitivityResult(
        metric=metric,
        stat=stat,
        reps=reps,
        seed=int(seed),
        confidence=confidence,
        groups=tuple(_info(t) for t in tables),
        **{name: tuple(items) for name, items in parts.items()},
        ranking=ranking,
        notes=tuple(notes),
    )
