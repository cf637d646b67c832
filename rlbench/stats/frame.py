"""The DataFrame front: comparisons and power of the agents of a tidy trials table.

`compare` and `power` read each agent's scores per env with
`rlbench.stats.trial_scores.score_matrices` (failed runs scored as
`rlbench.stats.failed` decides) and report the trials that are not ``done``
with every result; `power_curves` turns a `Comparison` into power against
seeds. Tasks are envs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rlbench.defaults import CONFIDENCE, RESAMPLES, SEED
from rlbench.errors import InputError
from rlbench.stats import failed
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
from rlbench.stats.power import seeds_needed, welch_power
from rlbench.stats.results import Interval, PowerResult, TaskSummary, TestResult, _ToDict
from rlbench.stats.sample import sample_interval
from rlbench.stats.trial_scores import AgentScores, apply_nan_policy, score_matrices

EFFECT_SIZES = (0.5, 1.0, 2.0)  # effects tried by `power` without one: multiples of the pilot std


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
    reps: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
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
    envs = _shared_envs(matrices)
    notes = [failed.describe(failed_policy, metric)]
    runs: dict[str, list[np.ndarray]] = {}
    summaries = []
    for name, scores in matrices.items():
        kept, excluded = apply_nan_policy(scores, nan_policy, metric)
        if normalize is not None:
            kept = list(normalize_scores(kept, normalize[0], normalize[1], tasks=list(envs)))
        runs[name] = kept
        with_aggregates = normalize is not None or len(envs) == 1
        summaries.append(
            _agent_summary(scores, kept, excluded, with_aggregates, normalize is not None,
                           reps, seed, confidence)
        )  # fmt: skip
    if normalize is None and len(envs) > 1:
        notes.append("aggregates over envs need normalised scores (use normalize)")
    pairs, family = _pair_comparisons(runs, envs, reps, seed, confidence, notes)
    return Comparison(
        metric,
        normalize is not None,
        envs,
        tuple(summaries),
        pairs,
        family,
        tuple(notes),
        failed_policy,
    )


def _shared_envs(matrices: Mapping[str, AgentScores]) -> tuple[str, ...]:
    """The envs every agent ran on; raises `InputError` when the agents differ."""
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
    return envs


def _agent_summary(
    scores: AgentScores,
    kept: list[np.ndarray],
    excluded: int,
    with_aggregates: bool,
    normalized: bool,
    reps: int,
    seed: int,
    confidence: float,
) -> AgentSummary:
    """One agent's aggregates over envs (when they mean something) and per-env summaries.

    Args:
        scores: the agent's scores; kept: its runs per env after the NaN policy
            (normalised when ``normalized``), ``(n_env,)`` each.
    """
    aggregates: tuple[Interval, ...] = ()
    if with_aggregates:
        statistics = ("iqm", "mean", "median") + (("optimality_gap",) if normalized else ())
        found = aggregate_intervals(kept, statistics, reps=reps, seed=seed, confidence=confidence)
        aggregates = tuple(found.values())
    return AgentSummary(
        agent=scores.agent,
        aggregates=aggregates,
        tasks=tuple(summarize_sample(r, env) for env, r in zip(scores.envs, kept, strict=True)),
        task_means=tuple(
            sample_interval(r, "mean", "percentile", reps, seed, confidence) for r in kept
        ),
        not_done=scores.not_done,
        n_excluded=excluded,
        n_failed_scored=scores.n_failed_scored,
    )


def _pair_comparisons(
    runs: Mapping[str, list[np.ndarray]],
    envs: tuple[str, ...],
    reps: int,
    seed: int,
    confidence: float,
    notes: list[str],
) -> tuple[tuple[PairComparison, ...], int]:
    """Every pair of agents, with Holm's correction over all pairs' Welch p-values.

    Appends to ``notes`` the pairs and envs where Welch's test was not run.

    Returns:
        ``(pairs, size of the Holm family)``.
    """
    raw_pairs = []
    for x_name, y_name in itertools.combinations(runs, 2):
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
    return tuple(pairs), len(family)


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
    kept, _ = apply_nan_policy(scores, nan_policy, metric)
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


@dataclass(frozen=True)
class PowerCurve:
    """Power of Welch's test vs seeds per agent, to detect an observed difference.

    Attributes:
        agent: the agent compared with ``reference``.
        reference: the agent with the best mean on the env.
        effect: ``mean(reference) - mean(agent)``, score units.
        std_agent, std_reference: the sample stds assumed.
        n_seeds: ``(k,)`` seeds per agent; power: ``(k,)``.
        observed_seeds: the runs the agent has now.
        alpha: significance level.
    """

    agent: str
    reference: str
    effect: float
    std_agent: float
    std_reference: float
    n_seeds: tuple[int, ...]
    power: tuple[float, ...]
    observed_seeds: int
    alpha: float
    method: str = "Welch t-test, noncentral t"


def power_curves(
    comparison: Comparison, alpha: float = 0.05, max_seeds: int = 100
) -> dict[str, list[PowerCurve]]:
    """Per env, power vs seeds for each agent against the best one (Colas et al. 2018).

    The effect is the observed difference of means to the agent with the best
    mean on the env, and each agent's observed std (``comparison``'s task
    summaries) is assumed; pairs with zero spread or no difference are skipped.

    Returns:
        ``{env: [PowerCurve, ...]}``.
    """
    grid = np.arange(2, max_seeds + 1)
    out: dict[str, list[PowerCurve]] = {}
    for column, env in enumerate(comparison.envs):
        tasks = {a.agent: a.tasks[column] for a in comparison.agents}
        best = max(tasks, key=lambda name: tasks[name].mean)
        curves = []
        for agent, task in tasks.items():
            reference = tasks[best]
            effect = reference.mean - task.mean
            spreads = (task.std, reference.std)
            if agent == best or effect <= 0 or not all(np.isfinite(spreads)):
                continue
            if task.std == 0 and reference.std == 0:
                continue
            power = welch_power(grid, effect, reference.std, task.std, alpha)
            curves.append(
                PowerCurve(
                    agent,
                    best,
                    float(effect),
                    float(task.std),
                    float(reference.std),
                    tuple(int(n) for n in grid),
                    tuple(float(p) for p in power),
                    int(task.n_runs),
                    float(alpha),
                )
            )
        out[env] = curves
    return out
