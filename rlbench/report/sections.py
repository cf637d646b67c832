"""The report's sections in page order: `SECTIONS`, each ``(ReportData, ReportWriter) -> html``.

A section returns its HTML ('' leaves it out) and writes its files through the
`rlbench.report.writer.ReportWriter`; its numbers come from
`rlbench.report.data.ReportData` (one `AnalysisOptions` for every section) and
its tables from `rlbench.report.tables` and the result objects' table views.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import pandas as pd

from rlbench.analysis_options import AnalysisOptions
from rlbench.errors import InputError
from rlbench.report import html as page
from rlbench.report.data import (
    SENSITIVITY_FIGURES,
    ReportData,
    sensitivity_analysis,
    sensitivity_figures,
)
from rlbench.report.tables import (
    aggregates_table,
    aggregates_view,
    improvement_table,
    power_table,
    reader_view,
    seed_split_table,
    tests_table,
)
from rlbench.report.writer import ReportWriter
from rlbench.stats.views import per_env_frame
from rlbench.store import Results


def format_time(stamp: object) -> str:
    if not isinstance(stamp, (int, float)) or stamp != stamp:  # NaN: a table has no times
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
            "command": run.get("command"), "started": format_time(run.get("started")),
            "ended": format_time(run.get("ended")), "trials": run.get("trials"),
            "executor": run.get("executor"), "rlbench": versions.get("rlbench"),
            "python": run.get("python"), "host": run.get("host"),
            "git_commit": (run.get("git_commit") or "")[:12],
        })  # fmt: skip
    rows = []
    # one row per distinct provenance, from the trials table (no second read of the records)
    for key, group in results.trials.groupby("provenance", sort=False):
        prov = json.loads(key) or {}
        rows.append({
            **(prov.get("versions") or {}),
            "python": prov.get("python"), "host": prov.get("host"),
            "git_commit": (prov.get("git_commit") or "")[:12], "records": len(group),
            "first_start": group["started"].min(), "last_end": group["ended"].max(),
        })  # fmt: skip
    environments = pd.DataFrame(rows)
    for column in ("first_start", "last_end"):
        if column in environments:
            environments[column] = environments[column].map(format_time)
    return pd.DataFrame(runs), environments


Section = Callable[[ReportData, ReportWriter], str]
"""A report section: returns its HTML ('' leaves the section out), writing files through
the writer. Add a section by writing one and listing it in `SECTIONS`."""


def _kind(
    report: ReportData, writer: ReportWriter, kind: str, title: str, table_follows: bool = False
) -> str:
    """One of `ReportData`'s figure kinds (stem: the kind, ``-`` as ``_``), with its caption."""
    return writer.figure(lambda: report.figure(kind), kind.replace("-", "_"), title,
                         lambda: report.caption(kind), table_follows)  # fmt: skip


def trials_section(report: ReportData, writer: ReportWriter) -> str:
    return writer.table(report.status, "trials",
        "Trials per agent and env, all configs and statuses; "
        f"the figures use the base configs' done trials. {report.scope()}")  # fmt: skip


def curves_section(report: ReportData, writer: ReportWriter) -> str:
    return _kind(report, writer, "curves", "learning curves") + _kind(
        report, writer, "percentiles", "percentile bands"
    )


def seeds_section(report: ReportData, writer: ReportWriter) -> str:
    body = _kind(report, writer, "seeds", "final scores over seeds")
    comparison = report.comparison
    if comparison is not None:
        mean = comparison.agents[0].task_means[0]
        body += writer.table(
            per_env_frame(comparison),
            "per_env",
            f"Per env, {report.score()}: mean over seeds with its {mean.describe()}; "
            f"median, IQM, std over seeds. {report.scope()}",
        )
    return body


def aggregates_section(report: ReportData, writer: ReportWriter) -> str:
    body = _kind(report, writer, "aggregates", "aggregate metrics", table_follows=True)
    if report.aggregates:
        frame = aggregates_table(report.aggregates)
        body += writer.table(frame, "aggregates", report.caption("aggregates"),
                             view=aggregates_view(frame))  # fmt: skip
    return body + _kind(report, writer, "profiles", "performance profiles")


def comparisons_section(report: ReportData, writer: ReportWriter) -> str:
    comparison = report.comparison
    if comparison is None or not comparison.pairs:
        writer.remove_images("improvement")  # of an earlier report: stale now
        return ""
    body = _kind(report, writer, "improvement", "probability of improvement", True)
    body += writer.table(improvement_table(comparison), "improvement",
                         report.caption("improvement"))  # fmt: skip
    tests = tests_table(comparison)
    shown = reader_view(tests).drop(columns=["welch_t", "welch_p"])  # the CSV has them
    return body + writer.table(tests, "tests",
        "Per env: Welch's t-test (p Holm-adjusted over all pairs and envs; t and raw p in the "
        "CSV), Mann-Whitney U (p), Hedges' g (exact J) and Vargha-Delaney A of x vs y, on the "
        f"{report.score()}. {report.scope()}", view=shown)  # fmt: skip


def seeds_needed_section(report: ReportData, writer: ReportWriter) -> str:
    body = _kind(report, writer, "seed-split", "seed splits", table_follows=bool(report.splits))
    if report.splits:
        body += writer.table(seed_split_table(report.splits), "seed_split",
                             report.caption("seed-split"))  # fmt: skip
    has_power = bool(report.power and any(report.power.values()))
    body += _kind(report, writer, "power", "statistical power", table_follows=has_power)
    if has_power:
        body += writer.table(power_table(report.power), "power", report.caption("power"))
    return body


def sensitivity_section(report: ReportData, writer: ReportWriter) -> str:
    """The sensitivity figures, then the tables ``rlbench sensitivity`` prints."""
    from rlbench.sensitivity.views import sensitivity_views

    try:
        result = sensitivity_analysis(report.all_trials, report.options)
    except InputError as error:
        for stem, _, _ in SENSITIVITY_FIGURES:
            writer.remove_images(stem)  # of an earlier report: stale now
        return f"<p>No sensitivity analysis: {page.escape(error)}.</p>"
    figures = "".join(
        writer.figure(draw, stem, title, f"{caption} All configs, done trials.")
        for stem, title, caption, draw in sensitivity_figures(result, colors=report.colors)
    )
    tables = "".join(writer.view(view) for view in sensitivity_views(result))
    notes = "".join(f'<p class="note">{page.escape(n)}</p>' for n in result.notes)
    return figures + tables + notes


def sequential_section(report: ReportData, writer: ReportWriter) -> str:
    """A study with sequential seeds: its stages, decisions, statistics and boundaries."""
    from rlbench import sequential
    from rlbench.figures.sequential import stage_table, stages_figure

    state = sequential.read(report.results.path) if report.results.path.is_dir() else None
    if state is None:
        return ""
    note = sequential.caveat(state)
    return writer.figure(
        lambda: stages_figure(state), "sequential", "sequential stages",
        f"Stage by stage, per env: {note}. Dashed: AdaStop's rejection boundary; a question "
        "is decided when its statistic passes it.", table_follows=True,
    ) + writer.table(stage_table(state), "sequential", note, compact=False)  # fmt: skip


def cross_env_section(report: ReportData, writer: ReportWriter) -> str:
    """Several envs with configs shared across them: the performance-sensitivity plane."""
    from rlbench.figures.cross_env import applies, plane_figure
    from rlbench.figures.style import save_figure
    from rlbench.sensitivity.across_envs import across_envs

    trials, o = report.all_trials, report.options
    if trials["env"].nunique() < 2 or trials["config_id"].nunique() < 2:
        return ""
    try:
        frame = across_envs(trials, metric=o.metric, reps=o.reps, seed=o.seed,
                            confidence=o.confidence)  # fmt: skip
    except InputError as error:
        return f'<p class="note">No cross-env sensitivity: {page.escape(error)}</p>'
    if not applies(frame):
        return ""
    save_figure(plane_figure(frame), writer.out_dir / "cross_env_plane", writer.formats)
    html = page.figure("cross_env_plane", _plane_caption(frame, o), writer.formats,
                       "performance-sensitivity plane")  # fmt: skip
    shown = frame.copy()
    for column in ("cross_env_config", "tuned_hparams", "effective_hparams"):
        shown[column] = shown[column].map(lambda v: "-" if v is None else str(v))
    notes = "".join(f'<p class="note">{page.escape(n)}</p>' for n in frame.attrs["notes"])
    caption = "Cross-env sensitivity per agent: " + _plane_caption(frame, o)
    return html + writer.table(shown, "cross_env", caption) + notes


def _plane_caption(frame: pd.DataFrame, options: AnalysisOptions) -> str:
    return (
        f"Performance-sensitivity plane (Adkins, Bowling, White 2024) of {options.metric}, "
        "percentile normalisation per env (5th-95th percentile of all runs); crosses: "
        f"{frame.attrs['confidence']:.0%} percentile bootstrap CIs, seeds resampled within "
        f"each env and config, {options.reps} resamples, seed {options.seed}. Lines through "
        "the first agent; on its dashed unit line the cross-env tuned score equals its own."
    )


def tuning_section(report: ReportData, writer: ReportWriter) -> str:
    """A folder written by `rlbench tune`: its history, optimism and held-out curves."""
    if not (report.results.path / "tune.json").exists():
        return ""
    from rlbench.tune.report import tune_section

    return tune_section(report.results, writer.out_dir, writer.formats, writer.table)


def failures_section(report: ReportData, writer: ReportWriter) -> str:
    failed = report.all_trials[report.all_trials["status"] != "done"]
    if not len(failed):
        return ""
    frame = failed[["agent", "env", "perturbation", "seed", "status", "reason", "error"]].copy()
    frame["error"] = (
        frame["error"].fillna("").map(lambda e: str(e).splitlines()[0][:160] if e else "")
    )
    return writer.table(frame, "failures", "Trials not done (all configs); they are in no figure.")


def provenance_section(report: ReportData, writer: ReportWriter) -> str:
    runs, environments = provenance_tables(report.results)
    suite = report.results.path / "suite.yaml"
    text = suite.read_text() if suite.exists() else "(no suite.yaml in the results folder)"
    return (
        f"<h3>Suite</h3><pre>{page.escape(text)}</pre>"
        + "<h3>Runs</h3>" + writer.table(runs, "runs", "The runs recorded in manifest.json.")
        + "<h3>Software and machines</h3>"
        + writer.table(environments, "provenance",
                       "Distinct versions, Python, host and git commit found in the records, "
                       "with the records' start and end times.", view=_fields_as_rows(environments))
    )  # fmt: skip


def _fields_as_rows(frame: pd.DataFrame) -> pd.DataFrame | None:
    """A table of few rows and many columns, transposed: a row per field (None otherwise)."""
    if frame.empty or len(frame) > 3:
        return None
    view = frame.astype(object).where(frame.notna(), "").T.reset_index()
    view.columns = ["field", *[f"provenance {i + 1}" if len(frame) > 1 else "value"
                               for i in range(len(frame))]]  # fmt: skip
    return view.astype(str)


SECTIONS: tuple[tuple[str, Section], ...] = (
    ("Trials", trials_section),
    ("Learning curves", curves_section),
    ("Scores over seeds", seeds_section),
    ("Aggregate metrics", aggregates_section),
    ("Comparisons", comparisons_section),
    ("How many seeds", seeds_needed_section),
    ("Sensitivity", sensitivity_section),
    ("Sequential seeds", sequential_section),
    ("Cross-env sensitivity", cross_env_section),
    ("Tuning", tuning_section),
    ("Failures", failures_section),
    ("Provenance", provenance_section),
)
"""The report's sections in page order: ``(title, section)``."""
