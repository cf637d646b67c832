"""Every shipped card and suite loads and validates."""

from __future__ import annotations

import pytest

from rlbench.cards import catalog, shipped_card_dirs
from rlbench.spec import load_suite, shipped_suites
from rlbench.suite_compiler import expand

CAT = catalog()


def test_cards_are_found():
    assert shipped_card_dirs()
    assert "random" in CAT.agents
    for env in (
        "Pendulum-v1",
        "MountainCarContinuous-v0",
        "CartPole-v1",
        "Swimmer-v5",
        "Hopper-v5",
        "HalfCheetah-v5",
        "Walker2d-v5",
        "Ant-v5",
        "Humanoid-v5",
    ):
        assert env in CAT.envs


MANIA = {
    "Swimmer-v5": 325,
    "Hopper-v5": 3120,
    "HalfCheetah-v5": 3430,
    "Walker2d-v5": 4390,
    "Ant-v5": 3580,
    "Humanoid-v5": 6000,
}


@pytest.mark.parametrize("env", sorted(MANIA))
def test_mania_thresholds(env):
    import gymnasium as gym

    card = CAT.envs[env]
    assert card.thresholds["mania2018"].value == MANIA[env]
    registered = gym.spec(card.gym_id).reward_threshold
    if registered is not None:
        assert card.thresholds["gymnasium"].value == registered
    assert card.horizon == gym.spec(card.gym_id).max_episode_steps


@pytest.mark.parametrize("name", sorted(CAT.agents))
def test_agent_card_defaults_are_valid(name):
    card = CAT.agents[name]
    for env in [None, *card.per_env]:
        values = card.defaults(env or "")
        for key, value in values.items():
            spec = card.hparams[key]
            if value is None and (spec.nullable or spec.default_from_env):
                continue
            spec.coerce(value, key, card.path)
        assert card.check_constraints({k: v for k, v in values.items() if v is not None}) == []
    for env in card.per_env:
        assert env in CAT.envs, f"{name}: per_env names unknown env {env}"


@pytest.mark.parametrize("name", sorted(shipped_suites()))
def test_shipped_suites_expand(name):
    plan = expand(load_suite(name))
    assert plan.trials
