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


def interval_columns(interval: Any) -> dict[str, object]:
    """How an interval was made, as table columns (a CSV row read alone still says it)."""
    return {
        "confidence": interval.confidence,
        "method": interval.method,
        "resamples": interval.reps,
        "seed": interval.seed,
        "runs": "/".join(str(n) for n in interval.runs_per_task),
        "nan_excluded": interval.n_excluded,
    }


def per_env_frame(comparison: Any) -> pd.DataFrame:
    """Per agent and env: runs, not done, mean with its CI, median, IQM, std, min, max.

    Args:
        comparison: from `rlbench.stats.frame.compare`.

    Returns:
        One row per (agent, env), numbers as numbers (the report's CSV; the
        terminal's per-env view shows some of its columns as text).
    """
    rows = []
    for agent in comparison.agents:
        for task, mean, not_done in zip(agent.tasks, agent.task_means, agent.not_done,
                                        strict=True):  # fmt: skip
            rows.append({
                "agent": agent.agent, "env": str(task.task), "done": task.n_runs,
                "not_done": sum(not_done.values()), "mean": mean.estimate,
                "ci_lower": mean.lower, "ci_upper": mean.upper, "median": task.median,
                "iqm": task.iqm, "std": task.std, "min": task.minimum, "max": task.maximum,
                **interval_columns(mean),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _ci_cell(estimate: float, lower: float, upper: float) -> str:
    return f"{estimate:.3g} [{lower:.3g}, {upper:.3g}]"


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
        [r.agent, r.env, str(r.done), str(r.not_done), str(r.nan_excluded),
         _ci_cell(r.mean, r.ci_lower, r.ci_upper), f"{r.median:.3g}", f"{r.std:.3g}"]
        for r in per_env_frame(result).itertuples(index=False)
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
