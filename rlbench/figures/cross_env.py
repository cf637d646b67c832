"""The performance-sensitivity plane (Adkins, Bowling, White 2024, Fig. 1 and §4).

Each agent is a point: x its cross-env hyperparameter sensitivity, y its
per-env tuned score, with CI crosses. Through a reference agent's point run a
vertical and a horizontal line and the unit line (slope 1): an agent on the
unit line has the reference's cross-env tuned score (per-env tuned minus
sensitivity), above it a better one. Regions, relative to the reference:
upper left, better and less sensitive; lower right, worse and more sensitive;
upper right, better per env but more sensitive (above the unit line the gain
outweighs the sensitivity); lower left, less sensitive but worse per env.

`plane_figure` takes the frame of `rlbench.sensitivity.across_envs`;
`cross_env_section` is the report's section (empty when the analysis does not apply).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rlbench.figures.style import SINGLE_COLUMN_IN, agent_colors, paper_style, save_figure
from rlbench.stats.defaults import RESAMPLES, SEED

REGIONS = (
    ("upper left", "better, less sensitive"),
    ("lower right", "worse, more sensitive"),
    ("upper right", "better per env, more sensitive"),
    ("lower left", "less sensitive, worse per env"),
)


def applies(frame: pd.DataFrame) -> bool:
    """Some agent ran several envs with at least two configs shared by all of them."""
    return bool(((frame["n_envs"] >= 2) & (frame["n_shared_configs"] >= 2)).any())


def _error(row: pd.Series, name: str) -> list[list[float]]:
    low, high = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    if low != low:
        return [[0.0], [0.0]]
    return [[max(row[name] - low, 0.0)], [max(high - row[name], 0.0)]]


def plane_figure(frame: pd.DataFrame, reference: str | None = None) -> Figure:
    """The plane of every agent of ``frame``; ``reference`` (default: the first agent)
    draws the lines and names the regions."""
    frame = frame[frame["per_env_tuned"].notna() & frame["sensitivity"].notna()]
    if frame.empty:
        raise ValueError("no agent has both a per-env tuned score and a sensitivity")
    agents = list(frame["agent"])
    chosen = str(reference) if reference in agents else str(agents[0])
    colors = agent_colors(agents)
    with paper_style():
        figure, axis = plt.subplots(figsize=(SINGLE_COLUMN_IN, 2.9), layout="constrained")
        for _, row in frame.iterrows():
            axis.errorbar(
                row["sensitivity"], row["per_env_tuned"], xerr=_error(row, "sensitivity"),
                yerr=_error(row, "per_env_tuned"), fmt="o", color=colors[row["agent"]],
                markersize=4, capsize=2, linewidth=1, label=row["agent"],
            )  # fmt: skip
        ref = frame[frame["agent"] == chosen].iloc[0]
        rx, ry = float(ref["sensitivity"]), float(ref["per_env_tuned"])
        _reference_lines(axis, frame, rx, ry, chosen)
        axis.set_xlabel("sensitivity (per-env tuned - cross-env tuned)")
        axis.set_ylabel("per-env tuned score")
        handles, labels = axis.get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3))
    return figure


def _reference_lines(axis, frame: pd.DataFrame, rx: float, ry: float, reference: str) -> None:
    xs = np.r_[frame["sensitivity"], frame["sensitivity_ci_low"], frame["sensitivity_ci_high"]]
    ys = np.r_[frame["per_env_tuned"], frame["per_env_tuned_ci_low"],
               frame["per_env_tuned_ci_high"]]  # fmt: skip
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    pad_x = max(np.ptp(xs), abs(rx), 1e-3) * 0.35
    pad_y = max(np.ptp(ys), abs(ry), 1e-3) * 0.35
    x0, x1 = min(xs.min(), rx) - pad_x, max(xs.max(), rx) + pad_x
    y0, y1 = min(ys.min(), ry) - pad_y, max(ys.max(), ry) + pad_y
    style = {"color": "0.45", "linewidth": 0.7, "zorder": 0}
    axis.axvline(rx, linestyle=":", **style)
    axis.axhline(ry, linestyle=":", **style)
    line_x = np.array([x0, x1])
    axis.plot(line_x, ry + (line_x - rx), linestyle="--", label=f"{reference}'s unit line",
              **style)  # fmt: skip
    axis.set_xlim(x0, x1)
    axis.set_ylim(y0, y1)
    corners = {"upper left": (0.02, 0.97, "left", "top"),
               "lower right": (0.98, 0.03, "right", "bottom"),
               "upper right": (0.98, 0.97, "right", "top"),
               "lower left": (0.02, 0.03, "left", "bottom")}  # fmt: skip
    for corner, text in REGIONS:
        x, y, ha, va = corners[corner]
        axis.text(x, y, text, transform=axis.transAxes, ha=ha, va=va, fontsize=6, color="0.35")


def cross_env_section(
    trials: pd.DataFrame,
    out_dir: Path,
    formats: Sequence[str],
    write_table: Callable[[pd.DataFrame, str, str], str],
    metric: str = "final_return",
    reps: int = RESAMPLES,
    seed: int = SEED,
) -> str | None:
    """The report's cross-env section (HTML), or None when the analysis does not apply."""
    from rlbench.errors import InputError
    from rlbench.figures import html as page
    from rlbench.sensitivity.across_envs import across_envs

    if trials["env"].nunique() < 2 or trials["config_id"].nunique() < 2:
        return None
    try:
        frame = across_envs(trials, metric=metric, reps=reps, seed=seed)
    except InputError as error:
        return f'<p class="note">No cross-env sensitivity: {page.escape(error)}</p>'
    if not applies(frame):
        return None
    save_figure(plane_figure(frame), out_dir / "cross_env_plane", formats)
    caption = (
        f"Performance-sensitivity plane (Adkins, Bowling, White 2024) of {metric}, percentile "
        "normalisation per env (5th-95th percentile of all runs); crosses: "
        f"{frame.attrs['confidence']:.0%} percentile bootstrap CIs, seeds resampled within "
        f"each env and config, {reps} resamples, seed {seed}. Lines through the first agent; "
        "on its dashed unit line the cross-env tuned score equals its own."
    )
    shown = frame.copy()
    for column in ("cross_env_config", "tuned_hparams", "effective_hparams"):
        shown[column] = shown[column].map(lambda v: "-" if v is None else str(v))
    notes = "".join(f'<p class="note">{page.escape(n)}</p>' for n in frame.attrs["notes"])
    return (
        page.figure("cross_env_plane", caption, formats, "performance-sensitivity plane")
        + write_table(shown, "cross_env", "Cross-env sensitivity per agent: " + caption)
        + notes
    )
