"""The one terminal printer of table views (rich), and the notes after them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def console(stderr: bool = False) -> Any:
    """A rich console that prints labels such as ``ars[lr=1]`` as they are (no markup)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False)


def print_views(views: Sequence[Any], notes: Iterable[str] = ()) -> None:
    """Prints each `rlbench.stats.views.TableView` as a rich table, then ``note:`` lines."""
    from rich.table import Table

    out = console()
    for view in views:
        table = Table(title=view.title, caption=view.caption or None)
        for column in view.frame.columns:
            table.add_column(str(column))
        for row in view.frame.itertuples(index=False):
            table.add_row(*(str(cell) for cell in row))
        out.print(table)
    for note in notes:
        out.print(f"note: {note}")
