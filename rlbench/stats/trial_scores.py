"""Scores of a tidy trials table: one agent's runs per env, as the statistics read them.

The input has one row per trial with the columns ``agent, env, config_id, seed,
status, final_return, auc, best_return``. Trials that are not ``done`` are
counted per agent and env and carried with the scores; how they score is
decided in `rlbench.stats.failed` (default: the env's lowest observed score, so
a failed run ranks last; ``failed='exclude'`` keeps the survivors only). Tasks
are envs. The comparisons run on these scores are in `rlbench.stats.frame`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rlbench.defaults import CONFIG_POLICIES
from rlbench.errors import InputError, UnknownNameError
from rlbench.stats import arrays, failed
from rlbench.stats.results import _ToDict
from rlbench.table_schema import METRICS

COLUMNS = ("agent", "env", "config_id", "seed", "status", "final_return", "auc", "best_return")


@dataclass(frozen=True, eq=False)
class AgentScores(_ToDict):
    """One agent's scores per env (ragged: envs may have different seed counts).

    Attributes:
        agent: the agent name.
        envs: env ids, the tasks, in column order.
        runs: per env, the scores ``(n,)`` in seed order (NaN kept): the done
            trials' and, under the ``'worst'`` failed policy, the failed ones'.
        seeds: per env, the seeds of those runs.
        not_done: per env, ``{status: count}`` of the trials that are not ``done``.
        n_failed_scored: per env, how many of ``runs`` are failed runs given the
            env's worst score (0 under ``'exclude'``).
        failed_policy: ``'worst'`` or ``'exclude'``.
    """

    agent: str
    envs: tuple[str, ...]
    runs: tuple[np.ndarray, ...]
    seeds: tuple[tuple[int, ...], ...]
    not_done: tuple[dict[str, int], ...]
    n_failed_scored: tuple[int, ...] = ()
    failed_policy: str = "worst"

    def matrix(self) -> np.ndarray:
        """``(max_runs, num_envs)`` scores padded with NaN (read with ``nan_policy='omit'``)."""
        out = np.full((max(len(r) for r in self.runs), len(self.runs)), np.nan)
        for column, runs in enumerate(self.runs):
            out[: len(runs), column] = runs
        return out


def check_trials(trials: pd.DataFrame, metric: str) -> None:
    missing = [column for column in COLUMNS if column not in trials.columns]
    if missing:
        raise InputError(f"the trials table lacks column(s) {', '.join(missing)}")
    if metric not in METRICS:
        raise UnknownNameError("metric", metric, METRICS)


def score_matrices(
    trials: pd.DataFrame,
    metric: str = "final_return",
    agents: Sequence[str] | None = None,
    failed_policy: str = "worst",
) -> dict[str, AgentScores]:
    """Per-agent score matrices (tasks = envs) from a trials table.

    Args:
        trials: the tidy trials DataFrame (see the module docstring).
        metric: ``final_return``, ``auc`` or ``best_return``.
        agents: the agents to keep, in this order (default: all, sorted).
        failed_policy: ``'worst'`` (default: a failed trial scores its env's
            lowest observed score) or ``'exclude'`` (see `rlbench.stats.failed`).

    Returns:
        ``{agent: AgentScores}``.

    Raises:
        InputError: on a missing column, an unknown metric or agent, an agent with
            no ``done`` trial, or several configs of one agent on one env.
    """
    check_trials(trials, metric)
    failed.check_failed_policy(failed_policy)
    worst = failed.worst_scores(trials, metric)
    known = sorted(str(a) for a in trials["agent"].unique())
    chosen = list(agents) if agents else known
    for agent in chosen:
        if agent not in known:
            raise UnknownNameError("agent", agent, known)
    out = {}
    for agent in chosen:
        rows = trials[trials["agent"].astype(str) == agent]
        done = rows[rows["status"] == "done"]
        envs = tuple(sorted(str(env) for env in rows["env"].unique()))
        configs = done.groupby(done["env"].astype(str))["config_id"].nunique()
        if (configs > 1).any():
            env = configs[configs > 1].index[0]
            raise InputError(
                f"agent {agent!r} has {configs[env]} configs on env {env!r}; "
                "compare one config per agent and env (filter the trials by config_id)"
            )
        runs, seeds, not_done, scored = [], [], [], []
        for env in envs:
            env_done = done[done["env"].astype(str) == env]
            env_rest = rows[(rows["env"].astype(str) == env) & (rows["status"] != "done")]
            env_runs, env_seeds, n_scored = failed.scored_runs(
                env_done, env_rest, metric, failed_policy, worst.get(env)
            )
            runs.append(env_runs)
            seeds.append(env_seeds)
            scored.append(n_scored)
            not_done.append({str(k): int(v) for k, v in env_rest["status"].value_counts().items()})
        out[agent] = AgentScores(
            agent, envs, tuple(runs), tuple(seeds), tuple(not_done), tuple(scored), failed_policy
        )
    return out


def apply_nan_policy(scores: AgentScores, nan_policy: str, metric: str) -> tuple[list, int]:
    """Runs per env after the NaN policy, with messages naming agent, env and seeds."""
    arrays.check_nan_policy(nan_policy)
    kept, excluded, bad = [], 0, []
    for env, runs, seeds in zip(scores.envs, scores.runs, scores.seeds, strict=True):
        finite = np.isfinite(runs)
        if not finite.all():
            where = ", ".join(str(s) for s, ok in zip(seeds, finite, strict=True) if not ok)
            bad.append(f"{env} (seeds {where})")
        excluded += int((~finite).sum())
        kept.append(runs[finite])
    if bad and nan_policy == "raise":
        raise InputError(
            f"agent {scores.agent!r} has {excluded} done trial(s) with NaN/inf {metric} on "
            f"{'; '.join(bad)}; pass nan_policy='omit' to exclude them (the count is reported)"
        )
    for env, runs, not_done in zip(scores.envs, kept, scores.not_done, strict=True):
        if runs.size == 0:
            others = f" (not done: {not_done})" if not_done else ""
            raise InputError(
                f"agent {scores.agent!r} has no finite {metric} on env {env!r}{others}"
            )
    return kept, excluded


def base_configs(trials: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Trials of each agent's base config, and how many perturbed trials were left out.

    `select_configs` with ``configs='base'``.
    """
    selection = select_configs(trials, "base")
    return selection.trials, selection.n_left_out


@dataclass(frozen=True)
class ConfigSelection:
    """The trials a comparison of agents uses, and what `select_configs` did.

    Attributes:
        trials: the selected trials (a new table when an agent was relabelled).
        n_left_out: trials of perturbed configs left out (``configs='base'``).
        relabelled: agents shown config by config as ``agent[label]``.
    """

    trials: pd.DataFrame
    n_left_out: int = 0
    relabelled: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        """What the selection did, in words (empty when it did nothing)."""
        out = []
        if self.n_left_out:
            out.append(
                f"comparing base configs only; {self.n_left_out} trials of perturbed configs "
                "left out (rlbench sensitivity analyses them; --configs all compares every config)"
            )
        if self.relabelled:
            out.append(
                "agents without a base config (a grid plan) are compared config by "
                "config, as agent[config]"
            )
        return out


def has_perturbed_configs(trials: pd.DataFrame) -> bool:
    """Whether a trials table holds a config other than an agent's base config."""
    if "perturbation" not in trials.columns:
        return False
    return bool((trials["perturbation"].fillna("base") != "base").any())


def select_configs(trials: pd.DataFrame, configs: str = "base") -> ConfigSelection:
    """The one base-config policy: which configs a comparison of agents uses.

    Where every agent has one config per env, the table is used as it is. Else
    ``base`` keeps each agent's base config (``perturbation == 'base'``) and
    leaves the perturbed ones to the sensitivity analysis; an agent whose plan
    has no base config (a grid without one) is shown config by config, as
    ``agent[label]``, never pooled and never dropped. ``all`` shows every
    perturbed config as an agent of its own, ``agent[label]``.

    Args:
        trials: the trials table (``rlbench.load(path).trials``).
        configs: ``base`` or ``all``.

    Returns:
        A `ConfigSelection`.
    """
    if configs not in CONFIG_POLICIES:
        raise InputError(f"--configs: {configs!r} is not allowed; expected base or all")
    if "perturbation" not in trials.columns:
        return ConfigSelection(trials)
    config = "config_id" if "config_id" in trials.columns else "perturbation"
    if not trials.groupby(["agent", "env"])[config].nunique().max() > 1:
        return ConfigSelection(trials)
    is_base = trials["perturbation"].fillna("base") == "base"
    if configs == "all":
        keep, split = is_base | ~is_base, ~is_base
    else:
        has_base = is_base.groupby([trials["agent"], trials["env"]]).transform("any")
        keep, split = is_base | ~has_base, ~has_base
    kept = trials[keep].copy()
    split = split[keep]
    relabelled = tuple(sorted(set(kept.loc[split, "agent"].astype(str))))
    kept.loc[split, "agent"] = (
        kept.loc[split, "agent"] + "[" + kept.loc[split, "perturbation"] + "]"
    )
    return ConfigSelection(kept, int((~keep).sum()), relabelled)
