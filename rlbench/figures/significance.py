"""Comparisons and their reliability: probability of improvement, seed splits, power.

* `plot_improvement`: P(row > column) with its CI in every cell, from the
  pairs of a `rlbench.stats.frame.Comparison` (Agarwal et al. 2021, Sec. 4.4).
  A pair (x, y) gives the cell (x, y) and its mirror (y, x) as ``1 - P`` with
  the CI ``[1 - upper, 1 - lower]``: for every resample P(y > x) = 1 - P(x > y)
  (ties count 1/2), and percentile intervals commute with that map.
* `plot_seed_split`: fraction of seed splits called significant vs group size
  (Henderson et al. 2018, Fig. 5).
* `plot_power`: power of Welch's test vs seeds (Colas et al. 2018).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, NullLocator

from rlbench.errors import InputError
from rlbench.figures.series import separate_identical, tag
from rlbench.figures.style import (
    SINGLE_COLUMN_IN,
    agent_linestyles,
    facet_figure,
    legend_below,
    paper_style,
    resolve_colors,
    ticks_at_data,
)
from rlbench.stats import SeedSplitResult
from rlbench.stats.frame import Comparison, PowerCurve

SEED_TICKS = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)


def improvement_matrix(comparison: Comparison) -> tuple[list[str], np.ndarray]:
    """``(agents, (n, n, 3))``: estimate, lower, upper of P(row > column); NaN on the diagonal."""
    agents = [a.agent for a in comparison.agents]
    index = {agent: i for i, agent in enumerate(agents)}
    matrix = np.full((len(agents), len(agents), 3), np.nan)
    for pair in comparison.pairs:
        x, y = index[pair.agent_x], index[pair.agent_y]
        p = pair.probability_of_improvement
        matrix[x, y] = (p.estimate, p.lower, p.upper)
        matrix[y, x] = (1 - p.estimate, 1 - p.upper, 1 - p.lower)
    return agents, matrix


def plot_improvement(comparison: Comparison) -> Figure:
    """Heatmap of P(row agent > column agent), the CI printed in each cell.

    Args:
        comparison: from `rlbench.stats.frame.compare` (its ``pairs``).

    Returns:
        The figure: one heatmap Axes (an AxesImage) plus its colour bar.
    """
    agents, matrix = improvement_matrix(comparison)
    n = len(agents)
    cell = 0.78
    size = max(SINGLE_COLUMN_IN, cell * n + 1.6)
    with paper_style():
        figure = plt.figure(figsize=(size, max(2.2, cell * n + 1.1)), layout="constrained")
        axis = figure.subplots()
        colormap = plt.get_cmap("PuOr").with_extremes(bad="0.92")  # the diagonal: grey
        image = axis.imshow(matrix[:, :, 0], cmap=colormap, vmin=0, vmax=1, aspect="auto")
        for row in range(n):
            for column in range(n):
                estimate, lower, upper = matrix[row, column]
                if not np.isfinite(estimate):
                    continue
                ink = "white" if abs(estimate - 0.5) > 0.3 else "black"
                axis.text(column, row, f"{estimate:.2f}\n[{lower:.2f}, {upper:.2f}]",
                          ha="center", va="center", fontsize=7, color=ink)  # fmt: skip
        axis.set_xticks(range(n), agents, rotation=30, ha="right", rotation_mode="anchor")
        axis.set_yticks(range(n), agents)
        axis.set_xlabel("agent Y (column)")
        axis.set_ylabel("agent X (row)")
        axis.grid(visible=False)
        for spine in axis.spines.values():
            spine.set_visible(False)
        bar = figure.colorbar(image, ax=axis, shrink=0.8)
        bar.set_label("P(X > Y)")
    return figure


def plot_seed_split(
    splits: Mapping[str, Mapping[str, Sequence[SeedSplitResult]]],
    colors: Mapping[str, str] | None = None,
) -> Figure:
    """Fraction of splits of one agent's seeds into two groups of k found significant.

    Args:
        splits: ``{env: {agent: [SeedSplitResult per k]}}`` (e.g.
            `rlbench.figures.data.seed_splits`).
        colors: ``{agent: colour}``.

    Returns:
        The figure: one Axes per env, one line per agent (plus the alpha line).
    """
    envs = list(splits)
    agents = sorted({agent for per_env in splits.values() for agent in per_env})
    colors = resolve_colors(agents, colors)
    styles = agent_linestyles(colors)
    alpha = next((r[0].alpha for per in splits.values() for r in per.values() if r), 0.05)
    with paper_style():
        figure, axes = facet_figure(len(envs))
        for axis, env in zip(axes, envs, strict=True):
            for agent, results in sorted(splits[env].items()):
                sizes = [r.group_size for r in results]
                fractions = [r.fraction_significant for r in results]
                tag(axis.plot(sizes, fractions, marker="o", markersize=3, color=colors[agent],
                              linestyle=styles[agent])[0], agent)  # fmt: skip
            axis.axhline(alpha, color="0.3", linestyle="--", linewidth=0.8)
            axis.set_title(env)
            axis.set_xlabel("seeds per group, k")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            ticks_at_data(axis, [r.group_size for rs in splits[env].values() for r in rs])
            axis.set_ylim(bottom=0)
        for axis in axes[:: min(3, len(axes))]:
            axis.set_ylabel("fraction of splits p < α")
        styles = separate_identical(figure, styles)
        line = Line2D([], [], color="0.3", linestyle="--", linewidth=0.8)
        legend_below(figure, agents, colors, styles, extra=[(line, f"α = {alpha:g}")])
    return figure


def plot_power(
    curves: Mapping[str, Sequence[PowerCurve]],
    colors: Mapping[str, str] | None = None,
    target: float = 0.8,
) -> Figure:
    """Power of Welch's test vs seeds per agent, to detect each agent's gap to the best.

    Args:
        curves: ``{env: [PowerCurve, ...]}`` (e.g. `rlbench.stats.frame.power_curves`).
        colors: ``{agent: colour}``.
        target: the power drawn as a reference line.

    Returns:
        The figure: one Axes per env with a curve, one line per agent (and a
        marker at the agent's current number of seeds).

    Raises:
        InputError: no env has a curve (every agent ties with the best).
    """
    envs = [env for env, per_env in curves.items() if per_env]  # no gap to detect: no panel
    if not envs:
        raise InputError("no power curves: on every env the agents tie in mean with the best")
    agents = sorted({c.agent for per_env in curves.values() for c in per_env})
    colors = resolve_colors(agents, colors)
    styles = agent_linestyles(colors)
    with paper_style():
        figure, axes = facet_figure(len(envs))
        for axis, env in zip(axes, envs, strict=True):
            for curve in curves[env]:
                color = colors[curve.agent]
                tag(axis.plot(curve.n_seeds, curve.power, color=color,
                              linestyle=styles[curve.agent])[0], curve.agent)  # fmt: skip
                if curve.observed_seeds in curve.n_seeds:
                    now = curve.power[curve.n_seeds.index(curve.observed_seeds)]
                    axis.plot([curve.observed_seeds], [now], marker="o", markersize=3.5,
                              linestyle="none", color=color)  # fmt: skip
            axis.axhline(target, color="0.3", linestyle="--", linewidth=0.8)
            reference = {c.reference for c in curves[env]}
            axis.set_title(f"{env} (vs {', '.join(sorted(reference))})" if reference else env)
            axis.set_xlabel("seeds per agent")
            axis.set_xscale("log")
            seeds = [n for c in curves[env] for n in c.n_seeds]
            ticks = [n for n in SEED_TICKS if min(seeds) <= n <= max(seeds)]
            axis.set_xticks(ticks, [str(n) for n in ticks])  # whole seeds, not 10^1
            axis.xaxis.set_minor_locator(NullLocator())
            axis.set_ylim(-0.02, 1.02)
        for axis in axes[:: min(3, len(axes))]:
            axis.set_ylabel("power (Welch, two-sided)")
        styles = separate_identical(figure, styles)
        extra = [
            (Line2D([], [], color="0.3", linestyle="--", linewidth=0.8), f"power {target:g}"),
            (Line2D([], [], color="0.3", marker="o", markersize=3.5, lw=0), "seeds run"),
        ]
        legend_below(figure, agents, colors, styles, extra=extra)
    return figure
