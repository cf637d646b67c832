"""The DataFrame front: statistics of a tidy trials table.

The input has one row per trial with the columns ``agent, env, config_id, seed,
status, final_return, auc, best_return``. Trials that are not ``done`` are
counted per agent and env and reported with every result; how they score is
decided in `rlbench.stats.failed` (default: the env's lowest observed score, so
a failed run ranks last; ``failed='exclude'`` keeps the survivors only). Tasks
are envs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rlbench.errors import InputError, UnknownNameError
from rlbench.stats import _data, failed
from rlbench.stats.aggregates import normalize_scores, summarize_sample
from rlbench.stats.bootstrap import aggregate_intervals
from rlbench.stats.comparisons import (
    hedges_g,
    holm,
    mann_whitney,
    probability_of_improvement,
    vargha_delaney_a,
    welch_test,
)
from rlbench.stats.power import seeds_needed
from rlbench.stats.results import Interval, PowerResult, TaskSummary, TestResult, _ToDict
from rlbench.stats.sample import sample_interval
from rlbench.table_schema import METRICS

COLUMNS = ("agent", "env", "config_id", "seed", "status", "final_return", "auc", "best_return")
EFFECT_SIZES = (0.5, 1.0, 2.0)  # effects tried by `power` without one: multiples of the pilot std


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


def _check_trials(trials: pd.DataFrame, metric: str) -> None:
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
    _check_trials(trials, metric)
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


def _apply_nan_policy(scores: AgentScores, nan_policy: str, metric: str) -> tuple[list, int]:
    """Runs per env after the NaN policy, with messages naming agent, env and seeds."""
    _data.check_nan_policy(nan_policy)
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


@dataclass(frozen=True)
class AgentSummary(_ToDict):
    """One agent in a comparison: aggregates over envs and per-env summaries."""

    agent: str
    aggregates: tuple[Interval, ...]
    tasks: tuple[TaskSummary, ...]
    task_means: tuple[Interval, ...]
    not_done: tuple[dict[str, int], ...]
    n_excluded: int
    n_failed_scored: tuple[int, ...] = ()


@dataclass(frozen=True)
class TaskComparison(_ToDict):
    """Tests of two agents on one env; ``welch_p_holm`` is Holm-adjusted over the family."""

    env: str
    welch: TestResult | None
    mann_whitney: TestResult | None
    hedges_g: float
    vargha_delaney_a: float
    welch_p_holm: float


@dataclass(frozen=True)
class PairComparison(_ToDict):
    """Agent x against agent y: overall probability of improvement and per-env tests."""

    agent_x: str
    agent_y: str
    probability_of_improvement: Interval
    tasks: tuple[TaskComparison, ...]


@dataclass(frozen=True)
class Comparison(_ToDict):
    """The result of `compare`.

    Attributes:
        metric: the compared column.
        normalized: whether scores were normalised (random = 0, reference = 1).
        envs: the envs (tasks).
        agents: per-agent summaries.
        pairs: every pair of agents, in the order given.
        holm_family: number of Welch p-values Holm's correction ran over.
        notes: what was left out and why.
        failed_policy: how failed runs were scored (`rlbench.stats.failed`).
    """

    metric: str
    normalized: bool
    envs: tuple[str, ...]
    agents: tuple[AgentSummary, ...]
    pairs: tuple[PairComparison, ...]
    holm_family: int
    notes: tuple[str, ...]
    failed_policy: str = "worst"


def _task_tests(env: str, x: np.ndarray, y: np.ndarray) -> tuple:
    if min(x.size, y.size) < 2 or (np.ptp(x) == 0 and np.ptp(y) == 0):
        return env, None, mann_whitney(x, y), float("nan"), vargha_delaney_a(x, y)
    return env, welch_test(x, y), mann_whitney(x, y), hedges_g(x, y), vargha_delaney_a(x, y)


def compare(
    trials: pd.DataFrame,
    metric: str = "final_return",
    agents: Sequence[str] | None = None,
    normalize: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    reps: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    nan_policy: str = "raise",
    failed_policy: str = "worst",
) -> Comparison:
    """Compares agents on the envs they share (Agarwal et al. 2021; Colas et al. 2019).

    Per agent: IQM, mean and median over envs (and the optimality gap when
    normalised) with stratified-bootstrap percentile CIs; aggregates of raw
    returns over several envs mean nothing, so without ``normalize`` they are
    given only for a single env. Per env: runs, failures and the mean with a
    percentile bootstrap CI. Per pair of agents: the probability of improvement
    with a CI, and per env Welch's t-test, Mann-Whitney U, Hedges' g and Vargha-
    Delaney A, with Holm's correction over all pairs and envs.

    Args:
        trials: the trials table.
        metric: ``final_return``, ``auc`` or ``best_return``.
        agents: agents to compare (default: all, sorted).
        normalize: ``(random_scores, reference_scores)``, dicts keyed by env.
        reps: bootstrap resamples; seed: their seed; confidence: CI level.
        nan_policy: ``'raise'`` or ``'omit'`` for done trials with a NaN score.
        failed_policy: ``'worst'`` (default) or ``'exclude'``: what a failed run
            scores in every aggregate, test and probability of improvement.

    Raises:
        InputError: on bad input, or agents that do not share their envs.
    """
    matrices = score_matrices(trials, metric, agents, failed_policy)
    names = list(matrices)
    if not names:
        raise InputError("no trials to compare (is the trials table empty after filtering?)")
    envs = matrices[names[0]].envs
    for name in names[1:]:
        if matrices[name].envs != envs:
            raise InputError(
                f"agents {names[0]!r} and {name!r} ran on different envs "
                f"({', '.join(envs)} vs {', '.join(matrices[name].envs)}); choose agents "
                "that share their envs"
            )
    notes = [failed.describe(failed_policy, metric)]
    runs: dict[str, list[np.ndarray]] = {}
    summaries = []
    for name in names:
        kept, excluded = _apply_nan_policy(matrices[name], nan_policy, metric)
        if normalize is not None:
            kept = list(normalize_scores(kept, normalize[0], normalize[1], tasks=list(envs)))
        runs[name] = kept
        statistics = ("iqm", "mean", "median") + (("optimality_gap",) if normalize else ())
        aggregates: tuple[Interval, ...] = ()
        if normalize is not None or len(envs) == 1:
            found = aggregate_intervals(
                kept, statistics, reps=reps, seed=seed, confidence=confidence
            )
            aggregates = tuple(found.values())
        summaries.append(
            AgentSummary(
                agent=name,
                aggregates=aggregates,
                tasks=tuple(summarize_sample(r, env) for env, r in zip(envs, kept, strict=True)),
                task_means=tuple(
                    sample_interval(r, "mean", "percentile", reps, seed, confidence) for r in kept
                ),
                not_done=matrices[name].not_done,
                n_excluded=excluded,
                n_failed_scored=matrices[name].n_failed_scored,
            )
        )
    if normalize is None and len(envs) > 1:
        notes.append("aggregates over envs need normalised scores (use normalize)")
    raw_pairs = []
    for x_name, y_name in itertools.combinations(names, 2):
        improvement = probability_of_improvement(runs[x_name], runs[y_name], reps, seed, confidence)
        tests = [
            _task_tests(env, x, y)
            for env, x, y in zip(envs, runs[x_name], runs[y_name], strict=True)
        ]
        raw_pairs.append((x_name, y_name, improvement, tests))
    family = [t[1].p_value for *_, tests in raw_pairs for t in tests if t[1] is not None]
    adjusted = iter(holm(family)) if family else iter(())
    pairs = []
    for x_name, y_name, improvement, tests in raw_pairs:
        tasks = []
        for env, welch, mwu, g, a in tests:
            holm_p = float(next(adjusted)) if welch is not None else float("nan")
            if welch is None:
                notes.append(f"{x_name} vs {y_name} on {env}: Welch's test needs 2 varying runs")
            tasks.append(TaskComparison(env, welch, mwu, g, a, holm_p))
        pairs.append(PairComparison(x_name, y_name, improvement, tuple(tasks)))
    return Comparison(
        metric,
        normalize is not None,
        envs,
        tuple(summaries),
        tuple(pairs),
        len(family),
        tuple(notes),
        failed_policy,
    )


@dataclass(frozen=True)
class PowerReport(_ToDict):
    """Seeds needed for one agent, a row per env and effect (pilot = its done runs there).

    Attributes:
        agent: the pilot agent.
        metric: the score column.
        envs: the env of each result.
        results: one PowerResult per row.
        not_done: ``{env: {status: count}}`` of trials that are not ``done``.
    """

    agent: str
    metric: str
    envs: tuple[str, ...]
    results: tuple[PowerResult, ...]
    not_done: dict[str, dict[str, int]]


def power(
    trials: pd.DataFrame,
    agent: str,
    effect: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    metric: str = "final_return",
    nan_policy: str = "raise",
    sided: str = "two",
    failed_policy: str = "worst",
) -> PowerReport:
    """Seeds per agent needed to detect a difference ``effect`` (Colas et al. 2018).

    Each env's done runs of ``agent`` are the pilot; both agents are assumed to
    have the pilot's standard deviation.

    Args:
        trials: the trials table.
        agent: the pilot agent.
        effect: difference of means in score units; None tries 0.5, 1 and 2 pilot stds.
        alpha: significance level; power: target power.
        metric: ``final_return``, ``auc`` or ``best_return``.
        nan_policy: ``'raise'`` or ``'omit'``.
        sided: ``'two'`` (two-sided Welch, the test `compare` runs) or ``'one'``
            (Colas et al.'s one-sided formula); see `seeds_needed`.
        failed_policy: as in `compare`: the pilot is the scores the test will see.
    """
    scores = score_matrices(trials, metric, [agent], failed_policy)[agent]
    kept, _ = _apply_nan_policy(scores, nan_policy, metric)
    envs, results = [], []
    for env, runs in zip(scores.envs, kept, strict=True):
        if runs.size < 2:
            raise InputError(f"agent {agent!r} has {runs.size} done run(s) on {env!r}; need 2")
        std = runs.std(ddof=1)
        effects = [effect] if effect is not None else [d * std for d in EFFECT_SIZES]
        for size in effects:
            envs.append(env)
            results.append(seeds_needed(runs, size, alpha, power, sided=sided))
    not_done = dict(zip(scores.envs, scores.not_done, strict=True))
    return PowerReport(agent, metric, tuple(envs), tuple(results), not_done)


def base_configs(trials: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Trials of each agent's base config, and how many perturbed trials were left out.

    The policy is `rlbench.analysis_options.select_configs` (``configs='base'``).
    """
    from rlbench.analysis_options import select_configs

    selection = select_configs(trials, "base")
    return selection.trials, selection.n_left_out
