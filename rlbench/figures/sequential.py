"""The stages of a sequential study: seeds run per arm, and AdaStop's statistic
against its boundary (or each arm's CI half-width against its target)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from rlbench.errors import InputError
from rlbench.figures.style import agent_colors, facet_figure, legend_below, paper_style


def stage_table(state: dict[str, Any]) -> pd.DataFrame:
    """One row per stage, env and question: seeds, decision, statistic and boundary."""
    rows = []
    adastop = state["rule"]["method"] == "adastop"
    for stage in state["stages"]:
        for env, entry in stage["envs"].items():
            for question, decision in entry["decisions"].items():
                arms = question.split(" vs ")
                row = {
                    "stage": stage["stage"],
                    "env": env,
                    "question": question,
                    "seeds": "/".join(str(entry["seeds_per_arm"][a]) for a in arms),
                    "decision": decision,
                }
                if adastop:
                    row["statistic"] = entry["statistic"][question]
                    row["boundary"] = entry["boundary"]
                else:
                    row["half_width"] = entry["half_width"].get(question)
                    row["target"] = entry["target"].get(question)
                rows.append(row)
    return pd.DataFrame(rows)


def stages_figure(state: dict[str, Any]) -> Figure:
    """Per env: |statistic| of each question against the boundary, stage by stage.

    Raises:
        InputError: fewer than two complete stages (a single stage is a table row).
    """
    table = stage_table(state)
    if table.empty or table["stage"].nunique() < 2:
        raise InputError("the study decided at its first stage; the table below has its numbers")
    adastop = state["rule"]["method"] == "adastop"
    value, bound = ("statistic", "boundary") if adastop else ("half_width", "target")
    envs = list(dict.fromkeys(table["env"]))
    questions = list(dict.fromkeys(table["question"]))
    colors = agent_colors(questions)
    with paper_style():
        figure, axes = facet_figure(len(envs))
        for axis, env in zip(axes, envs, strict=True):
            rows = table[table["env"] == env]
            for question, group in rows.groupby("question", sort=False):
                y = group[value].abs() if adastop else group[value]
                axis.plot(group["stage"], y, marker="o", color=colors[str(question)])
                decided = group[group["decision"].isin(["larger", "smaller", "reached"])]
                if len(decided):
                    first = decided.iloc[0]
                    where = (first["stage"], abs(first[value]))
                    axis.annotate(str(first["decision"]), where, textcoords="offset points",
                                  xytext=(4, 4), fontsize=7)  # fmt: skip
            if adastop:
                boundary = rows.drop_duplicates("stage")
                axis.plot(boundary["stage"], boundary[bound], color="black", linestyle="--")
            axis.set_xticks(sorted(rows["stage"].unique()))
            axis.set_title(env)
            axis.set_xlabel("stage")
            axis.set_ylabel("|statistic|" if adastop else "CI half-width")
        extra = (
            [(plt.Line2D([], [], color="black", linestyle="--"), "rejection boundary")]
            if adastop
            else []
        )
        legend_below(figure, questions, colors, extra=extra)
    return figure
