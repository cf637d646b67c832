"""The analysis options as typer options: help and defaults from `AnalysisOptions`.

A command declares ``metric: Metric = DEFAULTS.metric`` and builds its
`AnalysisOptions` from what it was given; nothing here restates a default,
a help text or a check.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rlbench.analysis_options import help_of

Metric = Annotated[str, typer.Option(help=help_of("metric"))]
Stat = Annotated[str, typer.Option(help=help_of("stat"))]
Reps = Annotated[int, typer.Option(help=help_of("reps"))]
Seed = Annotated[int, typer.Option(help=help_of("seed"))]
Confidence = Annotated[float, typer.Option(help=help_of("confidence"))]
Failed = Annotated[str, typer.Option("--failed", help=help_of("failed"))]
NanPolicy = Annotated[str, typer.Option(help=help_of("nan_policy"))]
Configs = Annotated[str, typer.Option(help=help_of("configs"))]
