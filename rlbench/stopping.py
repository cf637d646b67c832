"""Stopping rules of a sequential study, replayed on the stored scores.

`decide` takes the study's plan and its trials table and returns its state:
per env and complete stage, the arms' seed counts, decisions, statistics and
boundaries, and the arms still open. It reads nothing and writes nothing, so
the same records always give the same decisions (`rlbench.sequential` runs
the stages and writes the state).

- AdaStop (Mathieu et al. 2023): the authors' ``adastop`` package at level
  ``alpha / 2`` (`package_alpha` says why);
- ``target_ci``: seeds until each arm's percentile-bootstrap CI half-width
  reaches the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from rlbench.errors import MissingDependencyError
from rlbench.records import perturbation_label
from rlbench.spec import SequentialSeeds
from rlbench.trials import Plan

if TYPE_CHECKING:
    import pandas as pd

Arm = tuple[str, str]  # (agent label, config id)


def arm_labels(plan: Plan) -> dict[tuple[str, Arm], str]:
    """(env, arm) -> a readable label: the agent, with its config when it has several."""
    configs: dict[tuple[str, str], set[str]] = {}
    for trial in plan.trials:
        configs.setdefault((trial.env, trial.agent), set()).add(trial.config_id)
    labels = {}
    for trial in plan.trials:
        key = (trial.env, (trial.agent, trial.config_id))
        several = len(configs[(trial.env, trial.agent)]) > 1
        labels[key] = (
            f"{trial.agent}[{perturbation_label(trial.perturbation)}]" if several else trial.agent
        )
    return labels


def comparator_class() -> Any:
    """AdaStop's comparator class, or a clear error when the package is missing."""
    try:
        from adastop import MultipleAgentsComparator
    except ImportError:
        raise MissingDependencyError(
            "seeds.sequential with method adastop needs the adastop package; "
            "install it with pip install adastop"
        ) from None
    return MultipleAgentsComparator


def package_alpha(alpha: float) -> float:
    """The level to give the ``adastop`` package (0.1.3) for a family-wise error <= ``alpha``.

    The package compares the two-sided statistic ``|mean difference|`` with
    boundaries read off the permutation distribution of the *signed* maximum
    difference: for one comparison that is a one-sided tail, so its test
    rejects a true null with probability about ``2 alpha`` (measured: 0.097
    [0.068, 0.135] at alpha = 0.05 over 300 two-agent null studies). The
    permutation distribution of a difference of means with equal group sizes is
    symmetric, so P(max |D| > t) <= 2 P(max D > t): at ``alpha / 2`` the
    package's test has level ``alpha``, for any number of comparisons.
    """
    return alpha / 2


def stage_seeds(spec: SequentialSeeds, stage: int) -> range:
    return range(stage * spec.batch, (stage + 1) * spec.batch)


def _scores(trials: pd.DataFrame, metric: str) -> dict[tuple[str, Arm, int], float]:
    """(env, arm, seed) -> score, with failed runs scored as `rlbench.stats.failed` says.

    A failed trial (or a done one with a non-finite score) scores the lowest
    score observed on its env, so it ranks last; on an env where no trial
    finished there is nothing to rank against, and it scores 0.
    """
    from rlbench.stats.failed import worst_scores

    worst = worst_scores(trials, metric)
    rows = trials[trials["status"].isin(["done", "failed"])]
    scores: dict[tuple[str, Arm, int], float] = {}
    for row, value in zip(rows.itertuples(index=False), rows[metric].astype(float), strict=True):
        ok = row.status == "done" and np.isfinite(value)
        scores[(str(row.env), (row.agent, row.config_id), int(row.seed))] = (
            float(value) if ok else worst.get(str(row.env), 0.0)
        )
    return scores


def _arm_scores(scores, env: str, arm: Arm, n: int) -> np.ndarray | None:
    """The arm's first ``n`` seeds' scores, or None while one is missing."""
    values = [scores.get((env, arm, seed)) for seed in range(n)]
    return None if any(v is None for v in values) else np.array(values, dtype=float)


def decide(plan: Plan, trials: pd.DataFrame) -> dict[str, Any]:
    """Replay the stopping rule on the stored scores, stage by stage.

    Args:
        plan: the expanded sequential suite (its arms, envs and rule).
        trials: the results folder's trials table (``rlbench.load(...).trials``).

    Returns:
        The study's state as written to ``sequential.json``: the rule, one
        entry per complete stage (per env: the arms' seed counts, decisions,
        statistics and boundaries), the arms still ``open`` per env (to run
        next), and ``finished``.
    """
    spec = plan.suite.sequential
    assert spec is not None
    labels = arm_labels(plan)
    envs = list(dict.fromkeys(t.env for t in plan.trials))
    arms = {env: [arm for e, arm in labels if e == env] for env in envs}
    scores = _scores(trials, spec.metric)
    decide_env = _adastop_env if spec.method == "adastop" else _target_ci_env
    per_env = {env: decide_env(spec, env, arms[env], scores, labels) for env in envs}
    n_stages = max(len(stages) for stages, _ in per_env.values())
    stages = [
        {"stage": k, "seeds": [k * spec.batch, (k + 1) * spec.batch], "envs": {
            env: per_env[env][0][k] for env in envs if k < len(per_env[env][0])
        }}
        for k in range(n_stages)
    ]  # fmt: skip
    open_arms = {env: per_env[env][1] for env in envs}
    return {
        "rule": spec.model_dump(mode="json"),
        "stages": stages,
        "open": {env: [list(a) for a in arms_] for env, arms_ in open_arms.items() if arms_},
        "finished": not any(open_arms.values()),
        "arms": {f"{env}/{agent}/{cid}": label for (env, (agent, cid)), label in labels.items()},
    }


def _adastop_env(spec, env: str, arms: list[Arm], scores, labels) -> tuple[list, list[Arm]]:
    """AdaStop's stages on one env: (stage entries, arms still to run)."""
    comparator = comparator_class()(
        n=spec.batch, K=spec.stages, B=spec.permutations, alpha=package_alpha(spec.alpha),
        seed=spec.seed,
    )  # fmt: skip
    names = [labels[(env, arm)] for arm in arms]
    counts = {arm: 0 for arm in arms}
    active = list(arms)
    stages: list[dict[str, Any]] = []
    for k in range(spec.stages):
        values = {}
        for arm in arms:
            n = counts[arm] + spec.batch if arm in active else counts[arm]
            arm_values = _arm_scores(scores, env, arm, n)
            if arm_values is None:
                return stages, active  # stage k is not complete: run it
            values[labels[(env, arm)]] = arm_values
        for arm in active:
            counts[arm] += spec.batch
        comparator.partial_compare(values, verbose=False)
        decisions, statistics = {}, {}
        for pair in comparator.comparisons:
            a, b = names[pair[0]], names[pair[1]]
            decisions[f"{a} vs {b}"] = comparator.decisions[str(pair)]
            statistics[f"{a} vs {b}"] = (k + 1) * float(
                values[a][: counts[arms[pair[0]]]].mean()
                - values[b][: counts[arms[pair[1]]]].mean()
            )
        undecided = np.array(comparator.current_comparisons).reshape(-1, 2)
        active = [arm for i, arm in enumerate(arms) if i in set(undecided.ravel().tolist())]
        stages.append({
            "seeds_per_arm": {labels[(env, arm)]: counts[arm] for arm in arms},
            "decisions": decisions,
            "statistic": statistics,
            "boundary": float(comparator.boundary[-1][1]),
            "level_spent": float(comparator.level_spent),
        })  # fmt: skip
        if comparator.is_finished:
            return stages, []
    return stages, []


def _target_ci_env(spec, env: str, arms: list[Arm], scores, labels) -> tuple[list, list[Arm]]:
    """Seeds until each arm's CI half-width reaches the target: (stages, arms to run)."""
    from rlbench.defaults import CONFIDENCE, RESAMPLES
    from rlbench.stats import aggregate_interval

    counts = {arm: 0 for arm in arms}
    active = list(arms)
    stages: list[dict[str, Any]] = []
    for k in range(spec.stages):
        entry: dict[str, Any] = {"seeds_per_arm": {}, "decisions": {}, "estimate": {},
                                 "half_width": {}, "target": {}}  # fmt: skip
        for arm in active:
            if _arm_scores(scores, env, arm, counts[arm] + spec.batch) is None:
                return stages, active
        still = []
        for arm in arms:
            label = labels[(env, arm)]
            if arm in active:
                counts[arm] += spec.batch
                values = _arm_scores(scores, env, arm, counts[arm])
                assert values is not None
                ci = aggregate_interval(values[:, None], spec.stat, reps=RESAMPLES,
                                        seed=spec.seed, confidence=CONFIDENCE)  # fmt: skip
                half = (ci.upper - ci.lower) / 2
                target = spec.target_ci * (abs(ci.estimate) if spec.relative else 1.0)
                reached = half <= target
                entry["estimate"][label] = ci.estimate
                entry["half_width"][label] = half
                entry["target"][label] = target
                entry["decisions"][label] = "reached" if reached else "continue"
                if not reached and k < spec.stages - 1:
                    still.append(arm)
            entry["seeds_per_arm"][label] = counts[arm]
        stages.append(entry)
        active = still
        if not active:
            return stages, []
    return stages, []
