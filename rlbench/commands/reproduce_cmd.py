"""``rlbench reproduce``: one command per paper result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rlbench.errors import InputError


def reproduce_command(
    name: Annotated[Optional[str], typer.Argument(help="Reproduction (see --list).")] = None,  # noqa: UP045
    scale: Annotated[
        str,
        typer.Option(help="smoke (CI, minutes), small (laptop, < 1 h) or full (paper, cluster)."),
    ] = "small",
    out: Annotated[
        Path | None, typer.Option(help="Results folder [default: results/reproduce/NAME-SCALE].")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Parallel trials [default: CPU count].")
    ] = None,
    executor: Annotated[str, typer.Option(help="local or ray.")] = "local",
    address: Annotated[Optional[str], typer.Option(help="Ray cluster address.")] = None,  # noqa: UP045
    list_: Annotated[
        bool, typer.Option("--list", help="List the reproductions and their scales.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    allow_changed_suite: Annotated[
        bool,
        typer.Option(
            help="Accept a reproduction whose suite changed since OUT was written (another "
            "rlbench version): OUT's old records move into OUT/superseded/."
        ),
    ] = False,
) -> None:
    """Reproduce a paper's table or figure; writes comparison.md/.csv and a report."""
    from rich.console import Console

    from rlbench import reproduce

    console = Console(highlight=False)
    if list_ or name is None:
        from rich.table import Table

        table = Table(show_lines=True)
        table.add_column("name", no_wrap=True)
        for column in ("reproduces", "smoke", "small", "full"):
            table.add_column(column)
        for item in reproduce.describe():
            table.add_row(
                item["name"],
                item["title"],
                item.get("smoke", ""),
                item.get("small", ""),
                item.get("full", ""),
            )
        console.print(table)
        if name is None and not list_:
            raise InputError("name a reproduction (rlbench reproduce --list shows them)")
        return
    result = reproduce.reproduce(
        name, scale, out, workers=workers, executor=executor, address=address,
        progress=progress, allow_changed_suite=allow_changed_suite,
    )  # fmt: skip
    from rich.markdown import Markdown

    console.print(Markdown((result.path / "comparison.md").read_text()))
    console.print(
        f"wrote {result.path / 'comparison.md'} and comparison.csv"
        + (f"; report: {result.report}" if result.report else "")
    )
    raise typer.Exit(result.exit_code)
