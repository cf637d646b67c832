"""The report's tables: `rlbench.stats` results flattened into DataFrames (written as CSV).

Every interval row carries its method, resamples, confidence, seed and runs, so
a CSV read on its own still says how each number was made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from rlbench.figures.significance import improvement_matrix
from rlbench.stats import Interval, SeedSplitResult
from rlbench.stats.frame import Comparison, PowerCurve
from rlbench.stats.views import interval_columns

CI_COLUMNS = {"estimate": "estimate [CI]", "mean": "mean [CI]", "p_x_greater_y": "P(x > y) [CI]"}
"""A column with ``ci_lower`` and ``ci_upper`` beside it, and its title as one cell."""
HOW_COLUMNS = ("confidence", "method", "resamples", "seed", "runs", "nan_excluded",
               "holm_family", "test", "alpha", "exhaustive")  # fmt: skip
"""How a number was made: the captions say it; shown only where it varies between rows."""


def aggregates_table(panels: Mapping[str, Mapping[str, Sequence[Interval]]]) -> pd.DataFrame:
    """One row per (panel, agent, statistic) with estimate and CI."""
    rows = [
        {"panel": panel, "agent": agent, "statistic": i.statistic, "estimate": i.estimate,
         "ci_lower": i.lower, "ci_upper": i.upper, **interval_columns(i)}
        for panel, agents in panels.items() for agent, intervals in agents.items()
        for i in intervals
    ]  # fmt: skip
    return pd.DataFrame(rows)


def improvement_table(comparison: Comparison) -> pd.DataFrame:
    """P(x > y) with CI for every ordered pair (mirrored pairs as ``1 - P``)."""
    agents, matrix = improvement_matrix(comparison)
    how = {p.agent_x + "\0" + p.agent_y: p.probability_of_improvement for p in comparison.pairs}
    rows = []
    for i, x in enumerate(agents):
        for j, y in enumerate(agents):
            if i == j:
                continue
            interval = how.get(x + "\0" + y) or how[y + "\0" + x]
            estimate, lower, upper = matrix[i, j]
            rows.append({"x": x, "y": y, "p_x_greater_y": estimate, "ci_lower": lower,
                         "ci_upper": upper, **interval_columns(interval)})  # fmt: skip
    return pd.DataFrame(rows)


def tests_table(comparison: Comparison) -> pd.DataFrame:
    """Per pair and env: Welch's t (p, Holm p), Mann-Whitney p, Hedges' g, Vargha-Delaney A."""
    rows = []
    for pair in comparison.pairs:
        for task in pair.tasks:
            rows.append({
                "x": pair.agent_x, "y": pair.agent_y, "env": task.env,
                "welch_t": task.welch.statistic if task.welch else float("nan"),
                "welch_p": task.welch.p_value if task.welch else float("nan"),
                "welch_p_holm": task.welch_p_holm,
                "mann_whitney_p": task.mann_whitney.p_value if task.mann_whitney else float("nan"),
                "hedges_g": task.hedges_g, "vargha_delaney_a": task.vargha_delaney_a,
                "holm_family": comparison.holm_family,
            })  # fmt: skip
    return pd.DataFrame(rows)


def seed_split_table(splits: Mapping[str, Mapping[str, Sequence[SeedSplitResult]]]) -> pd.DataFrame:
    """One row per (env, agent, group size)."""
    rows = [
        {"env": env, "agent": agent, "group_size": r.group_size, "seeds": r.n_runs,
         "fraction_significant": r.fraction_significant, "splits": r.n_splits,
         "exhaustive": r.exhaustive, "test": r.test, "alpha": r.alpha, "seed": r.seed,
         "nan_excluded": r.n_excluded}
        for env, agents in splits.items() for agent, results in agents.items() for r in results
    ]  # fmt: skip
    return pd.DataFrame(rows)


def power_table(curves: Mapping[str, Sequence[PowerCurve]], target: float = 0.8) -> pd.DataFrame:
    """Per env and agent: the gap to the best agent and the seeds its power curve needs."""
    rows = []
    for env, per_env in curves.items():
        for c in per_env:
            reached = [n for n, p in zip(c.n_seeds, c.power, strict=True) if p >= target]
            now = (
                c.power[c.n_seeds.index(c.observed_seeds)]
                if c.observed_seeds in c.n_seeds
                else None
            )
            rows.append({
                "env": env, "agent": c.agent, "reference": c.reference, "effect": c.effect,
                "std_agent": c.std_agent, "std_reference": c.std_reference,
                "seeds_run": c.observed_seeds, "power_now": now,
                f"seeds_for_power_{target:g}": reached[0] if reached else f"> {c.n_seeds[-1]}",
                "alpha": c.alpha, "method": c.method,
            })  # fmt: skip
    return pd.DataFrame(rows)


def _ci_text(estimate: object, lower: object, upper: object) -> str:
    values = [float(v) if v is not None else float("nan") for v in (estimate, lower, upper)]  # type: ignore[arg-type]
    if values[0] != values[0]:
        return "-"
    return f"{values[0]:.3g} [{values[1]:.3g}, {values[2]:.3g}]"


def reader_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a reader needs: estimate and CI in one cell, constant "how" columns out.

    As the terminal prints them (``0.654 [0.371, 0.941]``); the full table is the CSV.
    A ``nan_excluded`` column stays when a row excluded something.

    Args:
        frame: a table of this module (any columns).

    Returns:
        A new DataFrame, the same rows.
    """
    view = frame.copy()
    for column, title in CI_COLUMNS.items():
        if {column, "ci_lower", "ci_upper"} <= set(view.columns):
            cells = [_ci_text(*row) for row in
                     view[[column, "ci_lower", "ci_upper"]].itertuples(index=False)]  # fmt: skip
            at = list(view.columns).index(column)
            view = view.drop(columns=[column, "ci_lower", "ci_upper"])
            view.insert(at, title, pd.Series(cells, index=view.index, dtype=object))
            break
    constant = []
    for column in HOW_COLUMNS:
        if column not in view:
            continue
        values = view[column].astype(str)
        if column == "nan_excluded":
            if (pd.to_numeric(view[column], errors="coerce").fillna(0) == 0).all():
                constant.append(column)
        elif values.nunique(dropna=False) <= 1:
            constant.append(column)
    return view.drop(columns=constant)


def aggregates_view(frame: pd.DataFrame) -> pd.DataFrame:
    """`aggregates_table` as the terminal prints it: a row per agent, a column per statistic.

    Args:
        frame: from `aggregates_table`.

    Returns:
        Columns ``agent`` (and ``panel`` when there are several), then one
        ``estimate [lower, upper]`` column per statistic, in the table's order.
    """
    view = reader_view(frame)
    keys = ["panel", "agent"] if view["panel"].nunique() > 1 else ["agent"]
    rows: dict[tuple, dict[str, object]] = {}
    for record in view.to_dict("records"):
        row = rows.setdefault(tuple(record[k] for k in keys), {k: record[k] for k in keys})
        row[str(record["statistic"])] = record["estimate [CI]"]
    return pd.DataFrame(list(rows.values()), dtype=object)
