"""Seeds until the answer is sure: a study that runs its seeds in stages.

A suite with ``seeds: {sequential: {batch, max, ...}}`` runs stage k (seeds
``k*batch .. (k+1)*batch - 1``) only for the agents whose question is still
open, and stops when every question is answered or ``max`` seeds are spent:

- ``method: adastop`` compares the agents (each agent × config is one arm) of
  every env with AdaStop (Mathieu et al. 2023, "AdaStop: adaptive
  statistical testing for sound comparisons of Deep RL agents"), a
  group-sequential permutation test with the family-wise error controlled at
  ``alpha``. The decisions are those of the authors' ``adastop`` package, run
  on the stored scores at level ``alpha / 2`` (see `package_alpha`: at
  ``alpha`` itself the package's error rate is about twice ``alpha``);
- ``method: target_ci`` adds seeds to each arm until the half-width of the
  percentile bootstrap CI of ``stat`` over its seeds is at most
  ``target_ci`` (``relative``: at most ``target_ci`` × |estimate|).

Decisions are taken by the driver alone, on complete stages only, from the
scores in seed order, and are replayed from the stored records every time: a
resumed or re-analysed study takes the same decisions, whatever the executor
or the order in which trials finished, and a decided study reruns nothing.
Each stage's decisions, statistics and boundaries are written to
``sequential.json`` in the results folder.

Failed trials score the lowest score observed on their env (they rank last),
so an agent cannot win a comparison by failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rlbench.errors import InputError, MissingDependencyError
from rlbench.spec import SequentialSeeds, Suite
from rlbench.store import Store, atomic_write, perturbation_label
from rlbench.trials import Plan, Trial

if TYPE_CHECKING:
    import pandas as pd

    from rlbench.driver import RunSummary

FILE = "sequential.json"
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


def check(plan: Plan) -> None:
    """Bad input for a sequential plan, before anything runs.

    Raises:
        InputError: AdaStop on an env with fewer than two arms; adastop missing.
    """
    spec = plan.suite.sequential
    assert spec is not None
    if spec.method != "adastop":
        return
    labels = arm_labels(plan)
    for env in dict.fromkeys(t.env for t in plan.trials):
        if sum(1 for e, _ in labels if e == env) < 2:
            raise InputError(
                f"seeds.sequential: method adastop compares agents, but env {env!r} has one "
                "agent config; add an agent, or use method: target_ci for one agent"
            )
    _comparator_class()


def _comparator_class() -> Any:
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
    comparator = _comparator_class()(
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
                ci = aggregate_interval(
                    values[:, None], spec.stat, reps=2000, seed=spec.seed, confidence=0.95
                )
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


def read(path: Path | str) -> dict[str, Any] | None:
    """A folder's sequential decisions, or None for a fixed-seed study."""
    file = Path(path) / FILE
    if not file.is_file():
        return None
    return json.loads(file.read_text())


def _next_trials(plan: Plan, state: dict[str, Any]) -> list[Trial]:
    """The trials of the next stage: the open arms' next batch of seeds, per env."""
    spec = plan.suite.sequential
    assert spec is not None
    labels = arm_labels(plan)
    todo: list[Trial] = []
    for env, open_arms in state["open"].items():
        done_stages = [s for s in state["stages"] if env in s["envs"]]
        for agent, config_id in open_arms:
            label = labels[(env, (agent, config_id))]
            ran = done_stages[-1]["envs"][env]["seeds_per_arm"][label] if done_stages else 0
            seeds = set(range(ran, ran + spec.batch))
            todo += [
                t for t in plan.trials
                if t.env == env and t.agent == agent and t.config_id == config_id
                and t.seed in seeds
            ]  # fmt: skip
    return todo


def run_sequential(plan: Plan, root: Path, run_stage: Callable[[Plan], RunSummary]) -> RunSummary:
    """Run a sequential study into ``root``: stage after stage until decided.

    Each pass replays the decisions on what is stored, runs the next stage's
    trials of the open arms (resume: only those not stored), and stops when
    every question is answered, ``max`` is reached, the run is interrupted,
    or a stage did not complete (a stage is never decided on in part).

    Args:
        plan: the expanded suite (all ``max`` seeds of every arm).
        root: the results folder.
        run_stage: runs a sub-plan into ``root`` (the ordinary driver).

    Returns:
        The summary over the trials of the stages run so far.
    """
    from collections import Counter

    from rlbench.driver import RunSummary

    check(plan)
    total = RunSummary(root, 0, 0, 0)
    while True:
        state = decide(plan, _trials(root))
        if Store(root).record_ids():
            atomic_write(root / FILE, json.dumps(state, indent=1))
        todo = [] if state["finished"] else _next_trials(plan, state)
        if not todo:
            break
        summary = run_stage(replace(plan, trials=todo))
        total.ran += summary.ran
        total.skipped += summary.skipped
        if summary.interrupted:
            total.interrupted, total.signal = True, summary.signal
            break
        stored = Store(root).record_ids()
        if not all(t.trial_id in stored for t in todo):
            break
    ids = {t.trial_id for t in plan.trials}
    final = _trials(root)
    final = final[final["trial_id"].isin(ids)]
    total.planned = len(final)
    total.status_counts = dict(Counter(final["status"]))
    total.failures = dict(Counter(final.loc[final["status"] == "failed", "error"].fillna("?")))
    return total


def _trials(root: Path) -> pd.DataFrame:
    """The folder's trials table (empty before the first record)."""
    import pandas as pd

    from rlbench.store import load

    if not Store(root).record_ids():
        return pd.DataFrame(
            columns=["trial_id", "agent", "env", "config_id", "seed", "status", "error",
                     "final_return", "auc", "best_return"]
        )  # fmt: skip
    return load(root).trials


def describe(suite: Suite) -> str:
    """One line for the dry run: what the sequential plan will do."""
    spec = suite.sequential
    assert spec is not None
    rule = (
        f"AdaStop at alpha={spec.alpha:g} on {spec.metric}, {spec.permutations} permutations"
        if spec.method == "adastop"
        else f"until the {spec.stat} CI half-width <= {spec.target_ci:g}"
        + (" x |estimate|" if spec.relative else "")
    )
    return (
        f"sequential seeds: stages of {spec.batch} seeds, at most {spec.max} per agent "
        f"({spec.stages} stages); {rule}"
    )


def decision_rows(state: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per env and question: the final decision, the stage it was taken, seeds used.

    For AdaStop a question is a pair of arms (``larger``: the first arm's
    mean is higher; ``smaller``; ``equal``: not told apart within ``max``
    seeds; ``continue``: still open); for ``target_ci`` it is one arm
    (``reached`` or ``continue``).
    """
    rows: list[dict[str, Any]] = []
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for stage in state["stages"]:
        for env, entry in stage["envs"].items():
            for question, decision in entry["decisions"].items():
                key = (env, question)
                if key in last and last[key]["decision"] != "continue":
                    continue  # decided earlier; later stages repeat it
                arms = question.split(" vs ")
                last[key] = {
                    "env": env,
                    "question": question,
                    "decision": decision,
                    "stage": stage["stage"],
                    "seeds": "/".join(str(entry["seeds_per_arm"][a]) for a in arms),
                }
    rows.extend(last.values())
    return rows


def caveat(state: dict[str, Any]) -> str:
    rule = state["rule"]
    if rule["method"] != "adastop":
        return (
            f"seeds were added until the {rule['stat']} CI half-width reached its target "
            f"(stages of {rule['batch']}, at most {rule['max']})"
        )
    return (
        f"AdaStop decisions at family-wise level alpha={rule['alpha']:g} on {rule['metric']} "
        f"({rule['permutations']} permutations, seed {rule['seed']}; stages of {rule['batch']} "
        f"seeds, at most {rule['max']}); the study stopped on these decisions, so the "
        "fixed-sample p-values and CIs below are not valid on their own"
    )
