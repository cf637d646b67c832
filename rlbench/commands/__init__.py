"""CLI commands kept outside ``rlbench.cli`` to keep that module short.

Modules here import only typer (and rlbench.errors) at import time, so that
``rlbench --help`` stays fast; the work is imported inside each command.
"""

from typing import Annotated

import typer


def format_ci(interval: object) -> str:
    """``estimate [lower, upper]`` of an Interval, ``-`` for none."""
    if interval is None:
        return "-"
    return f"{interval.estimate:.3g} [{interval.lower:.3g}, {interval.upper:.3g}]"  # type: ignore[attr-defined]


MetricOpt = Annotated[str, typer.Option(help="Score column: final_return, auc or best_return.")]
RepsOpt = Annotated[int, typer.Option(help="Bootstrap resamples of every CI.")]
SeedOpt = Annotated[int, typer.Option(help="Seed of the bootstrap resamples.")]
ConfidenceOpt = Annotated[float, typer.Option(help="Confidence level of the intervals.")]
FailedOpt = Annotated[
    str,
    typer.Option(
        "--failed",
        help="worst: a failed run scores its env's lowest observed score and ranks last "
        "(default); exclude: compare the survivors only (failed runs counted, not scored).",
    ),
]
