"""Learning curves: mean return with bootstrap CI bands, and percentile bands.

Both figures facet envs into a grid (one panel per env, agents overlaid) with
env steps on the x axis and one legend below the panels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from rlbench.figures.series import separate_identical, tag
from rlbench.figures.style import (
    agent_linestyles,
    facet_figure,
    format_steps,
    legend_below,
    paper_style,
    resolve_colors,
)
from rlbench.stats.bands import CurveBands

RETURN_LABEL = "return"  # mean over the eval episodes; long labels overflow 1.75 in panels


def _envs(frame: pd.DataFrame, envs: Sequence[str] | None) -> list[str]:
    return list(envs) if envs is not None else sorted(frame["env"].unique())


def plot_curves(
    bands: CurveBands,
    seed_curves: pd.DataFrame | None = None,
    colors: Mapping[str, str] | None = None,
    envs: Sequence[str] | None = None,
    ylabel: str = RETURN_LABEL,
) -> Figure:
    """Learning curves per env: mean over seeds with its CI band, agents overlaid.

    Args:
        bands: from `rlbench.stats.bands.curve_bands`.
        seed_curves: curve rows (``agent, env, trial_id, step, return_mean``) to
            draw each seed as a thin line; None for none.
        colors: ``{agent: colour}`` (default: `agent_colors` of the agents present).
        envs: the envs to show, in panel order (default: all, sorted).
        ylabel: y-axis label.

    Returns:
        The figure: one Axes per env; per agent one mean line (plus one
        LineCollection of seed lines when ``seed_curves`` is given).
    """
    frame = bands.frame
    agents = sorted(frame["agent"].unique())
    colors = resolve_colors(agents, colors)
    styles = agent_linestyles(colors)
    panels = _envs(frame, envs)
    with paper_style():
        figure, axes = facet_figure(len(panels))
        for axis, env in zip(axes, panels, strict=True):
            for agent in agents:
                rows = frame[(frame["env"] == env) & (frame["agent"] == agent)]
                if rows.empty:
                    continue
                color = colors[agent]
                if seed_curves is not None:
                    mine = seed_curves[
                        (seed_curves["env"] == env) & (seed_curves["agent"] == agent)
                    ]
                    segments = [
                        np.column_stack([g["step"].to_numpy(), g["return_mean"].to_numpy()])
                        for _, g in mine.sort_values("step").groupby("trial_id", sort=False)
                    ]
                    axis.add_collection(
                        LineCollection(segments, colors=color, linewidths=0.4, alpha=0.3)
                    )
                axis.fill_between(
                    rows["step"], rows["lower"], rows["upper"], color=color, alpha=0.2, lw=0
                )
                tag(axis.plot(rows["step"], rows["mean"], color=color,
                              linestyle=styles[agent])[0], agent)  # fmt: skip
            axis.set_title(env)
            axis.set_xlabel("env steps")
            format_steps(axis, frame.loc[frame["env"] == env, "step"])
            axis.autoscale_view()
        for axis in axes[:: min(3, len(axes))]:
            axis.set_ylabel(ylabel)
        styles = separate_identical(figure, styles)
        band = Patch(color="0.5", alpha=0.3, lw=0)
        legend_below(
            figure,
            agents,
            colors,
            styles,
            extra=[(band, f"{bands.confidence:.0%} CI of the mean")],
        )
    return figure


def plot_percentiles(
    bands: pd.DataFrame,
    outer: tuple[float, float] = (10, 90),
    inner: tuple[float, float] = (25, 75),
    colors: Mapping[str, str] | None = None,
    envs: Sequence[str] | None = None,
    ylabel: str = RETURN_LABEL,
) -> Figure:
    """Median over seeds with percentile bands, per env (Mania et al. 2018, Fig. 3).

    Args:
        bands: from `rlbench.stats.bands.percentile_bands` with columns ``p50``
            and the ``p<q>`` of ``outer`` and ``inner``.
        outer: the wide band's percentiles; inner: the narrow band's.
        colors, envs, ylabel: as in `plot_curves`.

    Returns:
        The figure: one Axes per env, one median line per agent.
    """
    agents = sorted(bands["agent"].unique())
    colors = resolve_colors(agents, colors)
    styles = agent_linestyles(colors)
    panels = _envs(bands, envs)
    low_out, high_out = (f"p{q:g}" for q in outer)
    low_in, high_in = (f"p{q:g}" for q in inner)
    with paper_style():
        figure, axes = facet_figure(len(panels))
        for axis, env in zip(axes, panels, strict=True):
            for agent in agents:
                rows = bands[(bands["env"] == env) & (bands["agent"] == agent)]
                if rows.empty:
                    continue
                color = colors[agent]
                axis.fill_between(rows["step"], rows[low_out], rows[high_out], color=color,
                                  alpha=0.15, lw=0)  # fmt: skip
                axis.fill_between(rows["step"], rows[low_in], rows[high_in], color=color,
                                  alpha=0.3, lw=0)  # fmt: skip
                tag(axis.plot(rows["step"], rows["p50"], color=color,
                              linestyle=styles[agent])[0], agent)  # fmt: skip
            axis.set_title(env)
            axis.set_xlabel("env steps")
            format_steps(axis, bands.loc[bands["env"] == env, "step"])
        for axis in axes[:: min(3, len(axes))]:
            axis.set_ylabel(ylabel)
        styles = separate_identical(figure, styles)
        extra = [
            (Line2D([], [], color="0.3"), "median"),
            (Patch(color="0.5", alpha=0.45, lw=0), f"{inner[0]:g}-{inner[1]:g}th pct."),
            (Patch(color="0.5", alpha=0.15, lw=0), f"{outer[0]:g}-{outer[1]:g}th pct."),
        ]
        legend_below(figure, agents, colors, styles, extra=extra)
    return figure
