"""Figures of the sensitivity analysis (matplotlib, Agg): each takes a
`rlbench.sensitivity.SensitivityResult` and returns a Figure; nothing is
computed here. Agents get their colour from ``colors`` (the report passes
`rlbench.figures.style.agent_colors` of the whole folder, so an agent has the
colour it has in every other figure); without it, from `agent_colors` of the
agents drawn.

A figure that has nothing to show raises `InputError` saying why, rather than
drawing that sentence as an image: the report writes it as text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after selecting the backend
from matplotlib.figure import Figure

from rlbench.errors import InputError
from rlbench.figures.series import separate_identical, tag
from rlbench.figures.style import resolve_colors

Colors = Mapping[str, str] | None


def _colours(agents: Iterable[str], colors: Colors) -> dict[str, str]:
    return resolve_colors(sorted(set(agents)), colors)


def _envs(items, env: str | None) -> list[str]:
    envs = sorted({item.env for item in items})
    if env is not None:
        if env not in envs:
            raise InputError(f"env {env!r} has nothing to plot here (envs: {', '.join(envs)})")
        return [env]
    return envs


def _draw_curve(ax, curve, colour: str, param: str) -> None:
    """One agent's curve on a panel: a line with its CI band, or points with error bars."""
    pts = [p for p in curve.points if p.metric is not None and math.isfinite(p.x)]
    xs = [p.x for p in pts]
    ys = [p.metric.estimate for p in pts]
    lo = [p.metric.lower for p in pts]
    hi = [p.metric.upper for p in pts]
    if curve.kind == "random":
        ax.errorbar(
            xs,
            ys,
            yerr=[
                [y - a for y, a in zip(ys, lo, strict=True)],
                [b - y for y, b in zip(ys, hi, strict=True)],
            ],
            fmt="o",
            ms=3,
            color=colour,
            label=curve.agent,
        )
    else:
        tag(ax.plot(xs, ys, "o-", color=colour, label=curve.agent)[0], curve.agent)
        ax.fill_between(xs, lo, hi, color=colour, alpha=0.2, linewidth=0)
    for p in pts:
        if p.is_base:
            ax.plot([p.x], [p.metric.estimate], "o", ms=10, mfc="none", color="black")
    if curve.axis == "factor" or (xs and min(xs) > 0 and max(xs) / min(xs) >= 3):
        ax.set_xscale("log", base=2)
    if 0 < len(set(xs)) <= 8:
        # ticks at the tested values only: no crowded, overlapping tick labels
        ticks = sorted(set(xs))
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
    ax.set_xlabel(f"{param} ({'factor of base value' if curve.axis == 'factor' else 'value'})")


def plot_sensitivity_curves(result, env: str | None = None, colors: Colors = None) -> Figure:
    """One panel per (env, hyperparameter): the metric against the factor or value.

    Lines with CI bands (one-at-a-time, grid marginals) or points with error bars
    (random plans); the base config is marked with a black ring.
    """
    if not result.curves:
        raise InputError("no sensitivity curves (no perturbed hyperparameter)")
    envs = _envs(result.curves, env)
    panels = sorted({(c.env, c.param) for c in result.curves if c.env in envs})
    colours = _colours((c.agent for c in result.curves), colors)
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax, (panel_env, param) in zip(axes.ravel(), panels, strict=False):
        for curve in (c for c in result.curves if (c.env, c.param) == (panel_env, param)):
            _draw_curve(ax, curve, colours[curve.agent], param)
        ax.set_ylabel(f"{result.stat} of {result.metric} (return)")
        ax.set_title(f"{panel_env}: {param}", fontsize=9)
    separate_identical(fig, {})  # identical curves dashed; the legends below then match
    for ax in axes.ravel()[: len(panels)]:
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Sensitivity: {result.stat} over seeds, {result.confidence:.0%} bootstrap CI "
        f"({result.reps} resamples); ring = base config",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_success_rates(result, env: str | None = None, colors: Colors = None) -> Figure:
    """Per config, the fraction of seeds reaching the threshold with its exact interval."""
    if not result.success:
        raise InputError("no success rates (no env with a threshold)")
    envs = _envs(result.success, env)
    items = [s for s in result.success if s.env in envs]
    colours = _colours((s.agent for s in result.success), colors)
    fig, axes = plt.subplots(len(envs), 1, figsize=(8, 3 * len(envs)), squeeze=False)
    for ax, panel_env in zip(axes[:, 0], envs, strict=True):
        labels, position = [], 0
        for rates in (s for s in items if s.env == panel_env):
            for config in rates.configs:
                r = config.rate
                ax.bar(
                    position,
                    r.estimate,
                    color=colours[rates.agent],
                    yerr=[[r.estimate - r.lower], [r.upper - r.estimate]],
                    capsize=2,
                )
                # the count, so that a rate of 0 (an empty bar) reads at a glance
                ax.annotate(
                    f"{r.successes}/{r.trials}",
                    (position, r.upper),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
                labels.append(f"{rates.agent}: {config.label}")
                position += 1
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylim(0, 1.12)  # room for the counts above the whiskers
        ax.set_ylabel("fraction of seeds reaching threshold")
        thresholds = sorted({s.threshold for s in items if s.env == panel_env})
        ax.set_title(
            f"{panel_env}: seeds reaching {' / '.join(f'{t:g}' for t in thresholds)} "
            f"(Clopper-Pearson {result.confidence:.0%})",
            fontsize=9,
        )
    fig.tight_layout()
    return fig


def plot_sensitivity_ranking(result, colors: Colors = None) -> Figure:
    """Agents' mean absolute normalised change from base, least sensitive at the top."""
    ranking = result.ranking
    if ranking is None:
        raise InputError("no cross-agent ranking (needs 2+ agents with one-at-a-time plans)")
    colours = _colours((a.agent for a in ranking.agents), colors)
    fig, ax = plt.subplots(figsize=(6, 0.6 * len(ranking.agents) + 1.5))
    for i, agent in enumerate(ranking.agents):
        s = agent.sensitivity
        ax.errorbar(
            [s.estimate],
            [i],
            xerr=[[s.estimate - s.lower], [s.upper - s.estimate]],
            fmt="o",
            color=colours[agent.agent],
            capsize=3,
        )
    ax.set_yticks(range(len(ranking.agents)), [a.agent for a in ranking.agents])
    ax.invert_yaxis()
    ax.set_xlabel("mean |change from base| (normalised return: random = 0, reference = 1)")
    ax.set_title(
        f"Sensitivity to one-at-a-time perturbations ({result.confidence:.0%} "
        f"bootstrap CI over seeds, {result.reps} resamples)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
