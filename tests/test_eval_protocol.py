"""The runner's evaluation rule for actions, and what a record counts.

Actions: one rule for every agent, declared by its card (ARS: the
``clip_actions`` hyperparameter, off by default as in the paper; SB3 and the
others: clipped, which SB3's own predict already does). Counting: ``steps_used``
is what the agent collected (a batch learner overshoots the budget by up to one
batch), ``episodes`` those behind the evaluated policy.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import pytest

from rlbench import seeding
from rlbench.cards import catalog
from rlbench.runner import Context, run_trial
from rlbench.spec import parse_suite
from rlbench.suite_compiler import expand
from rlbench.trials import Trial


def _trials(agent: dict[str, Any], env: Any, steps: int, every: int) -> list[Trial]:
    body = {
        "name": "t",
        "envs": [env],
        "agents": [agent],
        "seeds": 1,
        "budget": {"steps": steps},
        "eval": {"every": every, "episodes": 1},
    }
    return expand(parse_suite(body, "<test>")).trials


def _one_step_return(clip: bool, action: np.ndarray) -> float:
    agent = {"card": "ars", "hparams": {"variant": "V1", "clip_actions": clip}}
    (trial,) = _trials(agent, {"id": "Swimmer-v5", "horizon": 1}, 1, 1)
    assert trial.clip_actions is clip
    ctx = Context(trial)
    try:
        mean, _ = ctx._evaluate(lambda obs: action.copy())
    finally:
        ctx.close()
    return mean


def test_unclipped_evaluation_is_gymnasiums_reward_on_the_raw_action() -> None:
    """By hand, one step of Swimmer-v5 (reward = forward velocity − 1e-4 Σ a²): the
    simulator clamps the control to [-1, 1], the control cost uses the raw action."""
    raw = np.array([3.0, -2.5])
    (episode_seed,) = seeding.eval_episode_seeds(0, 1)
    env = gym.make("Swimmer-v5")
    env.reset(seed=episode_seed)
    _, _, _, _, info = env.step(raw)
    env.reset(seed=episode_seed)
    _, _, _, _, clipped_info = env.step(np.clip(raw, -1.0, 1.0))
    env.close()
    assert info["x_velocity"] == clipped_info["x_velocity"]  # the same physics
    by_hand_raw = info["x_velocity"] - 1e-4 * (3.0**2 + 2.5**2)
    by_hand_clipped = info["x_velocity"] - 1e-4 * (1.0 + 1.0)
    assert _one_step_return(False, raw) == pytest.approx(by_hand_raw, rel=1e-12)
    assert _one_step_return(True, raw) == pytest.approx(by_hand_clipped, rel=1e-12)
    assert by_hand_raw < by_hand_clipped


def test_cards_declare_the_rule_and_the_record_states_it() -> None:
    cards = catalog()
    assert cards.agent("ars").evaluation_clips({}) is False  # the paper's default
    assert cards.agent("ars").evaluation_clips({"clip_actions": True}) is True
    for name in ("ppo", "sac", "td3", "ddpg", "a2c", "random", "nominal"):
        assert cards.agent(name).evaluation_clips({}) is True, name
    (trial,) = _trials({"card": "ars", "hparams": {"variant": "V1"}}, "Pendulum-v1", 400, 200)
    record = run_trial(trial)
    assert record["clip_actions"] is False and record["hparams"]["clip_actions"] is False
    (trial,) = _trials({"card": "random"}, "Pendulum-v1", 400, 200)
    assert run_trial(trial)["clip_actions"] is True


class _Recorder(gym.Wrapper):
    """Keeps every action the agent sends (not a wrapper ARS may bypass)."""

    actions: ClassVar[list[np.ndarray]] = []

    def step(self, action: Any) -> Any:
        type(self).actions.append(np.array(action, dtype=float))
        return self.env.step(action)


@pytest.mark.parametrize("clip", [False, True])
def test_ars_trains_with_the_declared_rule(clip: bool) -> None:
    from rlbench.algos import ars
    from tests.algos.test_ars import FakeContext, hparams

    _Recorder.actions = []
    hp = hparams(noise=5.0, n_directions=2, top_directions=2, clip_actions=clip)
    ctx = FakeContext("Pendulum-v1", hp, 200, 50, 200, wrap=_Recorder)
    ars.train(ctx)
    largest = max(float(np.abs(a).max()) for a in _Recorder.actions)
    assert (largest <= 2.0) is clip  # Pendulum's torque box is [-2, 2]


def test_a_2000_step_budget_that_runs_3200_is_recorded_as_such() -> None:
    """ARS with N = 8 on Pendulum (200-step episodes): one batch is 16 episodes,
    3,200 steps, so a 2,000-step budget ends after that batch."""
    agent = {"card": "ars", "hparams": {"variant": "V1", "n_directions": 8, "top_directions": 8}}
    (trial,) = _trials(agent, "Pendulum-v1", 2000, 1000)
    record = run_trial(trial)
    assert record["status"] == "done" and record["budget_steps"] == 2000
    assert record["steps_used"] == 3200
    curve = record["curve"]
    assert curve["step"] == [0, 1000, 2000]
    assert curve["steps_used"] == [0, 3200, 3200]
    # both grid steps are evaluated with M_0, which no episode has trained yet
    assert curve["episodes"] == [0, 0, 0]


def test_a_per_step_learner_uses_exactly_the_budget() -> None:
    (trial,) = _trials({"card": "random"}, "Pendulum-v1", 1000, 250)
    record = run_trial(trial)
    assert record["steps_used"] == 1000
    assert record["curve"]["steps_used"] == record["curve"]["step"] == [0, 250, 500, 750, 1000]
    assert record["curve"]["episodes"] == [0, 1, 2, 3, 5]
