"""Writes a report's files: figures that can be drawn, tables, and the HTML around them.

`ReportWriter` is what a report section uses: ``writer.figure(...)`` draws,
checks and saves one figure (or writes why not, and no image), and
``writer.table(...)`` writes a CSV and shows its reader's view. Sections are
functions ``(ReportData, ReportWriter) -> html`` (see `rlbench.report.sections.SECTIONS`).

A figure is not saved as an image when

* it cannot be drawn (its inputs raise `InputError`): the page says why;
* a panel's curves have a single x value (a dot, not a curve): the page says
  so and shows the numbers as a table instead.

Series drawn identical (the same numbers) are named in the caption, and every
``<figure>`` element carries what it shows as ``data-*`` attributes: the
series, the identical groups and the fewest distinct x values of a panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from rlbench.errors import InputError
from rlbench.figures.series import FigureFacts, figure_facts, series_table
from rlbench.figures.style import save_figure
from rlbench.report import html as page
from rlbench.report.tables import reader_view


class ReportWriter:
    """Writes figures and tables into one report folder.

    Args:
        out_dir: the report folder (created by the caller).
        formats: figure formats, ``png`` first (the page shows it).
    """

    def __init__(self, out_dir: Path, formats: Sequence[str]):
        self.out_dir = out_dir
        self.formats = tuple(formats)
        self.facts: dict[str, FigureFacts] = {}  # stem -> what the saved figure shows

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        caption: str,
        compact: bool = True,
        view: pd.DataFrame | None = None,
    ) -> str:
        """Writes ``name.csv`` (every column) and returns the HTML of what the page shows.

        Args:
            frame: the full table (the CSV).
            name: the CSV's file name without suffix.
            caption: the text below the table.
            compact: show `reader_view` of ``frame`` (estimate and CI in one cell).
            view: show this instead (e.g. the table transposed).
        """
        frame.to_csv(self.out_dir / f"{name}.csv", index=False)
        if view is not None:  # its own layout: no count of columns left out
            return page.table(view, caption, f"{name}.csv")
        view = reader_view(frame) if compact else frame
        return page.table(view, caption, f"{name}.csv", len(frame.columns))

    def view(self, view: Any) -> str:
        """Writes a table view's cells as ``name.csv`` and returns the HTML of the view.

        Args:
            view: a `rlbench.stats.views.TableView` (the terminal prints the same one).
        """
        view.frame.to_csv(self.out_dir / f"{view.name}.csv", index=False)
        title = f"<h3>{page.escape(view.title)}</h3>" if view.title else ""
        return title + page.table(view.frame, view.caption, f"{view.name}.csv")

    def remove_images(self, stem: str) -> None:
        """Removes ``stem``'s images written by an earlier report into this folder."""
        for suffix in sorted({"png", "pdf", "svg", *self.formats}):
            (self.out_dir / f"{stem}.{suffix}").unlink(missing_ok=True)

    def not_drawn(self, stem: str, title: str, reason: str) -> str:
        """The sentence instead of a figure (and no image file of ``stem``)."""
        self.remove_images(stem)
        return page.not_drawn(stem, title, reason)

    def figure(
        self,
        draw: Callable[[], Figure],
        stem: str,
        title: str,
        caption: str | Callable[[], str],
        table_follows: bool = False,
    ) -> str:
        """Draws, checks and saves one figure; returns its HTML (or the sentence why not).

        Args:
            draw: returns the figure; raises `InputError` when it cannot be drawn.
            stem: file name without suffix.
            title: what the figure is, in words (alt text, the not-drawn sentence).
            caption: the caption, or a function of no arguments returning it
                (called only once the figure is drawn).
            table_follows: the section shows the figure's numbers in a table
                after it (else a degenerate figure's points become one).
        """
        try:
            figure = draw()
        except InputError as error:
            return self.not_drawn(stem, title, str(error).rstrip("."))
        facts = figure_facts(figure)
        if facts.degenerate:
            return self._degenerate(figure, facts, stem, title, table_follows)
        text = caption() if callable(caption) else caption
        save_figure(figure, self.out_dir / stem, self.formats)
        self.facts[stem] = facts
        attributes = {
            "series": "|".join(facts.series),
            "identical": ";".join("=".join(group) for group in facts.identical),
            "fewest-x": "" if facts.fewest_x is None else facts.fewest_x,
        }
        full = f"{text} {facts.identical_text()}".strip()
        return page.figure(stem, full, self.formats, title, attributes)

    def _degenerate(
        self, figure: Figure, facts: FigureFacts, stem: str, title: str, table_follows: bool
    ) -> str:
        points = series_table(figure)
        plt.close(figure)
        panel, xlabel, value = facts.single_x or ("", "x", float("nan"))
        where = f"in {panel} " if panel else ""
        reason = (
            f"every curve {where}has a single x value ({xlabel or 'x'} = {value:g}), a dot "
            "rather than a curve; "
            + ("the numbers are in the table below." if table_follows else "its points:")
        )
        html = self.not_drawn(stem, title, reason)
        if not table_follows:
            html += self.table(points, f"{stem}_points", f"The points of the {title}.",
                               compact=False)  # fmt: skip
        return html
