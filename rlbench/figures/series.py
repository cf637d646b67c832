"""The data series of a drawn figure: tagged lines, identical series, distinct x values.

Plotting functions tag each line that stands for one named series (an agent's
mean curve, ECDF, power curve, ...) with `tag`. From the tags,
`separate_identical` redraws series whose points coincide exactly (e.g. ARS V1
and V1-t when ``top_directions == n_directions``) with complementary dashes, so
that every legend entry stays visible, and `figure_facts` tells the report what
a figure shows: its series, which of them are identical, and the fewest distinct
x values of a panel (one value means a dot, not a curve: the report then writes
a sentence and a table instead of an image).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

PREFIX = "series:"
DASH_IN_POINTS = 3.0  # one dash; identical series take turns along the line


def tag(line: Line2D, name: str) -> Line2D:
    """Marks ``line`` as the series ``name`` (its gid) and returns it."""
    line.set_gid(PREFIX + name)
    return line


def _tagged(axis: Axes) -> list[tuple[str, Line2D]]:
    out = []
    for line in axis.get_lines():
        gid = line.get_gid() or ""
        if gid.startswith(PREFIX):
            out.append((gid[len(PREFIX) :], line))
    return out


def _points(line: Line2D) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(line.get_xdata(), dtype=np.float64)
    y = np.asarray(line.get_ydata(), dtype=np.float64)
    return x, y


def _identical_in(axis: Axes) -> list[tuple[str, ...]]:
    """Groups (in drawing order) of this panel's series with exactly the same points."""
    groups: list[list[str]] = []
    keys: list[tuple[np.ndarray, np.ndarray]] = []
    for name, line in _tagged(axis):
        x, y = _points(line)
        for group, (gx, gy) in zip(groups, keys, strict=True):
            if (gx.shape == x.shape and np.array_equal(gx, x, equal_nan=True)
                    and np.array_equal(gy, y, equal_nan=True)):  # fmt: skip
                if name not in group:
                    group.append(name)
                break
        else:
            groups.append([name])
            keys.append((x, y))
    return [tuple(g) for g in groups if len(g) > 1]


def identical_groups(figure: Figure) -> list[tuple[str, ...]]:
    """Groups of series identical in at least one panel, each once, in drawing order."""
    seen: dict[tuple[str, ...], None] = {}
    for axis in figure.axes:
        for group in _identical_in(axis):
            seen.setdefault(group, None)
    return list(seen)


def separate_identical(figure: Figure, linestyles: Mapping[str, Any]) -> dict[str, Any]:
    """Redraws identical series with complementary dashes over the first one.

    In a group of n identical series the first keeps its style and the i-th
    (i >= 1) shows only every n-th dash, shifted by i dashes, so along the line
    the colours take turns and each series is seen. Applied to the series in
    every panel, so the legend (built from the returned styles) matches.

    Args:
        figure: a drawn figure with tagged series.
        linestyles: ``{series: linestyle}`` used so far.

    Returns:
        The linestyles with the dashed series replaced (pass them to the legend).
    """
    styles = dict(linestyles)
    for group in identical_groups(figure):
        period = DASH_IN_POINTS * len(group)
        for position, name in enumerate(group[1:], start=1):
            offset = period - DASH_IN_POINTS * position  # into the pattern: a later dash slot
            styles[name] = (offset, (DASH_IN_POINTS, period - DASH_IN_POINTS))
    for axis in figure.axes:
        for name, line in _tagged(axis):
            if styles.get(name) != linestyles.get(name):
                line.set_linestyle(styles[name])
                line.set_zorder(line.get_zorder() + 0.1)
    return styles


@dataclass(frozen=True)
class FigureFacts:
    """What a drawn figure shows, for the report's captions and checks.

    Attributes:
        series: the tagged series' names, each once, in drawing order.
        identical: groups of series with exactly the same points in a panel.
        fewest_x: the fewest distinct x values of any panel with series
            (None when the figure has no tagged series: bars, heatmaps).
        single_x: ``(panel title, x label, the x value)`` of a panel with one.
    """

    series: tuple[str, ...]
    identical: tuple[tuple[str, ...], ...]
    fewest_x: int | None
    single_x: tuple[str, str, float] | None

    @property
    def degenerate(self) -> bool:
        """True when a panel's curves have a single x value: draw no curve then."""
        return self.fewest_x is not None and self.fewest_x < 2

    def identical_text(self) -> str:
        """The caption's sentence on identical series ('' when there are none)."""
        if not self.identical:
            return ""
        parts = [" = ".join(group) for group in self.identical]
        return (
            f"Identical series (the same numbers): {'; '.join(parts)}; each later one is "
            "drawn dashed over the first, so both colours show."
        )


def figure_facts(figure: Figure) -> FigureFacts:
    """The `FigureFacts` of a drawn figure, from its tagged series."""
    names: dict[str, None] = {}
    fewest: int | None = None
    single = None
    for axis in figure.axes:
        tagged = _tagged(axis)
        if not tagged:
            continue
        xs = [x for _, line in tagged for x in _points(line)[0] if np.isfinite(x)]
        distinct = np.unique(np.asarray(xs, dtype=np.float64))
        for name, _ in tagged:
            names.setdefault(name, None)
        if fewest is None or distinct.size < fewest:
            fewest = int(distinct.size)
            if distinct.size == 1:
                single = (axis.get_title(), axis.get_xlabel(), float(distinct[0]))
    return FigureFacts(tuple(names), tuple(identical_groups(figure)), fewest, single)


def series_table(figure: Figure) -> pd.DataFrame:
    """Every tagged series' points: one row per (panel, series, x) with its y.

    Returns:
        Columns ``panel, series, x, y`` (the axes' labels say what x and y are).
    """
    rows: list[dict[str, object]] = []
    for axis in figure.axes:
        for name, line in _tagged(axis):
            x, y = _points(line)
            rows.extend({"panel": axis.get_title(), "series": name, "x": a, "y": b}
                        for a, b in zip(x, y, strict=True))  # fmt: skip
    return pd.DataFrame(rows)
