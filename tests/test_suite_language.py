"""The suite language users already speak: SB3's nested policy_kwargs, card names
as agents, and the hints that point from a near miss to the right key."""

from __future__ import annotations

import pytest

from rlbench.cards import parse_agent_card
from rlbench.errors import SpecError, UnknownNameError
from rlbench.spec import parse_suite
from rlbench.suite_compiler import expand


def suite(agents, **fields):
    body = {
        "name": "t",
        "envs": ["Pendulum-v1"],
        "agents": agents,
        "seeds": 2,
        "budget": {"steps": 400},
        "eval": {"every": 200, "episodes": 2},
    }
    return parse_suite({**body, **fields}, "s.yaml")


def ids(plan):
    return [(t.config_id, t.trial_id) for t in plan.trials]


def test_nested_policy_kwargs_equals_dotted():
    nested = expand(
        suite([{"card": "ddpg", "hparams": {"policy_kwargs": {"net_arch": [256, 64]}}}])
    )
    dotted = expand(suite([{"card": "ddpg", "hparams": {"policy_kwargs.net_arch": [256, 64]}}]))
    assert ids(nested) == ids(dotted)
    assert nested.trials[0].hparams["policy_kwargs.net_arch"] == [256, 64]
    assert "policy_kwargs" not in nested.trials[0].hparams
    default = expand(suite(["ddpg"]))
    assert default.trials[0].config_id != nested.trials[0].config_id  # the override counts


def test_nested_keeps_a_dict_valued_hyperparameter_whole():
    arch = {"pi": [64], "vf": [32]}
    plan = expand(suite([{"card": "ppo", "hparams": {"policy_kwargs": {"net_arch": arch}}}]))
    dotted = expand(suite([{"card": "ppo", "hparams": {"policy_kwargs.net_arch": arch}}]))
    assert plan.trials[0].hparams["policy_kwargs.net_arch"] == arch
    assert ids(plan) == ids(dotted)


def test_nested_several_keys_and_mixed_forms():
    arch = {"pi": [32], "vf": [32]}
    nested = {"policy_kwargs": {"net_arch": arch, "log_std_init": -1.0}}
    mixed = {"policy_kwargs": {"net_arch": arch}, "policy_kwargs.log_std_init": -1.0}
    a = expand(suite([{"card": "ppo", "hparams": nested}]))
    b = expand(suite([{"card": "ppo", "hparams": mixed}]))
    assert ids(a) == ids(b)


def test_nested_unknown_key_suggests_the_dotted_name():
    bad = suite([{"card": "ddpg", "hparams": {"policy_kwargs": {"net_arc": [64]}}}])
    with pytest.raises(
        UnknownNameError, match=r"'policy_kwargs\.net_arc'; did you mean 'policy_kwargs\.net_arch'"
    ):
        expand(bad)


def test_nested_grid_values_equal_dotted():
    arches = [[64, 64], [400, 300]]
    nested = {"plan": "grid", "values": {"policy_kwargs": {"net_arch": arches}}}
    dotted = {"plan": "grid", "values": {"policy_kwargs.net_arch": arches}}
    a = expand(suite([{"card": "ddpg", "perturb": nested}]))
    b = expand(suite([{"card": "ddpg", "perturb": dotted}]))
    assert ids(a) == ids(b) and len(a.configs) == 2
    assert [c.hparams["policy_kwargs.net_arch"] for c in a.configs] == arches
    assert a.configs[0].perturbation == {"kind": "grid", "policy_kwargs.net_arch": [64, 64]}


def test_card_per_env_defaults_may_be_nested():
    card = {
        "name": "mine",
        "entry": "rlbench.algos.random:train",
        "hparams": {"policy_kwargs.net_arch": {"type": "list", "default": [64]}},
        "per_env": {"Pendulum-v1": {"hparams": {"policy_kwargs": {"net_arch": [8, 8]}}}},
    }
    parsed = parse_agent_card(card, "mine.yaml")
    assert parsed.defaults("Pendulum-v1") == {"policy_kwargs.net_arch": [8, 8]}
    assert parsed.defaults("CartPole-v1") == {"policy_kwargs.net_arch": [64]}
    plan = expand(suite([{"card": card}]))
    dotted = {**card, "per_env": {"Pendulum-v1": {"hparams": {"policy_kwargs.net_arch": [8, 8]}}}}
    assert ids(plan) == ids(expand(suite([{"card": dotted}])))


def test_card_per_env_nested_and_dotted_twice():
    card = {
        "name": "mine",
        "entry": "rlbench.algos.random:train",
        "hparams": {"policy_kwargs.net_arch": {"type": "list", "default": [64]}},
        "per_env": {
            "Pendulum-v1": {
                "hparams": {"policy_kwargs": {"net_arch": [8]}, "policy_kwargs.net_arch": [9]}
            }
        },
    }
    with pytest.raises(
        SpecError, match=r"^mine\.yaml: per_env\.Pendulum-v1\.hparams: .*given twice"
    ):
        parse_agent_card(card, "mine.yaml")


def test_card_names_as_agents():
    short = expand(suite(["ars", "random"]))
    long = expand(suite([{"card": "ars"}, {"card": "random"}]))
    assert ids(short) == ids(long)
    assert [short.suite.agent_label(i) for i in range(2)] == ["ars", "random"]
    mixed = expand(suite(["random", {"card": "ars", "name": "ars-v1"}]))
    assert {t.agent for t in mixed.trials} == {"random", "ars-v1"}


def test_name_instead_of_card():
    with pytest.raises(SpecError) as err:
        suite([{"name": "ars", "hparams": {"step_size": 0.02}}])
    assert str(err.value) == (
        "s.yaml: agents[0].card: required key is missing; did you mean `card: ars`? "
        "(`name:` only labels an agent; `card:` picks its card)"
    )
    with pytest.raises(SpecError) as err:
        suite([{"name": "my-label"}])
    assert str(err.value) == "s.yaml: agents[0].card: required key is missing"


def test_nested_absolute_plan_values_equal_dotted():
    arches = [[64, 64], [400, 300]]
    nested = {"plan": "absolute", "values": {"policy_kwargs": {"net_arch": arches}}}
    dotted = {"plan": "absolute", "values": {"policy_kwargs.net_arch": arches}}
    a = expand(suite([{"card": "ddpg", "perturb": nested}]))
    b = expand(suite([{"card": "ddpg", "perturb": dotted}]))
    assert ids(a) == ids(b) and len(a.configs) == 2
    assert [c.hparams["policy_kwargs.net_arch"] for c in a.configs] == arches
