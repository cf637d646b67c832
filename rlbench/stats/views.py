"""Plain table views of the DataFrame front's results, as the reader sees them.

A `TableView` is a titled DataFrame of text cells with its caption; the
terminal (`rlbench.commands.render`) and the report page render the same
views. Every interval is one cell, ``estimate [lower, upper]``, and every
caption states how the intervals were made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class TableView:
    """One table as a reader sees it.

    Attributes:
        name: a file-name stem for the table (the report's CSV).
        title: the table's title.
        frame: the rows, every cell already text.
        caption: how its numbers were made.
    """

    name: str
    title: str
    frame: pd.DataFrame
    caption: str = ""


def view(name: str, title: str, columns: Sequence[str], rows: list[list[str]], caption: str = ""):
    """A `TableView` from its column titles and rows of text cells."""
    return TableView(name, title, pd.DataFrame(rows, columns=list(columns), dtype=object), caption)


def format_ci(interval: Any) -> str:
    """``estimate [lower, upper]`` of an interval, ``-`` for none."""
    if interval is None:
        return "-"
    return f"{interval.estimate:.3g} [{interval.lower:.3g}, {interval.upper:.3g}]"


def format_p(value: float) -> str:
    """A p-value or statistic to three digits, ``-`` for NaN."""
    return "-" if value != value else f"{value:.3g}"


def _failed(not_done: dict[str, int] | tuple[dict[str, int], ...]) -> int:
    """Trials that are not done, per env (a dict) or over envs (a tuple of dicts)."""
    counts = [not_done] if isinstance(not_done, dict) else list(not_done)
    return sum(sum(c.values()) for c in counts)


def comparison_views(result: Any) -> list[TableView]:
    """The views of a `rlbench.stats.frame.Comparison`: aggregates, per env, pairs.

    Args:
        result: from `rlbench.stats.frame.compare`.

    Returns:
        The aggregates (when there are any), the per-env table and the pairwise
        table (when there are pairs); ``result.notes`` follow them.
    """
    scale = "normalised " if result.normalized else ""
    first = result.agents[0]
    failed_title = f"failed ({'scored worst' if result.failed_policy == 'worst' else 'excluded'})"
    views = []
    if first.aggregates:
        rows = [[a.agent, str(_failed(a.not_done)), *(format_ci(i) for i in a.aggregates)]
                for a in result.agents]  # fmt: skip
        views.append(view(
            "aggregates", f"Aggregates of {scale}{result.metric} over {len(result.envs)} env(s)",
            ["agent", failed_title, *(i.statistic for i in first.aggregates)], rows,
            "; ".join(sorted({a.aggregates[0].describe() for a in result.agents})),
        ))  # fmt: skip
    rows = [
        [agent.agent, str(task.task), str(task.n_runs), str(_failed(not_done)),
         str(task.n_excluded), format_ci(mean), f"{task.median:.3g}", f"{task.std:.3g}"]
        for agent in result.agents
        for task, mean, not_done in zip(agent.tasks, agent.task_means, agent.not_done, strict=True)
    ]  # fmt: skip
    views.append(view(
        "per_env", f"{scale}{result.metric} per env",
        ["agent", "env", "runs", failed_title, "NaN excluded", "mean [CI]", "median", "std"],
        rows, f"mean: {first.task_means[0].describe().split(';')[0]}",
    ))  # fmt: skip
    if result.pairs:
        views.append(_pairs_view(result, failed_title))
    return views


def _pairs_view(result: Any, failed_title: str) -> TableView:
    failed = {agent.agent: agent.not_done for agent in result.agents}
    rows = []
    for pair in result.pairs:
        x_failed, y_failed = failed[pair.agent_x], failed[pair.agent_y]
        rows.append([pair.agent_x, pair.agent_y, "all",
                     f"{_failed(x_failed)}/{_failed(y_failed)}",
                     format_ci(pair.probability_of_improvement), "", "", "", ""])  # fmt: skip
        for env_index, task in enumerate(pair.tasks):
            rows.append([
                "", "", task.env, f"{_failed(x_failed[env_index])}/{_failed(y_failed[env_index])}",
                f"{task.vargha_delaney_a:.3g}",
                format_p(task.welch.p_value if task.welch else float("nan")),
                format_p(task.welch_p_holm),
                format_p(task.mann_whitney.p_value if task.mann_whitney else float("nan")),
                format_p(task.hedges_g),
            ])  # fmt: skip
    improvement = result.pairs[0].probability_of_improvement
    return view(
        "pairs", "Pairwise comparisons (x vs y)",
        ["x", "y", "env", f"{failed_title} x/y", "P(x > y) [CI]", "Welch p", "Holm p", "MWU p",
         "Hedges g"], rows,
        f"P(x > y): {improvement.describe()}; per env: U/(n_x n_y) without CI. "
        f"Holm over {result.holm_family} Welch tests.",
    )  # fmt: skip


def power_views(report: Any, alpha: float, power: float) -> list[TableView]:
    """The view of a `rlbench.stats.frame.PowerReport`: seeds needed per env and effect."""
    rows = [
        [env, str(r.pilot_runs), f"{r.std_x:.3g}", f"{r.effect:.3g}", f"{r.effect / r.std_x:.2f}",
         str(r.n_seeds) if r.n_seeds is not None else "> max", f"{r.achieved_power:.3f}"]
        for env, r in zip(report.envs, report.results, strict=True)
    ]  # fmt: skip
    caption = (
        f"{report.results[0].method}, alpha {alpha}, target power {power}; "
        "both agents assumed to have the pilot's std"
    )
    small = min(result.pilot_runs for result in report.results)
    if small < 20:
        caption += (
            f"; the pilot has only {small} runs: its std is uncertain, so these counts are "
            "too (Colas et al. 2018 recommend a pilot of at least 20)"
        )
    columns = ["env", "pilot runs", "pilot std", "effect", "effect / std", "seeds", "power"]
    title = f"Seeds needed per agent: {report.agent}, {report.metric}"
    return [view("power", title, columns, rows, caption)]
