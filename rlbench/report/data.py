"""What a report shows, prepared once: `ReportData` and the figure kinds.

`ReportData` prepares each figure's inputs from ``rlbench.load(path)`` through
`rlbench.figures.data` (and so `rlbench.stats`), lazily, one cached property per
input, under one `AnalysisOptions`; `ReportData.figure` draws one kind.
`rlbench.report.page.build_report` writes them all. The main figures use each
agent's base config (`rlbench.stats.trial_scores.select_configs`); curves show done
trials only, while aggregates, tests and seed splits score a failed trial as its
env's lowest observed score (`rlbench.stats.failed`); what was left out or
scored so is counted in the captions and tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from rlbench.analysis_options import DEFAULTS, AnalysisOptions
from rlbench.errors import InputError, UnknownNameError
from rlbench.figures import data
from rlbench.figures.aggregates import plot_aggregates, plot_profiles
from rlbench.figures.curves import plot_curves, plot_percentiles
from rlbench.figures.distributions import plot_seeds
from rlbench.figures.significance import (
    plot_improvement,
    plot_power,
    plot_seed_split,
)
from rlbench.figures.style import agent_colors
from rlbench.stats.bands import CurveBands, curve_bands, percentile_bands
from rlbench.stats.frame import power_curves
from rlbench.stats.trial_scores import has_perturbed_configs, select_configs
from rlbench.store import Results
from rlbench.table_schema import METRIC_LABELS

KINDS = ("curves", "percentiles", "seeds", "aggregates", "profiles", "improvement",
         "seed-split", "power", "sensitivity")  # fmt: skip
PER_SEED_LINES_MAX = 10  # draw each seed's curve when no agent has more seeds than this


class ReportData:
    """Inputs of every figure and table of one results folder (computed on first use).

    Args:
        results: ``rlbench.load(path)``.
        options: metric, resamples, seed and confidence level (the rest of the
            fields at their defaults: the report scores failed runs as ``worst``
            and omits NaN scores, counted).
        env: restrict to one env (figures of ``rlbench plot --env``).
    """

    def __init__(
        self, results: Results, options: AnalysisOptions = DEFAULTS, env: str | None = None
    ):
        trials = results.trials
        if trials.empty:
            raise InputError(f"{results.path}: the results folder holds no records")
        self.results = results
        self.options = options
        self.colors = agent_colors(trials["agent"].astype(str))  # the whole folder: stable
        if env is not None:
            known = sorted(trials["env"].unique())
            if env not in known:
                raise UnknownNameError("env", env, known, where=str(results.path))
            trials = trials[trials["env"] == env]
        self.env = env
        self.all_trials = trials
        selection = select_configs(trials, "base")
        self.trials, self.n_perturbed = selection.trials, selection.n_left_out
        self.notes: list[str] = []

    # -- inputs -----------------------------------------------------------------
    @cached_property
    def curves(self) -> pd.DataFrame:
        return data.done_curves(self.results.curves, self.trials)

    @cached_property
    def status(self) -> pd.DataFrame:
        return data.status_table(self.all_trials)

    @cached_property
    def bands(self) -> CurveBands:
        o = self.options
        return curve_bands(self.curves, o.reps, o.seed, o.confidence)

    @cached_property
    def percentiles(self) -> pd.DataFrame:
        return percentile_bands(self.curves)

    @cached_property
    def references(self):
        from rlbench.cards import env_reference_scores

        try:
            return env_reference_scores(sorted(self.trials["env"].unique()))
        except InputError as error:
            self.notes.append(f"scores are not normalised: {error}")
            return None

    @cached_property
    def comparison(self):
        from rlbench.stats.frame import compare

        o = self.options
        try:
            return compare(self.trials, o.metric, None, self.references, o.reps, o.seed,
                           o.confidence, nan_policy="omit")  # fmt: skip
        except InputError as error:
            self.notes.append(f"no comparison of agents: {error}")
            return None

    @cached_property
    def aggregates(self):
        o = self.options
        return data.aggregate_panels(self.trials, o.metric, self.comparison, o.reps, o.seed,
                                     o.confidence)  # fmt: skip

    @cached_property
    def profiles(self):
        o = self.options
        return data.profile_panels(self.trials, o.metric, self.references, o.reps, o.seed,
                                   o.confidence)  # fmt: skip

    @cached_property
    def splits(self):
        return data.seed_splits(self.trials, self.options.metric, seed=self.options.seed)

    @cached_property
    def power(self):
        return power_curves(self.comparison) if self.comparison is not None else {}

    # -- captions ---------------------------------------------------------------
    def scope(self) -> str:
        """What the main figures show and leave out, for every caption."""
        done = self.trials[self.trials["status"] == "done"]
        seeds = done.groupby(["agent", "env"])["seed"].nunique()
        count = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
        parts = [f"{count} seeds (done trials) per agent and env"]
        if self.n_perturbed:
            parts.append(
                f"each agent's base config (perturbation == 'base'); {self.n_perturbed} trials "
                "of perturbed configs left out (see Sensitivity)"
            )
        not_done = self.trials[self.trials["status"] != "done"]
        if len(not_done):
            where = ", ".join(f"{a}/{e}: {n}" for (a, e), n in
                              not_done.groupby(["agent", "env"]).size().items())  # fmt: skip
            noun = "trial" if len(not_done) == 1 else "trials"
            parts.append(
                f"{len(not_done)} {noun} failed ({where}): scored as the env's lowest observed "
                "score in aggregates and tests, not shown in curves"
            )
        else:
            parts.append("no failed trials")
        return "; ".join(parts) + "."

    def score(self) -> str:
        """The score the figures show, in words (normalised when the env cards allow)."""
        label = METRIC_LABELS.get(self.options.metric, self.options.metric)
        return f"normalised {label}" if self.references is not None else label

    def _interval_text(self, intervals) -> str:
        first = next((i for panel in intervals.values() for ivs in panel.values() for i in ivs),
                     None)  # fmt: skip
        return first.describe() if first is not None else "no intervals"

    def caption(self, kind: str) -> str:
        o = self.options
        if kind == "curves":
            text = f"Learning curves: mean return over seeds, band: {self.bands.describe()}"
        elif kind == "percentiles":
            text = ("Median over seeds (line), 25th-75th and 10th-90th percentiles over seeds "
                    "(bands), as Mania et al. 2018, Fig. 3")  # fmt: skip
        elif kind == "seeds":
            label = METRIC_LABELS.get(o.metric, o.metric)
            text = (
                f"{label.capitalize()} (not normalised) of every seed: points, box (quartiles, "
                "whiskers 1.5 IQR) and empirical CDF; NaN scores (diverged) not drawn"
            )
        elif kind == "aggregates":
            text = (
                f"Aggregates of the {self.score()} (IQM, mean, median"
                f"{', optimality gap' if self.references is not None else ''}); bar: "
                f"{self._interval_text(self.aggregates)}; tick: point estimate"
            )
        elif kind == "profiles":
            p = next((p for panel in self.profiles.values() for p in panel.values()), None)
            how = (f"{p.confidence:.0%} pointwise CI: {p.method}, {p.reps} resamples, seed "
                   f"{p.seed}" if p else "no profile")  # fmt: skip
            text = f"Performance profiles of the {self.score()} (Agarwal et al. 2021); {how}"
        elif kind == "improvement":
            pair = (
                self.comparison.pairs[0].probability_of_improvement
                if (self.comparison is not None and self.comparison.pairs)
                else None
            )
            text = (
                "Probability of improvement P(row > column) over envs (Agarwal et al. 2021), "
                f"with its CI: {pair.describe() if pair else 'no pairs'}"
            )
        elif kind == "seed-split":
            text = (
                "Splits of each agent's seeds into two groups of k: fraction of splits that "
                "Welch's t-test calls significantly different at α = 0.05 (Henderson et al. "
                f"2018, Fig. 5); every split up to 1000, else 1000 random ones (seed {o.seed})"
            )
        elif kind == "power":
            text = (
                "Power of Welch's t-test (two-sided, α = 0.05; noncentral t) vs seeds per "
                "agent, to detect each agent's observed gap in mean to the best agent on the "
                "env with both observed stds (Colas et al. 2018); dot: seeds run"
            )
        else:
            text = kind
        return f"{text}. {self.scope()}"

    # -- figures ----------------------------------------------------------------
    def figure(self, kind: str) -> Figure:
        """One figure (see `KINDS`).

        Raises:
            InputError: an unknown kind, or one this folder has no data for.
        """
        if kind not in KINDS:
            raise UnknownNameError("figure kind", kind, KINDS)
        if kind == "sensitivity":
            result = sensitivity_analysis(self.all_trials, self.options)
            figures = sensitivity_figures(result, self.env, only_first=True, colors=self.colors)
            return figures[0][3]()
        if self.trials[self.trials["status"] == "done"].empty:
            raise InputError(f"{self.results.path}: no done trials to plot")
        if kind in ("curves", "percentiles") and self.curves.empty:  # e.g. a runs table
            raise InputError(f"{self.results.path}: no learning curves (only final scores)")
        if kind == "curves":
            seeds = self.curves.groupby(["agent", "env"])["trial_id"].nunique()
            per_seed = self.curves if seeds.max() <= PER_SEED_LINES_MAX else None
            return plot_curves(self.bands, per_seed, self.colors)
        if kind == "percentiles":
            return plot_percentiles(self.percentiles, colors=self.colors)
        if kind == "seeds":
            return plot_seeds(self.trials, self.options.metric, self.colors)
        if kind == "aggregates":
            return plot_aggregates(self.aggregates, self.colors, self.score())
        if kind == "profiles":
            return plot_profiles(self.profiles, self.colors, f"{self.score()} τ")
        if kind == "seed-split":
            if not self.splits:
                raise InputError("seed splits need at least 4 done seeds of an agent on an env")
            return plot_seed_split(self.splits, self.colors)
        if self.comparison is None:
            raise InputError("; ".join(self.notes) or "no comparison of agents")
        if len(self.comparison.agents) < 2:
            what = "the probability of improvement" if kind == "improvement" else "power"
            raise InputError(f"{what} needs at least 2 agents to compare")
        if kind == "improvement":
            return plot_improvement(self.comparison)
        return plot_power(self.power, self.colors)


SENSITIVITY_FIGURES = (
    ("sensitivity", "sensitivity curves",
     "Sensitivity of each agent's score to its perturbed hyperparameters."),
    ("success_rates", "success rates",
     "Success rates of the perturbed configs: the fraction of seeds reaching the env's "
     "threshold (count above each bar)."),
    ("sensitivity_ranking", "sensitivity ranking", "Hyperparameters ranked by sensitivity."),
)  # fmt: skip
"""``(file stem, title, caption)`` of the sensitivity module's figures, in page order."""


def sensitivity_analysis(trials: pd.DataFrame, options: AnalysisOptions) -> Any:
    """The sensitivity analysis of every config, under the report's options.

    Args:
        trials: all trials (every config).
        options: the report's metric, resamples, seed and CI level (the analysis
            uses them, as every other section does).

    Returns:
        A `rlbench.sensitivity.SensitivityResult`.

    Raises:
        InputError: the sensitivity module is not installed, or no config is perturbed.
    """
    if not has_perturbed_configs(trials):
        raise InputError("this results folder has no perturbed configs (no perturbation plan)")
    try:
        from rlbench import sensitivity
    except ImportError as error:
        raise InputError(f"sensitivity figures are not available: {error}") from None
    return sensitivity.analyse(trials, options=options)


def sensitivity_figures(
    result: Any,
    env: str | None = None,
    only_first: bool = False,
    colors: Mapping[str, str] | None = None,
) -> list[tuple[str, str, str, Callable[[], Figure]]]:
    """The sensitivity figures (`rlbench.figures.sensitivity`) of one analysis.

    Each figure is drawn when its function is called (it raises `InputError`
    when it has nothing to show).

    Args:
        result: from `sensitivity_analysis`.
        env: only this env's sensitivity curves and success rates.
        only_first: the sensitivity curves only.
        colors: ``{agent: colour}`` of the report's other figures (default:
            each figure colours the agents it draws with `agent_colors`).

    Returns:
        ``[(file stem, title, caption, draw)]`` as in `SENSITIVITY_FIGURES`.
    """
    from rlbench.figures import sensitivity as plots

    draws = (
        lambda: plots.plot_sensitivity_curves(result, env, colors),
        lambda: plots.plot_success_rates(result, env, colors),
        lambda: plots.plot_sensitivity_ranking(result, colors),
    )
    out = [(*names, draw) for names, draw in zip(SENSITIVITY_FIGURES, draws, strict=True)]
    return out[:1] if only_first else out
