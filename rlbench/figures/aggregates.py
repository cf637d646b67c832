"""Aggregate metrics with CIs (rliable's interval plot) and performance profiles.

Both draw `rlbench.stats` results as they are: `Interval` objects from
`aggregate_intervals` / `compare`, and `Profile` objects from
`performance_profile` (Agarwal et al. 2021, Fig. 9 and Sec. 4.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from rlbench.defaults import CONFIDENCE
from rlbench.figures.series import separate_identical, tag
from rlbench.figures.style import (
    SINGLE_COLUMN_IN,
    agent_linestyles,
    facet_figure,
    legend_below,
    paper_style,
    resolve_colors,
)
from rlbench.stats import Interval, Profile

STATISTIC_TITLES = {
    "iqm": "IQM",
    "mean": "Mean",
    "median": "Median",
    "optimality_gap": "Optimality gap",
}


def plot_aggregates(
    panels: Mapping[str, Mapping[str, Sequence[Interval]]],
    colors: Mapping[str, str] | None = None,
    xlabel: str = "score",
) -> Figure:
    """Aggregate estimates with CIs: a column per statistic, a row per agent.

    Args:
        panels: ``{panel title: {agent: (Interval, ...)}}`` (e.g.
            `rlbench.figures.data.aggregate_panels`); one row of axes per panel
            (the envs, or all envs normalised).
        colors: ``{agent: colour}``.
        xlabel: the score's name and unit, e.g. "normalised score" or "final return".

    Returns:
        The figure: ``len(panels) x n_statistics`` Axes; per Axes one CI bar and
        one estimate tick per agent.
    """
    titles = list(panels)
    agents = sorted({agent for panel in panels.values() for agent in panel})
    colors = resolve_colors(agents, colors)
    statistics = []
    for panel in panels.values():
        for intervals in panel.values():
            for interval in intervals:
                if interval.statistic not in statistics:
                    statistics.append(interval.statistic)
    columns = max(1, len(statistics))
    row_height = 0.22 * len(agents) + 0.55
    width = max(SINGLE_COLUMN_IN, 1.55 * columns + 0.6)
    with paper_style():
        figure = plt.figure(figsize=(width, row_height * len(titles) + 0.5), layout="constrained")
        grid = figure.subplots(max(1, len(titles)), columns, squeeze=False)
        for row, title in enumerate(titles):
            for column, statistic in enumerate(statistics):
                axis = grid[row, column]
                for position, agent in enumerate(reversed(agents)):
                    found = [i for i in panels[title].get(agent, ()) if i.statistic == statistic]
                    if not found:
                        continue
                    interval = found[0]
                    axis.barh(position, interval.upper - interval.lower, left=interval.lower,
                              height=0.6, color=colors[agent], alpha=0.75)  # fmt: skip
                    axis.vlines(interval.estimate, position - 0.35, position + 0.35,
                                color="0.1", linewidth=1.2)  # fmt: skip
                axis.set_yticks(
                    range(len(agents)),
                    list(reversed(agents)) if column == 0 else [""] * len(agents),
                )
                axis.grid(axis="y", visible=False)
                axis.set_ylim(-0.6, len(agents) - 0.4)
                name = STATISTIC_TITLES.get(statistic, statistic)
                axis.set_title(name if len(titles) == 1 else f"{name}: {title}", fontsize=7.5)
                axis.locator_params(axis="x", nbins=4)
                if row == len(titles) - 1:
                    axis.set_xlabel(xlabel)
        if len(titles) == 1 and titles:
            figure.suptitle(titles[0])
    return figure


def plot_profiles(
    panels: Mapping[str, Mapping[str, Profile]],
    colors: Mapping[str, str] | None = None,
    xlabel: str = "score τ",
) -> Figure:
    """Performance profiles with pointwise CI bands, one panel per entry.

    Args:
        panels: ``{panel title: {agent: Profile}}`` (e.g.
            `rlbench.figures.data.profile_panels`).
        colors: ``{agent: colour}``; xlabel: the score's name and unit.

    Returns:
        The figure: one Axes per panel, one line and band per agent.
    """
    titles = list(panels)
    agents = sorted({agent for panel in panels.values() for agent in panel})
    colors = resolve_colors(agents, colors)
    styles = agent_linestyles(colors)
    confidence = next(
        (p.confidence for panel in panels.values() for p in panel.values()), CONFIDENCE
    )
    with paper_style():
        figure, axes = facet_figure(len(titles))
        for axis, title in zip(axes, titles, strict=True):
            for agent, profile in sorted(panels[title].items()):
                color = colors[agent]
                axis.fill_between(profile.taus, profile.lower, profile.upper, color=color,
                                  alpha=0.2, lw=0)  # fmt: skip
                tag(axis.plot(profile.taus, profile.fraction, color=color,
                              linestyle=styles[agent])[0], agent)  # fmt: skip
            axis.set_title(title)
            axis.set_xlabel(xlabel)
            axis.set_ylim(-0.02, 1.02)
        for axis in axes[:: min(3, len(axes))]:
            axis.set_ylabel("fraction of runs > τ")
        styles = separate_identical(figure, styles)
        band = Patch(color="0.5", alpha=0.3, lw=0)
        legend_below(figure, agents, colors, styles, extra=[(band, f"{confidence:.0%} CI")])
    return figure
