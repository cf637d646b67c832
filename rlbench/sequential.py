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

from rlbench.errors import InputError
from rlbench.spec import Suite
from rlbench.stopping import arm_labels, comparator_class, decide
from rlbench.store import Store, atomic_write
from rlbench.trials import Plan, Trial

if TYPE_CHECKING:
    import pandas as pd

    from rlbench.driver import RunSummary

FILE = "sequential.json"


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
    comparator_class()


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
    from rlbench.table_schema import TRIAL_COLUMNS

    if not Store(root).record_ids():
        return pd.DataFrame(columns=TRIAL_COLUMNS)
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
