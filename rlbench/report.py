"""The HTML report of a results folder, and single figures of it.

`ReportData` prepares each figure's inputs from ``rlbench.load(path)`` through
`rlbench.figures.data` (and so `rlbench.stats`), lazily, one cached property per
input; `ReportData.figure` draws one kind; `build_report` writes every figure
(PNG + PDF), every table (CSV) and ``index.html``. The main figures use each
agent's base config and done trials only; what was left out is counted in the
captions and tables.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from rlbench.errors import InputError, UnknownNameError
from rlbench.figures import data
from rlbench.figures import html as page
from rlbench.figures.aggregates import plot_aggregates, plot_profiles
from rlbench.figures.curves import plot_curves, plot_percentiles
from rlbench.figures.distributions import METRIC_LABELS, plot_seeds
from rlbench.figures.significance import (
    plot_improvement,
    plot_power,
    plot_seed_split,
)
from rlbench.figures.style import agent_colors, save_figure
from rlbench.figures.tables import (
    aggregates_table,
    improvement_table,
    per_env_table,
    power_table,
    seed_split_table,
    tests_table,
)
from rlbench.store import Results, Store

KINDS = ("curves", "percentiles", "seeds", "aggregates", "profiles", "improvement",
         "seed-split", "power", "sensitivity")  # fmt: skip
PER_SEED_LINES_MAX = 10  # draw each seed's curve when no agent has more seeds than this


@dataclass(frozen=True)
class Options:
    """How the report computes: score column, bootstrap resamples, seed, CI level."""

    metric: str = "final_return"
    reps: int = 2000
    seed: int = 0
    confidence: float = 0.95


class ReportData:
    """Inputs of every figure and table of one results folder (computed on first use).

    Args:
        results: ``rlbench.load(path)``.
        options: metric, resamples, seed and confidence level.
        env: restrict to one env (figures of ``rlbench plot --env``).
    """

    def __init__(self, results: Results, options: Options = Options(), env: str | None = None):
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
        self.trials, self.n_perturbed = data.base_configs(trials)
        self.notes: list[str] = []

    # -- inputs -----------------------------------------------------------------
    @cached_property
    def curves(self) -> pd.DataFrame:
        return data.done_curves(self.results.curves, self.trials)

    @cached_property
    def status(self) -> pd.DataFrame:
        return data.status_table(self.all_trials)

    @cached_property
    def bands(self) -> data.CurveBands:
        o = self.options
        return data.curve_bands(self.curves, o.reps, o.seed, o.confidence)

    @cached_property
    def percentiles(self) -> pd.DataFrame:
        return data.percentile_bands(self.curves)

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
        return data.power_curves(self.comparison) if self.comparison is not None else {}

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
            parts.append(f"{len(not_done)} {noun} not done and not shown ({where})")
        else:
            parts.append("no failed trials")
        return "; ".join(parts) + "."

    def _score(self) -> str:
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
                f"Aggregates of the {self._score()} (IQM, mean, median"
                f"{', optimality gap' if self.references is not None else ''}); bar: "
                f"{self._interval_text(self.aggregates)}; tick: point estimate"
            )
        elif kind == "profiles":
            p = next((p for panel in self.profiles.values() for p in panel.values()), None)
            how = (f"{p.confidence:.0%} pointwise CI: {p.method}, {p.reps} resamples, seed "
                   f"{p.seed}" if p else "no profile")  # fmt: skip
            text = f"Performance profiles of the {self._score()} (Agarwal et al. 2021); {how}"
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
            figures = sensitivity_figures(self.all_trials, self.env, only_first=True)
            return figures[0][1]
        if self.trials[self.trials["status"] == "done"].empty:
            raise InputError(f"{self.results.path}: no done trials to plot")
        if kind == "curves":
            seeds = self.curves.groupby(["agent", "env"])["trial_id"].nunique()
            per_seed = self.curves if seeds.max() <= PER_SEED_LINES_MAX else None
            return plot_curves(self.bands, per_seed, self.colors)
        if kind == "percentiles":
            return plot_percentiles(self.percentiles, colors=self.colors)
        if kind == "seeds":
            return plot_seeds(self.trials, self.options.metric, self.colors)
        if kind == "aggregates":
            return plot_aggregates(self.aggregates, self.colors, self._score())
        if kind == "profiles":
            return plot_profiles(self.profiles, self.colors, f"{self._score()} τ")
        if kind == "seed-split":
            if not self.splits:
                raise InputError("seed splits need at least 4 done seeds of an agent on an env")
            return plot_seed_split(self.splits, self.colors)
        if self.comparison is None:
            raise InputError("; ".join(self.notes) or "no comparison of agents")
        if kind == "improvement":
            if len(self.comparison.agents) < 2:
                raise InputError("the probability of improvement needs at least 2 agents")
            return plot_improvement(self.comparison)
        return plot_power(self.power, self.colors)


def sensitivity_figures(
    trials: pd.DataFrame, env: str | None = None, only_first: bool = False
) -> list[tuple[str, Figure, str]]:
    """The sensitivity module's figures (``rlbench.sensitivity_plots``) of a folder.

    Args:
        trials: all trials (every config).
        env: only this env's sensitivity curves and success rates.
        only_first: draw the sensitivity curves only.

    Returns:
        ``[(file stem, figure, caption)]``.

    Raises:
        InputError: the sensitivity module is not installed, or no config is perturbed.
    """
    if not (trials["perturbation"].fillna("base") != "base").any():
        raise InputError("this results folder has no perturbed configs (no perturbation plan)")
    try:
        from rlbench import sensitivity, sensitivity_plots
    except ImportError as error:
        raise InputError(f"sensitivity figures are not available: {error}") from None
    result = sensitivity.analyse(trials)
    out = [("sensitivity", sensitivity_plots.plot_sensitivity_curves(result, env),
            "Sensitivity of each agent's score to its perturbed hyperparameters.")]  # fmt: skip
    if not only_first:
        out.append(("success_rates", sensitivity_plots.plot_success_rates(result, env),
                    "Success rates of the perturbed configs."))  # fmt: skip
        out.append(("sensitivity_ranking", sensitivity_plots.plot_sensitivity_ranking(result),
                    "Hyperparameters ranked by sensitivity."))  # fmt: skip
    return out


def _time(stamp: object) -> str:
    if not isinstance(stamp, (int, float)):
        return "-"
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )


def provenance_tables(results: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(runs, environments)``: the manifest's runs, and the distinct provenance of records.

    The second table has one row per distinct (versions, python, host, git commit)
    found in the records, with the number of records and their time span.
    """
    runs = []
    for run in results.manifest.get("runs", []):
        versions = run.get("versions") or {}
        runs.append({
            "command": run.get("command"), "started": _time(run.get("started")),
            "ended": _time(run.get("ended")), "trials": run.get("trials"),
            "executor": run.get("executor"), "rlbench": versions.get("rlbench"),
            "python": run.get("python"), "host": run.get("host"),
            "git_commit": (run.get("git_commit") or "")[:12],
        })  # fmt: skip
    groups: dict[str, dict[str, Any]] = {}
    for record in Store(results.path).iter_records():
        prov = record.get("provenance") or {}
        key = json.dumps(prov, sort_keys=True)
        row = groups.setdefault(key, {
            **{name: version for name, version in (prov.get("versions") or {}).items()},
            "python": prov.get("python"), "host": prov.get("host"),
            "git_commit": (prov.get("git_commit") or "")[:12], "records": 0,
            "first_start": float("inf"), "last_end": float("-inf"),
        })  # fmt: skip
        row["records"] += 1
        row["first_start"] = min(row["first_start"], record.get("started") or float("inf"))
        row["last_end"] = max(row["last_end"], record.get("ended") or float("-inf"))
    environments = pd.DataFrame(list(groups.values()))
    for column in ("first_start", "last_end"):
        if column in environments:
            environments[column] = environments[column].map(_time)
    return pd.DataFrame(runs), environments


def build_report(
    path: Path | str,
    out: Path | str | None = None,
    options: Options = Options(),
    formats: tuple[str, ...] = ("png", "pdf"),
) -> Path:
    """Writes the report of a results folder: ``index.html``, figures and CSV tables.

    Args:
        path: the results folder.
        out: the report folder (default ``path/report``).
        options: metric, resamples, seed, confidence level.
        formats: figure formats (PNG is always written: the page shows it).

    Returns:
        The path of ``index.html``.

    Raises:
        InputError: not a results folder, or no records.
    """
    from rlbench.store import load

    results = load(path)
    out_dir = Path(out) if out is not None else results.path / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = ("png", *[f for f in formats if f != "png"])
    report = ReportData(results, options)
    sections: list[tuple[str, str]] = []

    def write_table(frame: pd.DataFrame, name: str, caption: str) -> str:
        frame.to_csv(out_dir / f"{name}.csv", index=False)
        return page.table(frame, caption, f"{name}.csv")

    def write_figure(kind: str, stem: str, title: str) -> str:
        try:
            figure = report.figure(kind)
        except InputError as error:
            return f'<p class="note">{page.escape(title)} not drawn: {page.escape(error)}</p>'
        save_figure(figure, out_dir / stem, formats)
        return page.figure(stem, report.caption(kind), formats, title)

    status = report.status
    sections.append(("Trials", write_table(status, "trials",
        "Trials per agent and env, all configs and statuses; "
        f"the figures use the base configs' done trials. {report.scope()}")))  # fmt: skip
    sections.append(
        (
            "Learning curves",
            write_figure("curves", "curves", "learning curves")
            + write_figure("percentiles", "percentiles", "percentile bands"),
        )
    )
    body = write_figure("seeds", "seeds", "final scores over seeds")
    comparison = report.comparison
    if comparison is not None:
        mean = comparison.agents[0].task_means[0]
        body += write_table(
            per_env_table(comparison),
            "per_env",
            f"Per env, {report._score()}: mean over seeds with its {mean.describe()}; "
            f"median, IQM, std over seeds. {report.scope()}",
        )
    sections.append(("Scores over seeds", body))
    body = write_figure("aggregates", "aggregates", "aggregate metrics")
    if report.aggregates:
        body += write_table(aggregates_table(report.aggregates), "aggregates",
                            report.caption("aggregates"))  # fmt: skip
    body += write_figure("profiles", "profiles", "performance profiles")
    sections.append(("Aggregate metrics", body))
    if comparison is not None and comparison.pairs:
        body = write_figure("improvement", "improvement", "probability of improvement")
        body += write_table(
            improvement_table(comparison), "improvement", report.caption("improvement")
        )
        body += write_table(tests_table(comparison), "tests",
            "Per env: Welch's t-test (p, and Holm-adjusted over all pairs and envs), "
            "Mann-Whitney U (p), Hedges' g (exact J) and Vargha-Delaney A of x vs y, on the "
            f"{report._score()}. {report.scope()}")  # fmt: skip
        sections.append(("Comparisons", body))
    body = write_figure("seed-split", "seed_split", "seed splits")
    if report.splits:
        body += write_table(
            seed_split_table(report.splits), "seed_split", report.caption("seed-split")
        )
    body += write_figure("power", "power", "statistical power")
    if report.power and any(report.power.values()):
        body += write_table(power_table(report.power), "power", report.caption("power"))
    sections.append(("How many seeds", body))
    sections.append(("Sensitivity", _sensitivity_section(report, out_dir, formats)))
    failed = report.all_trials[report.all_trials["status"] != "done"]
    if len(failed):
        frame = failed[["agent", "env", "perturbation", "seed", "status", "reason", "error"]].copy()
        frame["error"] = (
            frame["error"].fillna("").map(lambda e: str(e).splitlines()[0][:160] if e else "")
        )
        sections.append(("Failures", write_table(frame, "failures",
                         "Trials not done (all configs); they are in no figure.")))  # fmt: skip
    sections.append(("Provenance", _provenance_section(results, write_table)))
    n_done = int((report.all_trials["status"] == "done").sum())
    intro = (
        f'<p class="summary">Results folder <code>{page.escape(results.path)}</code>: '
        f"{report.all_trials['agent'].nunique()} agents, {report.all_trials['env'].nunique()} "
        f"envs, {len(report.all_trials)} trials ({n_done} done). Score: {report._score()}. "
        f"Intervals: {options.confidence:.0%} percentile bootstrap CIs, {options.reps} resamples, "
        f"seed {options.seed}; each caption names its method and seeds. Generated "
        f"{_time(datetime.datetime.now().timestamp())}.</p>"
        + "".join(f'<p class="note">{page.escape(n)}</p>' for n in dict.fromkeys(report.notes))
    )
    title = f"rlbench report: {_suite_name(results)}"
    index = out_dir / "index.html"
    index.write_text(page.page(title, intro, sections), encoding="utf-8")
    return index


def _suite_name(results: Results) -> str:
    suite = results.path / "suite.yaml"
    if suite.exists():
        for line in suite.read_text().splitlines():
            if line.startswith("name:"):
                return line.split(":", 1)[1].strip()
    return results.path.name


def _sensitivity_section(report: ReportData, out_dir: Path, formats: tuple[str, ...]) -> str:
    try:
        figures = sensitivity_figures(report.all_trials)
    except InputError as error:
        return f"<p>No sensitivity analysis: {page.escape(error)}.</p>"
    parts = []
    for stem, figure, caption in figures:
        save_figure(figure, out_dir / stem, formats)
        parts.append(page.figure(stem, f"{caption} All configs, done trials.", formats, stem))
    return "".join(parts)


def _provenance_section(results: Results, write_table) -> str:
    runs, environments = provenance_tables(results)
    suite = results.path / "suite.yaml"
    text = suite.read_text() if suite.exists() else "(no suite.yaml in the results folder)"
    return (
        f"<h3>Suite</h3><pre>{page.escape(text)}</pre>"
        + "<h3>Runs</h3>" + write_table(runs, "runs", "The runs recorded in manifest.json.")
        + "<h3>Software and machines</h3>"
        + write_table(environments, "provenance",
                      "Distinct versions, Python, host and git commit found in the records, "
                      "with the records' start and end times.")
    )  # fmt: skip
