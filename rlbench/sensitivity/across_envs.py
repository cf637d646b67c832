"""Cross-environment hyperparameter sensitivity (Adkins, Bowling, White, NeurIPS 2024,
"A Method for Evaluating Hyperparameter Sensitivity in Reinforcement Learning",
arXiv:2412.07165): how much of an agent's score comes from tuning it per env.

Definitions, per agent (Γ is the normalised score of a config on an env, the
mean over its seeds of each run's normalised score):

* ``per_env_tuned``: mean over envs of the best Γ on that env;
* ``cross_env_tuned``: best, over configs run on every env, of the mean over envs of Γ;
* ``sensitivity`` = ``per_env_tuned`` - ``cross_env_tuned``;
* ``effective_dim``: the fewest hyperparameters tuned per env, the others held
  at the cross-env tuned config's values, for the mean over envs of the best
  available Γ to reach ``target x per_env_tuned`` (0 when the cross-env config
  already does; NaN when nothing does, which happens only if ``per_env_tuned`` < 0).

A *config* here is an assignment of the agent's swept hyperparameters: the
``hp.*`` columns that take more than one value on some env. Hyperparameters
that are constant within every env (a per-env default such as a horizon) are
part of the env, not of the config, so the same swept values on two envs are
one config even when such defaults differ. Without ``hp.*`` columns a config is
its ``config_id``. Failed runs and non-finite scores are left out (counted in
the notes); a (config, env) without a finite run counts as not run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.errors import InputError, UnknownNameError
from rlbench.sensitivity import cross_env_core as core
from rlbench.stats import arrays, resampling

NORMALIZATIONS = ("percentile", "reference", "none")
STATISTICS = ("per_env_tuned", "cross_env_tuned", "sensitivity", "effective_dim")


def normalized_scores(
    done: pd.DataFrame,
    metric: str,
    normalize: str,
    references: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
) -> tuple[pd.Series, dict[str, tuple[float, float]]]:
    """Each run's normalised score, and the ``(low, high)`` mapped to 0 and 1 per env.

    ``percentile``: low/high are the 5th/95th percentiles (numpy's linear rule) of
    all runs' scores on the env, pooled over every agent and config of ``done``;
    ``reference``: the env's random and reference scores (``references`` or the
    env cards); ``none``: 0 and 1.

    Raises:
        InputError: an env whose low and high coincide, or without reference scores.
    """
    envs = sorted(done["env"].unique())
    if normalize == "none":
        bounds = {env: (0.0, 1.0) for env in envs}
    elif normalize == "percentile":
        bounds = {}
        for env, scores in done.groupby("env")[metric]:
            low, high = np.percentile(scores.to_numpy(dtype=float), [5, 95])
            bounds[str(env)] = (float(low), float(high))
    else:
        if references is None:
            from rlbench.cards import env_reference_scores

            random, reference = env_reference_scores(envs)
        else:
            random, reference = dict(references[0]), dict(references[1])
            missing = [e for e in envs if e not in random or e not in reference]
            if missing:
                raise InputError(f"normalize='reference': no reference scores for {missing[0]}")
        bounds = {env: (float(random[env]), float(reference[env])) for env in envs}
    for env, (low, high) in bounds.items():
        if not high != low:
            raise InputError(
                f"env {env}: the scores mapped to 0 and 1 are equal ({low:g}) under "
                f"normalize={normalize!r}; choose another normalisation"
            )
    low = done["env"].map({e: b[0] for e, b in bounds.items()})
    high = done["env"].map({e: b[1] for e, b in bounds.items()})
    return (done[metric] - low) / (high - low), bounds


def _codes(column: pd.Series) -> np.ndarray:
    """Integer codes of a column's values in sorted order (missing: -1)."""
    try:
        return pd.factorize(column, sort=True)[0]
    except TypeError:  # mixed types: order by their text
        return pd.factorize(column.map(repr), sort=True)[0]


def swept_hparams(rows: pd.DataFrame) -> list[str]:
    """``hp.*`` columns (without the prefix) taking more than one value on some env."""
    names = []
    envs = pd.factorize(rows["env"])[0]
    for column in sorted(c for c in rows.columns if str(c).startswith("hp.")):
        pairs = _unique_rows(np.stack([envs, _codes(rows[column])], axis=1))[0]
        if len(pairs) > len(np.unique(pairs[:, 0])):
            names.append(str(column)[3:])
    return names


def _unique_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, axis=0, return_inverse=True)`` via one integer per row (faster)."""
    shifted = codes - codes.min(axis=0) if len(codes) else codes
    dims = tuple(int(d) for d in shifted.max(axis=0) + 1) if len(codes) else ()
    if not dims or math.prod(dims) >= 2**62:
        unique, inverse = np.unique(codes, axis=0, return_inverse=True)
        return unique, inverse.reshape(-1)
    flat = np.ravel_multi_index(tuple(shifted.T), dims)
    _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    return codes[first], inverse.reshape(-1)


def _check(trials: pd.DataFrame, metric: str, normalize: str, target: float) -> None:
    if not isinstance(trials, pd.DataFrame):
        raise InputError(f"trials must be a pandas DataFrame, got {type(trials).__name__}")
    missing = [c for c in ("agent", "env", metric) if c not in trials.columns]
    if missing:
        raise InputError(
            f"the trials table lacks column(s) {', '.join(missing)}; pass rlbench.load(path).trials"
        )
    if not pd.api.types.is_numeric_dtype(trials[metric]):
        raise InputError(f"metric column {metric!r} is not numeric")
    if normalize not in NORMALIZATIONS:
        raise UnknownNameError("normalisation", normalize, NORMALIZATIONS, where="normalize")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target <= 1:
        raise InputError(f"target must be in (0, 1], got {target!r}")


def across_envs(
    trials: pd.DataFrame,
    metric: str = "final_return",
    normalize: str = "percentile",
    target: float = 0.95,
    reps: int = RESAMPLES,
    seed: int | np.random.Generator = SEED,
    confidence: float = CONFIDENCE,
    references: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Cross-environment sensitivity of each agent, with bootstrap CIs.

    Args:
        trials: ``rlbench.load(path).trials`` (``agent``, ``env``, ``status``,
            ``seed``, ``config_id``, ``hp.<name>`` columns and ``metric``).
        metric: the score column (any numeric column).
        normalize: ``percentile`` (the paper's), ``reference`` or ``none``.
        target: the fraction of ``per_env_tuned`` that ``effective_dim`` must reach.
        reps: bootstrap resamples (seeds resampled within each env and config).
        seed: seed (or Generator) of the resamples.
        confidence: level of the percentile intervals.
        references: ``(random, reference)`` scores by env, for ``reference``
            (default: the env cards').

    Returns:
        One row per agent: ``agent``, ``n_envs``, ``n_configs``, ``n_shared_configs``,
        ``max_seeds``, the four `STATISTICS` and, for each, ``<name>_ci_low`` and
        ``<name>_ci_high`` (NaN when the trials have no seeds or one run per cell),
        ``cross_env_config`` (``{hyperparameter: value}``, or ``{"config_id": id}``),
        ``tuned_hparams`` (the swept hyperparameters) and ``effective_hparams``
        (those making up ``effective_dim``). ``frame.attrs``: ``notes``,
        ``bounds`` (per env, the scores mapped to 0 and 1), the settings, and
        ``draws``: per agent, each statistic's ``(reps,)`` bootstrap values.
        Agents are resampled independently, so the difference of two agents'
        draws resamples the difference of their statistics.

    Raises:
        InputError: missing or non-numeric columns, bad settings, no done runs,
            an env that cannot be normalised.
    """
    _check(trials, metric, normalize, target)
    arrays.check_reps(reps)
    arrays.check_confidence(confidence)
    rng, seed_used = resampling.make_rng(seed)
    status = trials["status"] if "status" in trials.columns else pd.Series("done", trials.index)
    finite = np.isfinite(trials[metric].to_numpy(dtype=float))
    done = trials[(status == "done").to_numpy() & finite].copy()
    notes = []
    excluded = len(trials) - len(done)
    if excluded:
        notes.append(f"{excluded} failed or non-finite run(s) left out of {metric}")
    if done.empty:
        raise InputError(f"no done run with a finite {metric}: nothing to analyse")
    done["score"], bounds = normalized_scores(done, metric, normalize, references)
    has_seeds = "seed" in done.columns and bool(done["seed"].notna().all())
    if not has_seeds:
        notes.append("the trials have no seed column: no bootstrap intervals")
    rows, draws = [], {}
    for agent, agent_rows in done.groupby("agent", sort=True):
        row, agent_notes = _agent_row(agent_rows, target, reps, rng, confidence, has_seeds)
        if "_draws" in row:
            draws[str(agent)] = row.pop("_draws")
        rows.append({"agent": str(agent), **row})
        notes += [f"{agent}: {n}" for n in agent_notes]
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        notes=notes, bounds=bounds, metric=metric, normalize=normalize, target=target,
        reps=reps, seed=seed_used, confidence=confidence, draws=draws,
    )  # fmt: skip
    return frame


def _agent_arrays(rows: pd.DataFrame) -> dict[str, Any]:
    """The agent's runs as ``(n_envs, n_configs, max_runs)``, configs in sorted order."""
    names = swept_hparams(rows)
    if names:
        columns = np.stack([_codes(rows[f"hp.{n}"]) for n in names], axis=1)
    elif "config_id" in rows and (rows.groupby("env")["config_id"].nunique() > 1).any():
        columns = _codes(rows["config_id"].astype(str))[:, None]
    else:
        columns = np.zeros((len(rows), 1), dtype=np.int64)
    codes, config_index = _unique_rows(columns)
    envs = sorted(rows["env"].unique())
    env_index = rows["env"].map({e: i for i, e in enumerate(envs)}).to_numpy()
    order = pd.Series(0, index=rows.index).groupby([env_index, config_index]).cumcount()
    runs = np.full((len(envs), len(codes), int(order.max()) + 1), np.nan)
    runs[env_index, config_index, order.to_numpy()] = rows["score"].to_numpy(dtype=float)
    counts = np.zeros((len(envs), len(codes)), dtype=np.int64)
    np.add.at(counts, (env_index, config_index), 1)
    first = rows.iloc[np.unique(config_index, return_index=True)[1]]
    if names:
        values = [{n: _plain(v) for n, v in zip(names, r, strict=True)}
                  for r in first[[f"hp.{n}" for n in names]].itertuples(index=False)]  # fmt: skip
    elif columns.any():
        values = [{"config_id": str(c)} for c in first["config_id"]]
    else:
        values = [{}]
    groups = core.group_labels(codes - codes.min(axis=0) if names else codes[:, :0])
    return {"names": names, "envs": envs, "runs": runs, "counts": counts, "values": values,
            "groups": groups}  # fmt: skip


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _agent_row(
    rows: pd.DataFrame,
    target: float,
    reps: int,
    rng: np.random.Generator,
    confidence: float,
    has_seeds: bool,
) -> tuple[dict[str, Any], list[str]]:
    data = _agent_arrays(rows)
    runs, counts, names = data["runs"], data["counts"], data["names"]
    notes = []
    gamma = np.where(counts > 0, np.nansum(runs, axis=2) / np.maximum(counts, 1), np.nan)
    point = core.estimates(gamma[None], data["groups"], target)
    shared = int((counts > 0).all(axis=0).sum())
    if len(data["envs"]) < 2:
        notes.append(f"ran on one env only ({data['envs'][0]}): sensitivity is 0 by definition")
    if not shared:
        notes.append("no config was run on every env: no cross-env tuned score")
    elif math.isnan(point.effective_dim[0]):
        notes.append("per-env tuning never reaches target x per_env_tuned (it is negative)")
    best = int(point.cross_config[0])
    chosen = int(point.effective_subset[0])
    subset = core.subsets(len(names))[chosen] if chosen >= 0 else None
    row: dict[str, Any] = {
        "n_envs": len(data["envs"]), "n_configs": runs.shape[1], "n_shared_configs": shared,
        "max_seeds": int(counts.max()),
    }  # fmt: skip
    for name in STATISTICS:
        row[name] = float(getattr(point, name)[0])
    for name in STATISTICS:
        row[f"{name}_ci_low"] = row[f"{name}_ci_high"] = math.nan
    if has_seeds and counts.max() >= 2:
        boot = core.bootstrap(runs, counts, data["groups"], target, reps, rng)
        alpha = (1 - confidence) / 2
        for name in STATISTICS:
            values = getattr(boot, name)
            if np.isnan(values).all():
                continue
            low, high = np.nanquantile(values, [alpha, 1 - alpha])
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = float(low), float(high)
        undefined = int(np.isnan(boot.effective_dim).sum())
        if undefined and shared:
            notes.append(f"effective_dim undefined in {undefined} of {reps} resamples")
        outside = [n for n in STATISTICS[:3]
                   if not row[f"{n}_ci_low"] <= row[n] <= row[f"{n}_ci_high"]]  # fmt: skip
        if outside:
            notes.append(
                f"{', '.join(outside)} outside its percentile interval: a maximum over configs "
                "of few seeds' means is biased upward under resampling (heavy tails, few seeds)"
            )
        row["_draws"] = {n: getattr(boot, n) for n in STATISTICS}
    elif has_seeds:
        notes.append("one run per (config, env): no bootstrap intervals")
    row["cross_env_config"] = data["values"][best] if best >= 0 else None
    row["tuned_hparams"] = tuple(names)
    row["effective_hparams"] = None if subset is None else tuple(names[j] for j in subset)
    return row, notes
