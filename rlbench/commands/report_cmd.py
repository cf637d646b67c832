"""``rlbench report`` and ``rlbench plot``: typer commands over a results folder.

Registered in ``rlbench.cli``. Matplotlib and pandas are imported inside the
commands, so ``rlbench --help`` stays light.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from rlbench.analysis_options import DEFAULTS, AnalysisOptions
from rlbench.commands.options import Confidence, Metric, Reps, Seed
from rlbench.errors import InputError


class PlotKind(str, Enum):
    curves = "curves"
    percentiles = "percentiles"
    seeds = "seeds"
    aggregates = "aggregates"
    profiles = "profiles"
    improvement = "improvement"
    seed_split = "seed-split"
    power = "power"
    sensitivity = "sensitivity"


def report_command(
    path: Annotated[Path, typer.Argument(help="Results folder or runs table (CSV, parquet).")],
    out: Annotated[Path | None, typer.Option(help="Report folder (default: PATH/report).")] = None,
    metric: Metric = DEFAULTS.metric,
    reps: Reps = DEFAULTS.reps,
    seed: Seed = DEFAULTS.seed,
    confidence: Confidence = DEFAULTS.confidence,
) -> None:
    """Write an HTML report (index.html, figures as PNG and PDF, tables as CSV)."""
    from rlbench.report import build_report

    options = AnalysisOptions(metric=metric, reps=reps, seed=seed, confidence=confidence)
    index = build_report(path, out, options)
    typer.echo(f"wrote {index}", err=True)


def plot_command(
    path: Annotated[Path, typer.Argument(help="Results folder or runs table (CSV, parquet).")],
    kind: Annotated[PlotKind, typer.Option("--kind", help="Which figure.")],
    env: Annotated[str | None, typer.Option(help="Only this env (default: all).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output file; its suffix picks the format (default PATH/report/KIND.png)."
        ),
    ] = None,
    metric: Metric = DEFAULTS.metric,
    reps: Reps = DEFAULTS.reps,
    seed: Seed = DEFAULTS.seed,
    confidence: Confidence = DEFAULTS.confidence,
) -> None:
    """Draw one figure of a results folder, in any format matplotlib writes."""
    import matplotlib

    from rlbench.figures.series import figure_facts
    from rlbench.figures.style import save_figure
    from rlbench.folder import ensure_dir
    from rlbench.report.data import ReportData
    from rlbench.store import load

    options = AnalysisOptions(metric=metric, reps=reps, seed=seed, confidence=confidence)
    if out is None:
        name = kind.value.replace("-", "_") + (f"_{env.replace('/', '_')}" if env else "")
        folder = path.with_name(f"{path.stem}-report") if path.is_file() else path / "report"
        out = folder / f"{name}.png"
    suffix = out.suffix.lstrip(".").lower()
    supported = matplotlib.figure.Figure().canvas.get_supported_filetypes()
    if suffix not in supported:
        raise InputError(
            f"--out {out}: unknown figure format {suffix or '(none)'!r}; "
            f"use one of {', '.join(sorted(supported))}"
        )
    figure = ReportData(load(path), options, env).figure(kind.value)
    facts = figure_facts(figure)
    if facts.degenerate:
        import matplotlib.pyplot as plt

        plt.close(figure)
        panel, xlabel, value = facts.single_x or ("", "x", float("nan"))
        raise InputError(
            f"--kind {kind.value}: every curve in {panel or 'a panel'} has a single x value "
            f"({xlabel} = {value:g}), a dot rather than a curve; nothing written "
            "(`rlbench report` shows these numbers as a table)"
        )
    ensure_dir(out.parent, "figure's folder")
    save_figure(figure, out.with_suffix(""), (out.suffix.lstrip("."),))
    typer.echo(f"wrote {out}", err=True)
