"""``rlbench import``: other tools' logs into an rlbench import folder (see `rlbench.importers`).

Registered in ``rlbench.cli``; pandas and the readers are imported inside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def import_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="rl-baselines3-zoo logs folder, SB3 Monitor file(s) or TensorBoard run folder(s)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="New folder to write (trials.csv, curves.csv).")],
    format: Annotated[
        str, typer.Option("--format", help="auto, zoo, monitor or tensorboard.")
    ] = "auto",
    tag: Annotated[
        str, typer.Option(help="TensorBoard: the scalar tag to import.")
    ] = "eval/mean_reward",
    agent: Annotated[
        str | None, typer.Option(help="Agent name (default: the zoo's algo, else 'unknown').")
    ] = None,
    env: Annotated[str | None, typer.Option(help="Env name (default: from the source).")] = None,
    every: Annotated[
        int | None, typer.Option(help="Step grid spacing [default: the median logging gap].")
    ] = None,
    until: Annotated[
        int | None, typer.Option(help="Use only what runs logged up to this env step.")
    ] = None,
) -> None:
    """Import runs of another tool; every analysis command then reads OUT."""
    from rlbench.importers import import_runs

    path, n = import_runs(source, out, format, tag, agent, env, every, until)
    typer.echo(f"imported {n} runs into {path}", err=True)
