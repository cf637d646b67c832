"""The report's section on a tuning folder: history, optimism made visible, held-out curves.

Figures take the tune summary (``tune.json``) and the folder's tidy tables; the
report (`rlbench.report.sections.tuning_section`) calls `tune_section` when the folder
holds a ``tune.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rlbench.figures.style import PALETTE, format_steps, paper_style, save_figure
from rlbench.report import html as page
from rlbench.store import Results


def history_figure(summary: dict[str, Any]) -> Any:
    """Objective of every tuning configuration in the order tried, and the running best."""
    import matplotlib.pyplot as plt

    history = summary["history"]
    numbers = np.array([h["trial"] for h in history], dtype=float)
    values = np.array([np.nan if h["value"] is None else h["value"] for h in history])
    with paper_style():
        figure, axis = plt.subplots(figsize=(3.5, 2.2), layout="constrained")
        ok = np.isfinite(values)
        axis.scatter(numbers[ok], values[ok], s=12, color=PALETTE[0], label="configuration")
        if ok.any():
            best = np.fmax.accumulate(np.where(ok, values, -np.inf))
            best[~np.isfinite(best)] = np.nan
            axis.step(numbers, best, where="post", color=PALETTE[1], label="best so far")
            if (~ok).any():
                low = np.nanmin(values)
                axis.scatter(numbers[~ok], np.full((~ok).sum(), low), marker="x", s=14,
                             color=PALETTE[3], label="failed / infeasible")  # fmt: skip
        axis.set_xlabel("tuning trial (Optuna number)")
        axis.set_ylabel(_objective_label(summary))
        axis.legend(fontsize="small")
    return figure


def optimism_figure(summary: dict[str, Any]) -> Any:
    """In-sample (tuning seeds) vs held-out (test seeds) score of each retested configuration."""
    import matplotlib.pyplot as plt

    entries = summary["retest"]
    with paper_style():
        figure, axis = plt.subplots(figsize=(3.5, 3.0), layout="constrained")
        points = []
        for i, e in enumerate(entries):
            x, y = e["in_sample"], e["held_out"]
            if x["value"] is None or y["value"] is None:
                continue
            xerr = _err(x)
            yerr = _err(y)
            axis.errorbar(x["value"], y["value"], xerr=xerr, yerr=yerr, fmt="o", ms=4,
                          color=PALETTE[i % len(PALETTE)], label=f"trial {e['trial']}")  # fmt: skip
            points += [x["value"], y["value"]]
        default = summary.get("default")
        if default and default["held_out"]["value"] is not None:
            axis.axhline(
                default["held_out"]["value"], color="0.4", ls=":", label="default, held-out"
            )
        if points:
            low, high = min(points), max(points)
            pad = 0.05 * (high - low or abs(high) or 1.0)
            axis.plot([low - pad, high + pad], [low - pad, high + pad], color="0.6", lw=0.8,
                      label="held-out = in-sample")  # fmt: skip
        axis.set_xlabel(f"in-sample ({len(summary['seeds']['tuning'])} tuning seeds)")
        axis.set_ylabel(f"held-out ({len(summary['seeds']['test'])} test seeds)")
        axis.legend(fontsize="x-small")
    return figure


def _err(block: dict[str, Any]) -> Any:
    low, high = block["ci"]
    if low is None or high is None:
        return None
    return [[block["value"] - low], [high - block["value"]]]


def curves_figure(summary: dict[str, Any], results: Results) -> Any:
    """Held-out learning curves: mean return over the test seeds, min-max band, per config."""
    from rlbench.figures.style import facet_figure

    curves = results.curves
    trials = results.trials
    test = trials[trials["phase"] == "test"]
    labelled = [(f"trial {e['trial']}", e["config_ids"]) for e in summary["retest"]]
    if summary.get("default"):
        labelled.append(("default", summary["default"]["config_ids"]))
    envs = summary["envs"]
    with paper_style():
        figure, axes = facet_figure(len(envs))
        for axis, env in zip(axes, envs, strict=True):
            for i, (label, ids) in enumerate(labelled):
                ids_here = test[(test["env"] == env) & (test["config_id"] == ids.get(env))]
                rows = curves[curves["trial_id"].isin(ids_here["trial_id"])]
                if rows.empty:
                    continue
                by_step = rows.groupby("step")["return_mean"]
                steps = np.asarray(by_step.mean().index)
                color = PALETTE[i % len(PALETTE)]
                axis.plot(steps, by_step.mean().to_numpy(), color=color, label=label)
                axis.fill_between(steps, by_step.min().to_numpy(), by_step.max().to_numpy(),
                                  color=color, alpha=0.15, lw=0)  # fmt: skip
            axis.set_title(env, fontsize="small")
            axis.set_xlabel("env steps")
            format_steps(axis)
        axes[0].set_ylabel("return (test seeds)")
        axes[0].legend(fontsize="x-small")
    return figure


def _objective_label(summary: dict[str, Any]) -> str:
    obj = summary["objective"]
    return f"{obj['stat']} of {obj['metric']}" + (" (normalised)" if obj["normalised"] else "")


def _fmt(block: dict[str, Any] | None) -> str:
    if not block or block.get("value") is None:
        return ""
    low, high = block["ci"]
    ci = f" [{low:.4g}, {high:.4g}]" if low is not None else ""
    return f"{block['value']:.4g}{ci}"


def retest_table(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per retested configuration (and the default)."""
    rows = summary["retest"] + ([summary["default"]] if summary.get("default") else [])
    return pd.DataFrame(
        {
            "config": [e["config_id"] for e in rows],
            "trial": ["default" if e["trial"] is None else str(e["trial"]) for e in rows],
            "hyperparameters": [
                ", ".join(
                    f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in e["hparams"].items()
                )
                for e in rows
            ],
            "in-sample": [_fmt(e["in_sample"]) for e in rows],
            "held-out": [_fmt(e["held_out"]) for e in rows],
            "test seeds": [e["held_out"]["seeds"] for e in rows],
            "optimism": [_fmt(e["optimism"]) for e in rows],
        }
    )


def tune_section(
    results: Results,
    out_dir: Path,
    formats: Sequence[str],
    write_table: Callable[[pd.DataFrame, str, str], str],
) -> str:
    """The HTML of the report's tuning section (figures written into ``out_dir``)."""
    summary = json.loads((results.path / "tune.json").read_text())
    n_tune, n_test = len(summary["seeds"]["tuning"]), len(summary["seeds"]["test"])
    parts = []
    for stem, figure, caption in (
        ("tune_history", history_figure(summary),
         f"Tuning history: {_objective_label(summary)} on the {n_tune} tuning seeds per "
         f"configuration, in the order Optuna's {summary['sampler']} sampler proposed them."),
        ("tune_optimism", optimism_figure(summary),
         f"In-sample (tuning seeds) vs held-out ({n_test} disjoint test seeds) score of the "
         "retested configurations, with 95% percentile-bootstrap CIs over seeds; points "
         "below the diagonal are the optimism of selecting on the tuning seeds."),
        ("tune_curves", curves_figure(summary, results),
         "Held-out learning curves of the retested configurations and the default: mean "
         f"return over the {n_test} test seeds, band from the lowest to the highest seed."),
    ):  # fmt: skip
        save_figure(figure, out_dir / stem, tuple(formats))
        parts.append(page.figure(stem, caption, formats, stem))
    rho = summary["rank_correlation"]
    note = (
        f"Spearman rank correlation of in-sample and held-out order: {rho['spearman']:.3f} "
        f"over {rho['configs']} configurations."
        if rho["spearman"] is not None
        else f"Rank correlation: {rho.get('note', 'not computed')}."
    )
    best = summary["best"]
    chosen = (
        f"Selected (best held-out): {best['config_id']} (trial {best['trial']}). " if best else ""
    )
    table = write_table(retest_table(summary), "tune_retest",
                        f"Retested configurations. {chosen}{note}")  # fmt: skip
    return parts[0] + table + "".join(parts[1:])
