"""House style of rlbench's figures: one colour per agent, paper-sized panels.

Every figure is sized for a single-column paper (3.5 in wide per panel row
of one, about 2.3 in per panel in a grid) with fonts of 7-8 pt, uses
``constrained_layout`` and puts its legend below the axes, so that labels do not
overlap with many agents or envs. Agents get their colour from their position
in the sorted list of all agents of a results folder (Okabe & Ito 2008's
colour-blind-safe palette), so an agent has the same colour in every figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files and notebooks only

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe-Ito colours; agent i (sorted) gets ``PALETTE[i % 8]``."""
LINESTYLES = ("-", "--", ":", "-.")
"""Beyond 8 agents colours repeat; the linestyle tells the cycles apart."""
SINGLE_COLUMN_IN = 3.5
PANEL_WIDTH_IN = 2.3
PANEL_HEIGHT_IN = 1.75
MAX_COLUMNS = 3
LEGEND_COLUMNS = 4
SAVE_DPI = 200  # PNG pixels: a 3.5 in figure is 700 px wide, sharp on a laptop screen

RC: dict[Any, Any] = {
    "font.size": 7.5,
    "axes.titlesize": 8,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "figure.titlesize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.4,
    "lines.linewidth": 1.2,
    "legend.frameon": False,
    "pdf.fonttype": 42,  # embedded TrueType: text stays editable and searchable
    "figure.dpi": 100,
}


def agent_colors(agents: Iterable[str]) -> dict[str, str]:
    """``{agent: colour}``: the i-th agent in sorted order gets ``PALETTE[i % 8]``."""
    return {agent: PALETTE[i % len(PALETTE)] for i, agent in enumerate(sorted(set(agents)))}


def agent_linestyles(agents: Iterable[str]) -> dict[str, str]:
    """``{agent: linestyle}``: solid for the first 8 sorted agents, then dashed, ..."""
    ordered = sorted(set(agents))
    return {a: LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)] for i, a in enumerate(ordered)}


def resolve_colors(agents: Iterable[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """The given colours, completed with the next palette colours for agents they lack."""
    agents = list(agents)
    if colors is None:
        return agent_colors(agents)
    out = dict(colors)
    for i, agent in enumerate(sorted(set(agents) - set(colors))):
        out[agent] = PALETTE[(len(colors) + i) % len(PALETTE)]
    return out


@contextmanager
def paper_style() -> Iterator[None]:
    """rcParams of rlbench's figures, for the duration of the block."""
    with plt.rc_context(RC):
        yield


def grid_shape(n_panels: int, max_columns: int = MAX_COLUMNS) -> tuple[int, int]:
    """(rows, columns) of a facet grid of ``n_panels``."""
    columns = max(1, min(n_panels, max_columns))
    return math.ceil(max(n_panels, 1) / columns), columns


def figure_size(rows: int, columns: int, height: float = PANEL_HEIGHT_IN) -> tuple[float, float]:
    """Inches: one column is single-column wide; a grid is about 2.3 in per panel."""
    width = SINGLE_COLUMN_IN if columns == 1 else PANEL_WIDTH_IN * columns
    return width, height * rows + 0.5  # + room for the legend below


def facet_figure(n_panels: int, height: float = PANEL_HEIGHT_IN, sharey: bool = False):
    """A figure with a grid of ``n_panels`` axes (unused cells removed).

    Returns:
        ``(figure, axes)``, ``axes`` a list of ``n_panels`` Axes in reading order.
    """
    rows, columns = grid_shape(n_panels)
    figure = plt.figure(figsize=figure_size(rows, columns, height), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False, sharey=sharey)
    axes = list(grid.ravel())
    for extra in axes[n_panels:]:
        extra.remove()
    return figure, axes[:n_panels]


def legend_below(
    figure: Figure,
    agents: Sequence[str],
    colors: Mapping[str, str],
    linestyles: Mapping[str, Any] | None = None,
    extra: Sequence[tuple[Artist, str]] = (),
) -> None:
    """One legend for the whole figure, below the axes, a line per agent."""
    handles: list[Any] = [
        Line2D([], [], color=colors[a], linestyle=(linestyles or {}).get(a, "-"), linewidth=1.5)
        for a in agents
    ]
    labels = list(agents)
    for handle, label in extra:
        handles.append(handle)
        labels.append(label)
    if handles:
        # long labels (e.g. "agent[step_size=0.02,noise=0.01]") get fewer columns, and
        # the figure grows by the legend's extra rows so the axes keep their height
        ncols = max(1, min(len(handles), LEGEND_COLUMNS, 84 // (max(map(len, labels)) + 6)))
        rows = -(-len(handles) // ncols)
        if rows > 2:
            figure.set_figheight(figure.get_figheight() + 0.16 * (rows - 2))
        figure.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=ncols,
            handlelength=1.8,
            columnspacing=1.2,
        )


def _steps_text(value: float, _position: object = None) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def format_steps(axis, steps: Iterable[float] = ()) -> None:
    """Env steps on the x axis as 0, 5k, 10k, 1M; ticks at the steps when there are few."""
    axis.xaxis.set_major_formatter(FuncFormatter(_steps_text))
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, integer=True))
    ticks_at_data(axis, steps, max_ticks=5)


def ticks_at_data(axis, values: Iterable[float], max_ticks: int = 8) -> None:
    """X ticks at the data's distinct values when there are at most ``max_ticks``.

    An axis never shows ticks finer than its data: 2 and 3 seeds per group get
    the ticks 2 and 3, not 2.0, 2.25, 2.5. With more values the axis' locator
    stays (its ticks are then coarser than the data).
    """
    distinct = sorted({float(v) for v in values if math.isfinite(float(v))})
    if 0 < len(distinct) <= max_ticks:
        axis.set_xticks(distinct)
        axis.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def save_figure(figure: Figure, stem: Path, formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """Writes ``stem.<format>`` for each format and closes the figure.

    Returns:
        The written paths.
    """
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    try:
        for suffix in formats:
            path = stem.with_name(f"{stem.name}.{suffix}")
            figure.savefig(path, dpi=SAVE_DPI, bbox_inches="tight")
            paths.append(path)
    finally:
        plt.close(figure)
    return paths
