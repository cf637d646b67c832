"""``rlbench tune``: tune an agent on tuning seeds, retest on disjoint test seeds.

Registered in ``rlbench.cli``; Optuna is imported inside the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from rlbench.errors import InputError


def tune_command(
    suite: Annotated[str, typer.Argument(help="Suite file (.yaml) with a tune: section.")],
    out: Annotated[
        Optional[Path],  # noqa: UP045  # typer needs Optional on 3.10
        typer.Option(help="Results folder [default: results/<suite name>]."),
    ] = None,
    workers: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Parallel trials [default: CPU count]; never changes a result."),
    ] = None,
    executor: Annotated[str, typer.Option(help="local (process pool) or ray.")] = "local",
    address: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Ray cluster address (with --executor ray)."),
    ] = None,
    trial_timeout: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(min=0.001, help="Seconds before a trial is stopped and recorded failed."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary (tune.json) on stdout.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Report progress on stderr.")] = True,
) -> None:
    """Tune a suite's agent (resumable): Optuna on tuning seeds, retest on test seeds."""
    from rlbench.spec import load_suite
    from rlbench.tune.results import print_summary
    from rlbench.tune.run import run_tune

    if executor not in ("local", "ray"):
        raise InputError(f"--executor: unknown executor {executor!r}; executors are local, ray")
    outcome = run_tune(
        load_suite(suite), out, workers=workers, executor=executor, address=address,
        trial_timeout=trial_timeout, progress=progress and not as_json,
    )  # fmt: skip
    if outcome.interrupted:
        typer.echo("interrupted: finished trials are kept; run the same command to resume",
                   err=True)  # fmt: skip
    elif as_json:
        typer.echo(json.dumps(outcome.summary, indent=1))
    else:
        print_summary(outcome.summary)
        typer.echo(f"{outcome.path}: ran {outcome.ran} trials; summary in "
                   f"{outcome.path / 'tune.json'}", err=True)  # fmt: skip
    raise typer.Exit(outcome.exit_code)
