"""The HTML report of a results folder.

`build_report` writes every figure (PNG + PDF), every table (CSV) and
``index.html``, from the inputs that `rlbench.figures.report_data.ReportData`
prepares (re-exported here with `Options` and `KINDS`).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pandas as pd

from rlbench.errors import InputError
from rlbench.figures import html as page
from rlbench.figures.report_data import (  # noqa: F401  # re-exported: the report's API
    KINDS,
    PER_SEED_LINES_MAX,
    Options,
    ReportData,
    sensitivity_figures,
)
from rlbench.figures.style import save_figure
from rlbench.figures.tables import (
    aggregates_table,
    improvement_table,
    per_env_table,
    power_table,
    seed_split_table,
    tests_table,
)
from rlbench.store import Results


def _time(stamp: object) -> str:
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
            "command": run.get("command"), "started": _time(run.get("started")),
            "ended": _time(run.get("ended")), "trials": run.get("trials"),
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
            environments[column] = environments[column].map(_time)
    return pd.DataFrame(runs), environments


def build_report(
    path: Path | str,
    out: Path | str | None = None,
    options: Options | None = None,
    formats: tuple[str, ...] = ("png", "pdf"),
) -> Path:
    """Writes the report of a results folder: ``index.html``, figures and CSV tables.

    Args:
        path: the results folder.
        out: the report folder (default ``path/report``).
        options: metric, resamples, seed, confidence level (default `Options()`).
        formats: figure formats (PNG is always written: the page shows it).

    Returns:
        The path of ``index.html``.

    Raises:
        InputError: not a results folder, or no records.
    """
    from rlbench.store import load

    options = options or Options()
    results = load(path)
    out_dir = Path(out) if out is not None else results.path / "report"
    if out is None and results.path.is_file():  # a runs table: the report goes beside it
        out_dir = results.path.with_name(f"{results.path.stem}-report")
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
    from rlbench.figures.cross_env import cross_env_section

    cross_env = cross_env_section(report.all_trials, out_dir, formats, write_table,
                                  options.metric, options.reps, options.seed)  # fmt: skip
    if cross_env is not None:  # several envs with configs shared across them
        sections.append(("Cross-env sensitivity", cross_env))
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
