"""Mania, Guy, Recht 2018 (arXiv:1803.07055): Fig. 3, Fig. 4, §4.3 (LQR); Table 1 is
in ``mania2018_table1``.

Paper numbers are kept as data below with their status: "checked" (read in the
paper's text) or "unverified" (from secondary sources: notes, the zoo, the authors' code). The MuJoCo
tasks here are Gymnasium's v5, not the paper's v1: Gymnasium notes that
training performance differs between versions except for HalfCheetah and
Swimmer, so a gap on the other tasks is expected and reported, not hidden.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rlbench.reproduce.common import Reproduction, Row, suite, wilson

PAPER = "Mania, Guy, Recht 2018"
VARIANTS = ("V1", "V1-t", "V2", "V2-t")
TASKS = ("Swimmer-v5", "Hopper-v5", "HalfCheetah-v5", "Walker2d-v5", "Ant-v5", "Humanoid-v5")

FIG3_VARIANT: dict[str, str] = {
    "Swimmer-v5": "V1",
    "Hopper-v5": "V2-t",
    "HalfCheetah-v5": "V2",
    "Walker2d-v5": "V2-t",
    "Ant-v5": "V2-t",
    "Humanoid-v5": "V2",
}
"""The variant of each task in the 100-seed study (Fig. 3, checked)."""

FIG3_SUCCESS = {task: 0.7 for task in TASKS} | {"Walker2d-v5": 0.2}
"""'70% of the time ARS trains policies for all tasks, except Walker2d … only
20%' (§4.2, checked): read as the fraction of seeds reaching the threshold."""

FULL_EPISODES = {
    "Swimmer-v5": 1_000,
    "Hopper-v5": 100_000,
    "HalfCheetah-v5": 20_000,
    "Walker2d-v5": 400_000,
    "Ant-v5": 120_000,
    "Humanoid-v5": 250_000,
}
"""Budgets of the full scale, in episodes of up to 1,000 steps: above the
slowest Table-1 entry of each task."""


def _ars(name: str, variant: str, **hparams: Any) -> dict[str, Any]:
    return {"card": "ars", "name": name, "hparams": {"variant": variant, **hparams}}


def paper_seeds(n: int) -> list[int]:
    """n seeds drawn uniformly from [0, 10000) (the paper's protocol), fixed."""
    rng = np.random.default_rng(np.random.SeedSequence(1803_07055))
    return sorted(int(s) for s in rng.choice(10_000, size=n, replace=False))


# ---------------------------------------------------------------- full-scale tasks
def _full_envs() -> list[dict[str, Any]]:
    """The six tasks with full-scale budgets and the paper's 100 evaluation episodes."""
    return [
        {
            "id": task,
            "budget": {"steps": FULL_EPISODES[task] * 1000},
            "eval": {"every": FULL_EPISODES[task] * 10, "episodes": 100},
        }
        for task in TASKS
    ]


def _fig3_agents() -> list[dict[str, Any]]:
    return [_ars(f"ars-{v}", v) for v in sorted(set(FIG3_VARIANT.values()))]


# ---------------------------------------------------------------- Fig. 3
def seeds_suite(scale: str) -> dict[str, Any]:
    v1 = [_ars("ars", "V1")]
    if scale == "smoke":
        return suite("mania2018-seeds-smoke", ["Swimmer-v5"], v1, 3, 4000, 2000, 1)
    if scale == "small":
        return suite(
            "mania2018-seeds-small", ["Swimmer-v5"], v1, paper_seeds(20), 300_000, 10_000, 3
        )
    return suite(
        "mania2018-seeds", _full_envs(), _fig3_agents(), paper_seeds(100), 1_000_000, 10_000, 100
    )


def seeds_analyse(results: Any, scale: str, out: Path) -> tuple[list[Row], str]:
    """Fig. 3: the fraction of seeds that reach the threshold, against the budget.

    The paper's 70% (Walker2d 20%) is a fraction at the end of its own training
    budget, which our sources do not state; rlbench's budgets are its own. So the
    rows give the fraction at each scale's budget and no verdict, and
    ``success_by_budget.csv`` holds the whole curve (training episodes, exact
    Clopper-Pearson intervals) for a reader to set beside the paper's figure.
    """
    from rlbench.stats import success_by_budget

    trials = results.trials
    if scale == "full":
        keep = [f"ars-{FIG3_VARIANT.get(env)}" for env in trials["env"]]
        trials = trials[trials["agent"].to_numpy() == keep]
    curve = success_by_budget(trials, unit="episodes", curves=results.curves)
    out.mkdir(parents=True, exist_ok=True)
    curve.to_csv(out / "success_by_budget.csv", index=False)
    rows = []
    for (agent, env), group in curve.groupby(["agent", "env"], sort=True):
        last = group.iloc[-1]  # at the horizon: every run was given this budget
        rows.append(
            Row(
                quantity=f"fraction of seeds reaching the threshold, {env}",
                paper=None,
                source="§4.2 / Fig. 3 ('70% of the time ... Walker2d only 20%')",
                status="claim",
                ours=float(last["rate"]),
                lower=float(last["lower"]),
                upper=float(last["upper"]),
                method="Clopper-Pearson 95%",
                n=int(last["n_runs"]),
                claim=f"{FIG3_SUCCESS.get(env, 0.7):.0%} within the paper's budget",
                note=f"{agent} at {int(last['budget']):,} training episodes (the runs' "
                f"horizon); the paper's budget is not in our sources, so no verdict; "
                f"{int(last['n_failed'])} failed runs counted as not reaching; the curve "
                "against the budget is in analysis/success_by_budget.csv",
            )
        )
    preamble = (
        f"{PAPER}, Fig. 3: the 100-seed study. The paper's fraction is at the end of its own "
        "training budget, which our sources do not state, so each row gives ours at its "
        "scale's budget without a verdict, and the success rate against the budget is written "
        "beside this table."
    )
    return rows, preamble


# ---------------------------------------------------------------- Fig. 4
SENS_GRID = {"step_size": [0.01, 0.02, 0.04], "noise": [0.005, 0.01, 0.02]}


def sensitivity_suite(scale: str) -> dict[str, Any]:
    if scale == "smoke":
        grid = {"plan": "grid", "values": {"step_size": [0.01, 0.02], "noise": [0.01, 0.02]}}
        agents = [{**_ars("ars", "V1"), "perturb": grid}]
        return suite("mania2018-sensitivity-smoke", ["Swimmer-v5"], agents, 2, 4000, 2000, 1)
    if scale == "small":
        agents = [{**_ars("ars", "V1"), "perturb": {"plan": "grid", "values": SENS_GRID}}]
        return suite("mania2018-sensitivity-small", ["Swimmer-v5"], agents, 3, 200_000, 10_000, 3)
    one_at_a_time = {
        "plan": "one-at-a-time",
        "params": ["step_size", "noise", "n_directions"],
        "factors": [0.5, 2.0],
    }
    agents = [{**agent, "perturb": one_at_a_time} for agent in _fig3_agents()]
    return suite("mania2018-sensitivity", _full_envs(), agents, 3, 1_000_000, 10_000, 100)


def sensitivity_analyse(results: Any, scale: str, out: Path) -> tuple[list[Row], str]:
    from rlbench.sensitivity import analyse

    trials = results.trials
    result = analyse(trials, metric="final_return", stat="median", reps=2000, seed=0)
    rows = []
    for env in sorted(trials["env"].unique()):
        sub = trials[trials["env"] == env]
        configs = sub.groupby("config_id")
        # the paper's question: does the median seed of a config reach the threshold?
        # (a failed trial counts as not reaching it)
        succeeded = sum(
            int(group["threshold_step"].notna().sum() * 2 > len(group)) for _, group in configs
        )
        n_configs = configs.ngroups
        lo, hi = wilson(succeeded, n_configs)
        rows.append(
            Row(
                quantity=f"fraction of configs whose median seed reaches the threshold, {env}",
                paper=None,
                source="Fig. 4",
                status="claim",
                claim="success 'as influenced by the choice of hyperparameters as by the seed'",
                ours=succeeded / n_configs,
                lower=lo,
                upper=hi,
                method="Wilson 95% over configs",
                n=n_configs,
            )
        )
        for part in result.variance:
            if part.env != env:
                continue
            icc = part.icc
            rows.append(
                Row(
                    quantity=f"share of final-return variance between configs (ICC), {env}",
                    paper=None,
                    source="Fig. 4 (our decomposition)",
                    status="claim",
                    claim="seeds and hyperparameters matter about equally",
                    ours=icc.estimate,
                    lower=icc.lower,
                    upper=icc.upper,
                    method=icc.method,
                    n=part.n_runs,
                    note=f"{part.n_configs} configs; 0.5 = equal shares",
                )
            )
    preamble = (
        f"{PAPER}, Fig. 4: ARS over a grid of hyperparameters and seeds. Ours adds the share "
        "of variance between configs (ICC(A,1) of the two-way design: configs x crossed "
        "seeds; one-way ICC(1) only when a run is missing)."
        + (" Notes: " + "; ".join(result.notes) + "." if result.notes else "")
    )
    return rows, preamble


# ---------------------------------------------------------------- §4.3 LQR
def lqr_suite(scale: str) -> dict[str, Any]:
    ars = _ars("ars", "V1", step_size=0.002, noise=0.01, n_directions=8, top_directions=8)
    agents = [ars, {"card": "nominal", "name": "nominal"}]
    lqr = ["rlbench/LQR-v0"]
    if scale == "smoke":
        return suite("mania2018-lqr-smoke", lqr, agents, 2, 12_000, 3000, 1)
    if scale == "small":
        return suite("mania2018-lqr-small", lqr, agents, paper_seeds(20), 300_000, 15_000, 2)
    return suite("mania2018-lqr", lqr, agents, paper_seeds(100), 1_000_000, 20_000, 10)


# long on purpose: one Row per reported quantity, in the comparison table's order
def lqr_analyse(results: Any, scale: str, out: Path) -> tuple[list[Row], str]:
    curves = results.curves
    if "metric.relative_cost" not in curves:
        raise ValueError("the LQR results hold no relative-cost metric (env card metrics)")
    table = []
    for (agent, step), group in curves.groupby(["agent", "step"]):
        cost = group["metric.relative_cost"].to_numpy(dtype=np.float64)
        stable = np.isfinite(cost)
        finite = cost[stable]
        table.append(
            {
                "agent": agent,
                "step": int(step),
                "trials": len(cost),
                "fraction_stabilizing": float(stable.mean()),
                "median_relative_cost": float(np.median(cost)) if len(cost) else math.nan,
                "p02": float(np.percentile(finite, 2)) if len(finite) else math.nan,
                "p98": float(np.percentile(finite, 98)) if len(finite) else math.nan,
            }
        )
    import pandas as pd

    frame = pd.DataFrame(table)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "lqr_by_budget.csv", index=False)
    _plot_lqr(frame, out)
    rows = []
    for agent, group in frame.sort_values("step").groupby("agent"):
        n = int(group["trials"].iloc[-1])
        stable = group[group["fraction_stabilizing"] >= 0.9]
        first = int(stable["step"].iloc[0]) if len(stable) else None
        rows.append(
            Row(
                quantity=f"env steps until ≥ 90% of seeds stabilise, {agent}",
                paper=None,
                source="Fig. 5 (frequency of stability)",
                status="claim",
                claim="nominal control needs far fewer samples than ARS",
                ours=first,
                method=f"first evaluation step (grid of {int(group['step'].diff().max()):,})",
                n=n,
                note="" if first is not None else "not within the budget",
            )
        )
        last = group.iloc[-1]
        rows.append(
            Row(
                quantity=f"median relative cost (J−J*)/J*, {agent}, {int(last['step']):,} steps",
                paper=None,
                source="Fig. 5 (relative cost)",
                status="claim",
                claim="both approach J*; nominal control far sooner",
                ours=float(last["median_relative_cost"]),
                lower=float(last["p02"]),
                upper=float(last["p98"]),
                method="2nd–98th percentile over seeds (not a CI)",
                n=n,
                note=f"{last['fraction_stabilizing']:.0%} of seeds stabilising",
            )
        )
    preamble = (
        f"{PAPER}, §4.3 / Fig. 5: ARS (V1) and nominal control (least squares, then Riccati) on "
        "the LQR; relative cost from the exact average cost of the learned gain (closed form). "
        "lqr_by_budget.csv and lqr.png give the curves against the budget."
    )
    return rows, preamble


def _plot_lqr(frame: Any, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 2.8), constrained_layout=True)
    for i, (agent, group) in enumerate(frame.groupby("agent")):
        color = ["#0072B2", "#E69F00", "#009E73"][i % 3]
        ax1.plot(group["step"], group["fraction_stabilizing"], marker="o", color=color, label=agent)
        ax2.plot(group["step"], group["median_relative_cost"], marker="o", color=color, label=agent)
        ax2.fill_between(group["step"], group["p02"], group["p98"], color=color, alpha=0.2)
    ax1.set(xlabel="env steps", ylabel="fraction stabilising", ylim=(-0.05, 1.05))
    ax2.set(xlabel="env steps", ylabel="relative cost (J−J*)/J*", yscale="log")
    ax1.legend(frameon=False)
    ax2.set_title("median, 2–98th percentile", fontsize=8)
    fig.savefig(out / "lqr.png", dpi=150)
    fig.savefig(out / "lqr.pdf")
    plt.close(fig)


SCALES_TEXT = {
    "seeds": {
        "smoke": "Swimmer-v5 V1, 3 seeds × 4,000 steps",
        "small": "Swimmer-v5 V1, 20 of the 100 seeds, 300,000 steps, 3 evaluation episodes every 10,000 steps",
        "full": "6 tasks with the Fig.-3 variants, 100 seeds from [0, 10000), 100 evaluation episodes",
    },
    "sensitivity": {
        "smoke": "Swimmer-v5 V1, 2×2 grid of step size × noise, 2 seeds × 4,000 steps",
        "small": "Swimmer-v5 V1, 3×3 grid (step size 0.01–0.04, noise 0.005–0.02), 3 seeds × 200,000 steps",
        "full": "6 tasks, step size, noise and N each ×0.5 and ×2 around Table 1, 3 seeds",
    },
    "lqr": {
        "smoke": "ARS V1 and nominal control, 2 seeds × 12,000 steps",
        "small": "20 seeds × 300,000 steps, evaluated every 15,000 steps",
        "full": "100 seeds × 1,000,000 steps",
    },
}

REPRODUCTIONS = [
    Reproduction(
        "mania2018-seeds",
        f"{PAPER}, Fig. 3: the 100-seed study",
        seeds_suite,
        seeds_analyse,
        SCALES_TEXT["seeds"],
    ),
    Reproduction(
        "mania2018-sensitivity",
        f"{PAPER}, Fig. 4: hyperparameter sensitivity",
        sensitivity_suite,
        sensitivity_analyse,
        SCALES_TEXT["sensitivity"],
    ),
    Reproduction(
        "mania2018-lqr",
        f"{PAPER}, §4.3 / Fig. 5: ARS vs nominal control on the LQR",
        lqr_suite,
        lqr_analyse,
        SCALES_TEXT["lqr"],
    ),
]
