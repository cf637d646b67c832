"""Final scores over seeds: strip + box plot and ECDF per env.

Agents are rows (labels horizontal, so many agents never overlap); the ECDF
below each strip plot shares its score axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rlbench.figures.series import separate_identical, tag
from rlbench.figures.style import (
    PANEL_HEIGHT_IN,
    agent_linestyles,
    figure_size,
    grid_shape,
    legend_below,
    paper_style,
    resolve_colors,
)
from rlbench.table_schema import METRIC_LABELS

JITTER_SEED = 0  # the strip plot's vertical jitter: fixed, so figures are reproducible


def _draw_strip_box(axis, agents, scores: Mapping[str, np.ndarray], colors, labels: bool) -> None:
    """One row per agent of ``agents`` (first on top); agents without scores stay empty."""
    rng = np.random.default_rng(JITTER_SEED)
    position = {agent: len(agents) - 1 - i for i, agent in enumerate(agents)}
    present = [a for a in agents if a in scores]
    if present:
        boxes = axis.boxplot(
            [scores[a] for a in present], positions=[position[a] for a in present],
            orientation="horizontal", widths=0.6, showfliers=False, patch_artist=True,
            medianprops={"color": "0.1", "linewidth": 1.0}, whiskerprops={"linewidth": 0.7},
            capprops={"linewidth": 0.7}, boxprops={"linewidth": 0.7},
        )  # fmt: skip
        for patch, agent in zip(boxes["boxes"], present, strict=True):
            patch.set_facecolor(colors[agent])
            patch.set_alpha(0.25)
    for agent in present:
        values = scores[agent]
        jitter = rng.uniform(-0.18, 0.18, values.size)
        axis.scatter(values, position[agent] + jitter, s=6, color=colors[agent], alpha=0.8,
                     lw=0, zorder=3)  # fmt: skip
    axis.set_yticks([position[a] for a in agents], agents if labels else [""] * len(agents))
    axis.grid(axis="y", visible=False)
    axis.set_ylim(-0.6, len(agents) - 0.4)


def _draw_ecdf(axis, scores: Mapping[str, np.ndarray], colors, styles) -> None:
    for agent, values in scores.items():
        if np.unique(values).size > 1:  # one value is a single step: the strip plot shows it
            tag(axis.ecdf(values, color=colors[agent], linestyle=styles[agent]), agent)
    axis.set_ylim(-0.02, 1.02)


def _scores(trials: pd.DataFrame, env: str, agents: Sequence[str], metric: str):
    rows = trials[(trials["env"] == env) & (trials["status"] == "done")]
    out = {}
    for agent in agents:
        values = rows.loc[rows["agent"] == agent, metric].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size:
            out[agent] = values
    return out


def plot_seeds(
    trials: pd.DataFrame,
    metric: str = "final_return",
    colors: Mapping[str, str] | None = None,
    envs: Sequence[str] | None = None,
    ecdf: bool = True,
) -> Figure:
    """Distribution of a score over seeds: strip + box per agent, and the ECDF, per env.

    Only ``done`` trials with a finite score are drawn (count the others with
    `rlbench.figures.data.status_table`).

    Args:
        trials: the trials table (one config per agent and env).
        metric: ``final_return``, ``auc`` or ``best_return``.
        colors: ``{agent: colour}``; envs: panel order (default all, sorted).
        ecdf: add the ECDF panel below each env's strip plot.

    Returns:
        The figure: per env a strip/box Axes (one PathCollection per agent) and,
        with ``ecdf``, an ECDF Axes (one line per agent) below it.
    """
    agents = sorted(trials["agent"].unique())
    colors = resolve_colors(agents, colors)
    styles = agent_linestyles(colors)
    panels = list(envs) if envs is not None else sorted(trials["env"].unique())
    rows, columns = grid_shape(len(panels))
    strip_height = max(0.9, 0.22 * len(agents) + 0.45)
    ratios = [strip_height, PANEL_HEIGHT_IN] * rows if ecdf else [strip_height] * rows
    label = METRIC_LABELS.get(metric, metric)
    with paper_style():
        width, _ = figure_size(rows, columns)
        figure = plt.figure(figsize=(width, sum(ratios) + 0.5), layout="constrained")
        grid = figure.subplots(len(ratios), columns, squeeze=False,
                               gridspec_kw={"height_ratios": ratios})  # fmt: skip
        per_env = 2 if ecdf else 1
        for index in range(rows * columns):
            row, column = divmod(index, columns)
            cells = grid[row * per_env : (row + 1) * per_env, column]
            if index >= len(panels):
                for cell in cells:
                    cell.remove()
                continue
            env = panels[index]
            scores = _scores(trials, env, agents, metric)
            strip = cells[0]
            _draw_strip_box(strip, agents, scores, colors, labels=column == 0)
            strip.set_title(env)
            if ecdf:
                lower = cells[1]
                lower.sharex(strip)
                _draw_ecdf(lower, scores, colors, styles)
                lower.set_xlabel(label)
                if column == 0:
                    lower.set_ylabel("fraction of seeds ≤ x")
                strip.tick_params(labelbottom=False)
            else:
                strip.set_xlabel(label)
        styles = separate_identical(figure, styles)
        legend_below(figure, agents, colors, styles)
    return figure
