"""``rlbench sensitivity``: hyperparameter sensitivity of a results folder.

Registered in ``rlbench.cli``. Loads the trials with ``rlbench.load(path)``,
calls `rlbench.sensitivity.analyse` with the command's `AnalysisOptions` and
prints its table views (`rlbench.sensitivity.views`), or JSON with ``--json``;
every table's caption states the CI method, resamples, seed and seeds used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rlbench.analysis_options import DEFAULTS, AnalysisOptions
from rlbench.commands.options import Confidence, Metric, Reps, Seed, Stat


def sensitivity_command(
    path: Annotated[
        Path,
        typer.Argument(help="Results folder (or runs table) of a suite with a perturbation plan."),
    ],
    metric: Metric = DEFAULTS.metric,
    stat: Stat = DEFAULTS.stat,
    reps: Reps = DEFAULTS.reps,
    seed: Seed = DEFAULTS.seed,
    confidence: Confidence = DEFAULTS.confidence,
    tuning_seeds: Annotated[
        int | None,
        typer.Option(help="Seeds to choose the best config on (default: half); the rest held out."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not tables.")] = False,
    across_envs: Annotated[
        bool,
        typer.Option(
            "--across-envs",
            help="Cross-env sensitivity (Adkins et al. 2024): per-env vs cross-env tuning.",
        ),
    ] = False,
    normalize: Annotated[
        str, typer.Option(help="With --across-envs: percentile, reference or none.")
    ] = "percentile",
    target: Annotated[
        float, typer.Option(help="With --across-envs: share of per-env tuned for effective dim.")
    ] = 0.95,
) -> None:
    """Hyperparameter sensitivity: curves, success rates, tunability, importance, robustness."""
    import rlbench
    from rlbench.commands.render import print_views
    from rlbench.sensitivity import analyse
    from rlbench.sensitivity.views import sensitivity_views

    options = AnalysisOptions(metric=metric, stat=stat, reps=reps, seed=seed,
                              confidence=confidence)  # fmt: skip
    if across_envs:
        from rlbench.commands.across_envs_cmd import across_envs_command

        across_envs_command(path, options, normalize, target, json_output)
        return
    result = analyse(rlbench.load(path).trials, tuning_seeds=tuning_seeds, options=options)
    if json_output:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    print_views(sensitivity_views(result), result.notes)
