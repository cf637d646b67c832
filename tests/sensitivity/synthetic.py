"""Synthetic trials tables with planted structure (no training)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd


def _row(
    agent,
    env,
    config_id,
    seed,
    value,
    kind,
    label,
    hparams,
    param=None,
    factor=None,
    threshold=np.nan,
    reached=False,
    status="done",
):
    row = {
        "trial_id": f"{agent}-{env}-{config_id}-{seed}",
        "agent": agent,
        "env": env,
        "config_id": config_id,
        "seed": seed,
        "status": status,
        "error": None if status == "done" else "diverged",
        "reason": None,
        "final_return": value if status == "done" else np.nan,
        "auc": value if status == "done" else np.nan,
        "best_return": value if status == "done" else np.nan,
        "threshold_step": 1000 if reached and status == "done" else None,
        "threshold_episodes": None,
        "wall_time": 1.0,
        "card": agent,
        "perturbation": label,
        "perturb_kind": kind,
        "perturb_param": param,
        "perturb_factor": factor,
        "threshold": threshold,
        "budget_steps": 1000,
    }
    row.update({f"hp.{k}": v for k, v in hparams.items()})
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    trials = pd.DataFrame(rows)
    trials["threshold_step"] = trials["threshold_step"].astype("Int64")
    return trials


def grid_trials(
    surface: np.ndarray,
    values: dict[str, list],
    seed_sd: float,
    n_seeds: int,
    rng: np.random.Generator,
    agent="agent",
    env="env",
    include_base=False,
) -> pd.DataFrame:
    """A full grid: response ``surface[i, j, ...]`` plus N(0, seed_sd^2) seed noise."""
    names = list(values)
    rows = []
    for index in itertools.product(*(range(len(values[n])) for n in names)):
        hp = {n: values[n][i] for n, i in zip(names, index, strict=True)}
        label = ",".join(f"{k}={v}" for k, v in hp.items())
        for seed in range(n_seeds):
            value = surface[index] + seed_sd * rng.standard_normal()
            rows.append(_row(agent, env, f"c{label}", seed, value, "grid", label, hp))
    if include_base:
        hp = {n: values[n][0] for n in names}
        for seed in range(n_seeds):
            value = surface[(0,) * len(names)] + seed_sd * rng.standard_normal()
            rows.append(_row(agent, env, "base", seed, value, "base", "base", hp))
    return frame(rows)


def oat_trials(
    agent: str,
    env: str,
    base_mean: float,
    effects: dict[str, dict[float, float]],
    seed_sd: float,
    n_seeds: int,
    rng: np.random.Generator,
    threshold=np.nan,
    failed=(),
) -> list[dict]:
    """One-at-a-time configs: mean ``base_mean + effects[param][factor]``."""
    base_hp = {name: 1.0 for name in effects}
    configs = [("base", "base", None, None, base_hp, base_mean)]
    for name, by_factor in effects.items():
        for factor, effect in by_factor.items():
            hp = {**base_hp, name: factor}
            configs.append(
                (f"{name}x{factor:g}", "one-at-a-time", name, factor, hp, base_mean + effect)
            )
    rows = []
    for label, kind, param, factor, hp, mean in configs:
        for seed in range(n_seeds):
            value = mean + seed_sd * rng.standard_normal()
            status = "failed" if (label, seed) in failed else "done"
            rows.append(
                _row(
                    agent,
                    env,
                    f"{agent}-{label}",
                    seed,
                    value,
                    kind,
                    label,
                    hp,
                    param,
                    factor,
                    threshold,
                    bool(value > threshold),
                    status,
                )
            )
    return rows


def fragile_and_sturdy() -> list[dict]:
    """Two one-at-a-time agents on env E: ``fragile`` loses much when perturbed (one of
    its runs failed), ``sturdy`` almost nothing; 8 seeds, threshold 0.75."""
    rng = np.random.default_rng(5)
    fragile = {"lr": {0.5: -0.5, 2.0: -0.8}, "noise": {0.5: -0.3, 2.0: -0.4}}
    sturdy = {"lr": {0.5: -0.02, 2.0: -0.05}, "noise": {0.5: 0.0, 2.0: -0.02}}
    rows = oat_trials(
        "fragile", "E", 1.0, fragile, 0.1, 8, rng, threshold=0.75, failed={("lrx2", 0)}
    )
    return rows + oat_trials("sturdy", "E", 1.0, sturdy, 0.1, 8, rng, threshold=0.75)
