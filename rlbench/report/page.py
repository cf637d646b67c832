"""`build_report`: a results folder's report, ``index.html`` with its figures and tables.

The page is the `rlbench.report.sections.SECTIONS` in order, computed under one
`AnalysisOptions`; figures are written as PNG (and PDF), tables as CSV.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

from rlbench.analysis_options import AnalysisOptions
from rlbench.report import html as page
from rlbench.report.data import ReportData
from rlbench.report.sections import SECTIONS, Section, format_time
from rlbench.report.writer import ReportWriter
from rlbench.store import Results


def build_report(
    path: Path | str,
    out: Path | str | None = None,
    options: AnalysisOptions | None = None,
    formats: tuple[str, ...] = ("png", "pdf"),
    sections: Sequence[tuple[str, Section]] = SECTIONS,
) -> Path:
    """Writes the report of a results folder: ``index.html``, figures and CSV tables.

    Args:
        path: the results folder.
        out: the report folder (default ``path/report``).
        options: metric, resamples, seed, confidence level (default `AnalysisOptions()`).
        formats: figure formats (PNG is always written: the page shows it).
        sections: ``(title, section)`` in page order (default `SECTIONS`).

    Returns:
        The path of ``index.html``.

    Raises:
        InputError: not a results folder, or no records.
    """
    from rlbench.folder import ensure_dir
    from rlbench.store import load

    options = options or AnalysisOptions()
    results = load(path)
    out_dir = Path(out) if out is not None else results.path / "report"
    if out is None and results.path.is_file():  # a runs table: the report goes beside it
        out_dir = results.path.with_name(f"{results.path.stem}-report")
    out_dir = ensure_dir(out_dir, "report")
    report = ReportData(results, options)
    writer = ReportWriter(out_dir, ("png", *[f for f in formats if f != "png"]))
    bodies = [(title, section(report, writer)) for title, section in sections]
    n_done = int((report.all_trials["status"] == "done").sum())
    intro = (
        f'<p class="summary">Results folder <code>{page.escape(results.path)}</code>: '
        f"{report.all_trials['agent'].nunique()} agents, {report.all_trials['env'].nunique()} "
        f"envs, {len(report.all_trials)} trials ({n_done} done). Score: {report.score()}. "
        f"Intervals: {options.confidence:.0%} percentile bootstrap CIs, {options.reps} resamples, "
        f"seed {options.seed}; each caption names its method and seeds. Generated "
        f"{format_time(datetime.datetime.now().timestamp())}.</p>"
        + "".join(f'<p class="note">{page.escape(n)}</p>' for n in dict.fromkeys(report.notes))
    )
    title = f"rlbench report: {_suite_name(results)}"
    index = out_dir / "index.html"
    index.write_text(page.page(title, intro, [(t, b) for t, b in bodies if b]), encoding="utf-8")
    return index


def _suite_name(results: Results) -> str:
    suite = results.path / "suite.yaml"
    if suite.exists():
        for line in suite.read_text().splitlines():
            if line.startswith("name:"):
                return line.split(":", 1)[1].strip()
    return results.path.name
