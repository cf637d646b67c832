"""Sequential seeds: stages run until AdaStop (or a CI target) decides."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from adastop import MultipleAgentsComparator

import rlbench
from rlbench import sequential, stopping
from rlbench.spec import parse_suite
from rlbench.store import Store
from rlbench.suite_compiler import expand
from tests.conftest import CARDS, run_cli

BASE = {
    "name": "seq",
    "envs": ["CartPole-v1"],
    "budget": {"steps": 200},
    "eval": {"every": 200, "episodes": 2},
    "cards": [str(CARDS)],
}


def arm(name: str, action: int) -> dict:
    """An agent entry; distinct actions make distinct trials (never run in these tests)."""
    return {"card": "constant", "name": name, "hparams": {"action": action}}


def suite(agents, **sequential_rule):
    return parse_suite({**BASE, "agents": agents, "seeds": {"sequential": sequential_rule}})


def synthetic_trials(plan, means: dict[str, float], rng) -> pd.DataFrame:
    """Every trial of the plan done, with a normal score around its agent's mean."""
    rows = [
        {"trial_id": t.trial_id, "agent": t.agent, "env": t.env, "config_id": t.config_id,
         "seed": t.seed, "status": "done", "error": None,
         "final_return": rng.normal(means[t.agent], 1.0)}
        for t in plan.trials
    ]  # fmt: skip
    return pd.DataFrame(rows)


def reference_adastop(scores: dict[str, np.ndarray], batch, stages, alpha, perms, seed):
    """The adastop package's own usage loop: decided agents get no new evaluations."""
    comparator = MultipleAgentsComparator(n=batch, K=stages, B=perms, alpha=alpha, seed=seed)
    names = list(scores)
    given = {name: 0 for name in names}
    for _ in range(stages):
        still = (
            set(np.array(comparator.current_comparisons).ravel().tolist())
            if comparator.current_comparisons is not None
            else set(range(len(names)))
        )
        for i, name in enumerate(names):
            if i in still:
                given[name] += batch
        comparator.partial_compare({n: scores[n][: given[n]] for n in names}, verbose=False)
        if comparator.is_finished:
            break
    return {str(k): v for k, v in comparator.decisions.items()}, given


@pytest.mark.parametrize("case", range(6))
def test_decisions_equal_the_adastop_package(case):
    rng = np.random.default_rng(case)
    agents = [arm(n, i) for i, n in enumerate(("a", "b", "c"))]
    plan = expand(suite(agents, batch=5, max=20, permutations=500, seed=case))
    means = {"a": 0.0, "b": [0.0, 0.5, 1.5][case % 3], "c": 2.0 * (case % 2)}
    trials = synthetic_trials(plan, means, rng)
    state = stopping.decide(plan, trials)

    by_agent = trials.sort_values("seed").groupby("agent")["final_return"]
    scores = {name: by_agent.get_group(name).to_numpy() for name in ("a", "b", "c")}
    # rlbench asks the package for alpha / 2 (its test's level is twice what it is given)
    decisions, given = reference_adastop(scores, 5, 4, 0.05 / 2, 500, case)
    last = state["stages"][-1]["envs"]["CartPole-v1"]
    pairs = {"[0 1]": "a vs b", "[0 2]": "a vs c", "[1 2]": "b vs c"}
    assert {pairs[k]: v for k, v in decisions.items()} == last["decisions"]
    assert last["seeds_per_arm"] == given
    assert state["finished"]


def test_the_package_rejects_twice_as_often_as_it_is_asked():
    """Why rlbench gives adastop alpha / 2: by hand, on the exact permutation distribution.

    One stage, two agents of 5 runs: 252 splits. The package's boundary is the
    (1 - alpha) quantile of the signed difference, which a two-sided |T| passes
    with twice that probability.
    """
    import itertools

    rng = np.random.default_rng(0)
    data = rng.normal(size=10)
    diffs = np.array([
        data[list(c)].mean() - np.delete(data, list(c)).mean()
        for c in itertools.combinations(range(10), 5)
    ])  # fmt: skip
    comparator = MultipleAgentsComparator(n=5, K=1, B=10_000, alpha=0.1, seed=0)
    comparator.partial_compare({"a": data[:5], "b": data[5:]}, verbose=False)
    boundary = comparator.boundary[-1][1]
    assert np.mean(diffs > boundary) <= 0.1 < np.mean(np.abs(diffs) > boundary)
    assert np.mean(np.abs(diffs) > boundary) == pytest.approx(2 * np.mean(diffs > boundary))
    assert stopping.package_alpha(0.1) == 0.05


def test_an_open_stage_is_run_next():
    plan = expand(suite([arm("a", 0), arm("b", 1)], batch=3, max=9))
    trials = synthetic_trials(plan, {"a": 0.0, "b": 0.0}, np.random.default_rng(0))
    first_stage = trials[trials["seed"] < 3]
    state = stopping.decide(plan, first_stage)
    assert len(state["stages"]) == 1 and not state["finished"]
    assert sorted(map(tuple, state["open"]["CartPole-v1"])) == sorted(
        {(t.agent, t.config_id) for t in plan.trials}
    )
    nothing = stopping.decide(plan, first_stage[first_stage["seed"] < 2])
    assert nothing["stages"] == []  # a stage is never decided on in part


def test_study_stops_when_decided_and_reruns_nothing(tmp_path):
    agents = [{"card": "random"}, {"card": "constant", "hparams": {"action": 0}}]
    path = tmp_path / "seq.yaml"
    path.write_text(json.dumps({**BASE, "agents": agents,
                                "seeds": {"sequential": {"batch": 5, "max": 15}}}))  # fmt: skip
    out = tmp_path / "r"
    proc = run_cli("run", path, "--out", out, "--no-progress", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    state = json.loads((out / "sequential.json").read_text())
    (decision,) = sequential.decision_rows(state)
    # random balances the pole for ~20 steps, pushing left always for ~9
    assert decision["decision"] == "larger" and decision["stage"] == 0
    assert decision["seeds"] == "5/5"
    assert len(Store(out).record_ids()) == 10  # 20 of the 30 seeds never ran
    assert "Sequential decisions" in proc.stdout + proc.stderr

    again = run_cli("run", path, "--out", out, "--no-progress")
    assert again.returncode == 0 and "ran 0" in again.stderr
    assert json.loads((out / "sequential.json").read_text()) == state

    from rlbench.report import build_report

    page = build_report(out).read_text()
    assert "Sequential seeds" in page and "not valid on their own" in page
    assert (out / "report" / "sequential.csv").exists()
    # decided at the first stage: a table, not a one-point figure
    assert not (out / "report" / "sequential.png").exists()

    compared = run_cli("compare", out, "--json")
    body = json.loads(compared.stdout)
    assert body["sequential"]["decisions"][0]["decision"] == "larger"
    assert "not valid on their own" in body["sequential"]["note"]


def test_decisions_do_not_depend_on_worker_count(tmp_path):
    agents = [{"card": "random", "name": "a"}, arm("b", 1)]
    rule = {"batch": 2, "max": 4, "permutations": 100}
    s = parse_suite({**BASE, "agents": agents, "seeds": {"sequential": rule}})
    one, two = tmp_path / "one", tmp_path / "two"
    rlbench.run_suite(s, one, workers=1, progress=False)
    rlbench.run_suite(s, two, workers=2, progress=False)
    assert sequential.read(one) == sequential.read(two)
    assert Store(one).record_ids() == Store(two).record_ids()


def test_target_ci_stops_each_agent_on_its_own():
    agents = [arm("steady", 0), arm("noisy", 1)]
    plan = expand(suite(agents, batch=4, max=16, method="target_ci", target_ci=1.0))
    rng = np.random.default_rng(0)
    trials = synthetic_trials(plan, {"steady": 0.0, "noisy": 0.0}, rng)
    noisy = trials["agent"] == "noisy"
    trials.loc[noisy, "final_return"] *= 10  # a CI ten times wider
    state = stopping.decide(plan, trials)
    rows = {r["question"]: r for r in sequential.decision_rows(state)}
    assert rows["steady"]["decision"] == "reached" and rows["steady"]["seeds"] == "4"
    assert rows["noisy"]["decision"] == "continue" and rows["noisy"]["seeds"] == "16"
    for stage in state["stages"]:
        entry = stage["envs"]["CartPole-v1"]
        for label, decision in entry["decisions"].items():
            reached = entry["half_width"][label] <= entry["target"][label]
            assert (decision == "reached") == reached


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"batch": 1, "max": 4}, "seeds: sequential.batch"),
        ({"batch": 4, "max": 2}, "max (2) must be at least batch (4)"),
        ({"batch": 2, "max": 4, "alpha": 1.5}, "sequential.alpha"),
        ({"batch": 2, "max": 5}, "must be a multiple of batch"),
        ({"batch": 2, "max": 4, "method": "target_ci"}, "needs target_ci"),
    ],
)
def test_bad_rules_are_one_line(tmp_path, rule, message):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({**BASE, "agents": [{"card": "random"}],
                                "seeds": {"sequential": rule}}))  # fmt: skip
    proc = run_cli("run", path, "--out", tmp_path / "r", "--dry-run")
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_seed_list_beside_a_sequential_rule_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    seeds = {"sequential": {"batch": 2, "max": 4}, "list": [1]}
    path.write_text(json.dumps({**BASE, "agents": [{"card": "random"}], "seeds": seeds}))
    proc = run_cli("run", path, "--dry-run")
    assert proc.returncode == 2 and "cannot be combined with a seed list" in proc.stderr


def test_adastop_needs_two_agents(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({**BASE, "agents": [{"card": "random"}],
                                "seeds": {"sequential": {"batch": 2, "max": 4}}}))  # fmt: skip
    proc = run_cli("run", path, "--out", tmp_path / "r", "--no-progress")
    assert proc.returncode == 2 and "use method: target_ci" in proc.stderr
    assert not (tmp_path / "r").exists()
