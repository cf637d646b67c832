"""The summary of a tune (``tune.json``, ``--json``) and its terminal table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rlbench.store import atomic_write
from rlbench.tune.scores import interval, optimism, rank_correlation
from rlbench.tune.study import outcome

if TYPE_CHECKING:
    from rlbench.store import Store
    from rlbench.trials import Trial
    from rlbench.tune.run import Tuner
    from rlbench.tune.spec import TunePlan
    from rlbench.tune.study import Search


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and inf become None, NumPy scalars plain numbers."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def retest_entry(
    plan: TunePlan, number: int | None, params: dict[str, Any], ids: dict[str, str],
    in_sample: np.ndarray | None, held_out: np.ndarray,
) -> dict[str, Any]:  # fmt: skip
    """One retested configuration: in-sample, held-out with CI, optimism with CI."""
    spec = plan.spec
    cid = next(iter(ids.values())) if len(set(ids.values())) == 1 else None
    if cid is None:
        from rlbench.trials import short_hash

        cid = short_hash(sorted(ids.items()), 10)
    entry: dict[str, Any] = {
        "config_id": cid,
        "config_ids": ids,
        "trial": number,
        "hparams": params,
        "in_sample": None,
        "held_out": interval(held_out, spec.objective.stat, spec.reps, spec.seed),
        "optimism": None,
    }
    if in_sample is not None:
        entry["in_sample"] = interval(in_sample, spec.objective.stat, spec.reps, spec.seed)
        entry["optimism"] = optimism(in_sample, held_out, spec.objective.stat, spec.reps, spec.seed)
    return entry


def summarise(
    plan: TunePlan,
    search: Search,
    retest: list[tuple[Any, list[Trial]]],
    tuner: Tuner,
    store: Store,
) -> dict[str, Any]:
    """Everything a tune reports, from the study and the records (see the README)."""
    spec = plan.spec
    entries, default = [], None
    for trial, trials in retest:
        ids = {t.env: t.config_id for t in trials}
        held_out = tuner.scores(trials, plan.test_seeds)
        if trial is None:
            default = retest_entry(plan, None, {}, ids, None, held_out)
            default["hparams"] = {k: trials[0].hparams[k] for k in plan.space}
            continue
        tuning = config_trials_scores(plan, tuner, trial)
        entries.append(retest_entry(plan, trial.number, dict(trial.params), ids, tuning, held_out))
    scored = [e for e in entries if e["held_out"]["value"] == e["held_out"]["value"]]
    best = max(scored, key=lambda e: e["held_out"]["value"], default=None)
    history = [_history_entry(t) for t in search.finished()]
    summary = {
        "suite": plan.suite.name,
        "agent": plan.label,
        "envs": list(plan.envs),
        "sampler": spec.sampler,
        "seed": spec.seed,
        "objective": {**spec.objective.model_dump(), "normalised": plan.normalise is not None},
        "seeds": {"tuning": list(plan.tuning_seeds), "test": list(plan.test_seeds)},
        "best": best,
        "retest": entries,
        "default": default,
        "rank_correlation": rank_correlation(
            [e["in_sample"]["value"] for e in entries], [e["held_out"]["value"] for e in entries]
        ),
        "cost": _cost(search, tuner, store),
        "importance": search.importance(),
        "history": history,
    }
    return _clean(summary)


def _history_entry(trial: Any) -> dict[str, Any]:
    told = outcome(trial)
    note = told.get("infeasible")
    if told.get("failed"):
        note = f"{told['failed']} trials failed"
    return {
        "trial": trial.number,
        "batch": trial.user_attrs["position"][0],
        "state": trial.state.name,
        "value": trial.value,
        "params": dict(trial.params),
        "config_id": told.get("config_id"),
        "note": note,
    }


def config_trials_scores(plan: TunePlan, tuner: Tuner, trial: Any) -> np.ndarray:
    """The tuning-seed scores of one Optuna trial, from its tune-phase records."""
    from rlbench.tune.run import config_trials

    trials = config_trials(plan, dict(trial.params), plan.tuning_seeds, "tune", trial.number)
    return tuner.scores(trials, plan.tuning_seeds)


def _cost(search: Search, tuner: Tuner, store: Store) -> dict[str, Any]:
    recs = tuner.records.values()
    by_phase = {p: [r for r in recs if r["phase"] == p] for p in ("tune", "test")}
    runs = [r for r in store.manifest().get("runs", []) if r.get("kind") == "tune"]
    finished = search.finished()
    return {
        "configs": len(finished),
        "configs_complete": len(search.complete()),
        "configs_infeasible": sum("infeasible" in outcome(t) for t in finished),
        "configs_failed": sum("failed" in outcome(t) for t in finished),
        "trials": {p: len(r) for p, r in by_phase.items()},
        "env_steps": {p: int(sum(x["budget_steps"] for x in r)) for p, r in by_phase.items()},
        "trial_wall_time_s": {
            p: float(sum(x["wall_time"] for x in r)) for p, r in by_phase.items()
        },
        "runs": len(runs),
        "elapsed_s": float(sum(r["ended"] - r["started"] for r in runs if r.get("ended"))),
    }


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(summary, indent=1, sort_keys=False, allow_nan=False) + "\n")


def _ci(block: dict[str, Any] | None) -> str:
    if not block or block.get("value") is None:
        return "-"
    low, high = block["ci"]
    if low is None:
        return f"{block['value']:.4g}"
    return f"{block['value']:.4g} [{low:.4g}, {high:.4g}]"


def print_summary(summary: dict[str, Any]) -> None:
    """The retest table, the selected config, rank correlation, cost and importances."""
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False, markup=False)
    obj = summary["objective"]
    table = Table(title=f"tune of {summary['agent']} on {', '.join(summary['envs'])}: "
                        f"{obj['stat']} of {obj['metric']}"
                        f"{' (normalised)' if obj['normalised'] else ''}")  # fmt: skip
    for col in ("config", "trial", "hyperparameters", "in-sample", "held-out", "seeds", "optimism"):
        table.add_column(col, justify="left" if col in ("config", "hyperparameters") else "right")
    rows = summary["retest"] + ([summary["default"]] if summary["default"] else [])
    for e in rows:
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in e["hparams"].items())  # fmt: skip
        table.add_row(
            e["config_id"], "default" if e["trial"] is None else str(e["trial"]), shown,
            _ci(e["in_sample"]), _ci(e["held_out"]), str(e["held_out"]["seeds"]),
            _ci(e["optimism"]),
        )  # fmt: skip
    con.print(table)
    best = summary["best"]
    if best:
        held = best["held_out"]
        con.print(f"selected (best held-out): {best['config_id']} (trial {best['trial']}), "
                  f"held-out {_ci(held)} on {held['seeds']} test seeds")  # fmt: skip
    rho = summary["rank_correlation"]
    if rho["spearman"] is not None:
        p = f"p = {rho['p_value']:.3g}" if rho["p_value"] is not None else "no p-value"
        con.print(f"rank correlation in-sample vs held-out: Spearman {rho['spearman']:.3f} "
                  f"({p}, {rho['configs']} configs)")  # fmt: skip
    cost = summary["cost"]
    con.print(
        f"cost: {cost['configs']} configs ({cost['configs_infeasible']} infeasible, "
        f"{cost['configs_failed']} failed), trials {cost['trials']['tune']} tune + "
        f"{cost['trials']['test']} test, env steps {cost['env_steps']['tune']:,} + "
        f"{cost['env_steps']['test']:,}, trial time {sum(cost['trial_wall_time_s'].values()):.1f} s"
    )
    for name, values in summary["importance"].items():
        text = values if isinstance(values, str) else ", ".join(
            f"{k} {v:.2f}" for k, v in values.items())  # fmt: skip
        con.print(f"importance ({name}): {text}")
