"""Tests of rlbench.tasks.lqr: the env and the closed-form answers."""

from __future__ import annotations

import importlib
import math

import gymnasium as gym
import numpy as np
import pytest

import rlbench.tasks
from rlbench.tasks import lqr


def test_registered_once_and_reimport_is_safe() -> None:
    importlib.reload(rlbench.tasks)
    env = gym.make("rlbench/LQR-v0")
    assert env.spec is not None and env.spec.max_episode_steps == 300
    assert env.action_space.shape == (3,) and np.all(np.isinf(env.action_space.high))
    assert env.observation_space.shape == (3,)


def test_step_by_hand_and_seeded_reset() -> None:
    env = lqr.LQREnv()
    x0, _ = env.reset(seed=5)
    np.testing.assert_array_equal(x0, np.random.default_rng(5).standard_normal(3))  # x0 ~ N(0, I)
    u = np.array([1.0, -2.0, 0.5])
    x1, reward, terminated, truncated, _ = env.step(u)
    assert reward == pytest.approx(-(1e-3 * x0 @ x0 + u @ u))
    rng = np.random.default_rng(5)
    rng.standard_normal(3)
    np.testing.assert_allclose(x1, lqr.A @ x0 + u + rng.standard_normal(3))
    assert not terminated and not truncated


def test_episode_is_300_steps() -> None:
    env = gym.make("rlbench/LQR-v0")
    env.reset(seed=0)
    steps, done = 0, False
    while not done:
        _, _, terminated, truncated, _ = env.step(np.zeros(3))
        steps, done = steps + 1, terminated or truncated
    assert steps == 300


def test_optimal_gain_is_consistent() -> None:
    k_star = lqr.optimal_gain()
    assert lqr.is_stabilizing(k_star)
    assert lqr.average_cost(k_star) == pytest.approx(lqr.optimal_average_cost(), rel=1e-10)
    assert lqr.relative_cost(k_star) == pytest.approx(0.0, abs=1e-10)
    rng = np.random.default_rng(0)
    for _ in range(5):  # K* is a minimum
        assert (
            lqr.average_cost(k_star + 0.01 * rng.standard_normal((3, 3)))
            > lqr.optimal_average_cost()
        )


def test_unstable_gain_has_infinite_cost() -> None:
    zero = np.zeros((3, 3))
    assert not lqr.is_stabilizing(zero)  # A has spectral radius 1.02 + ...
    assert lqr.average_cost(zero) == math.inf
    assert lqr.relative_cost(zero) == math.inf
    assert lqr.relative_cost(np.full((3, 3), np.nan)) == math.inf


def test_optimal_cost_matches_long_simulation() -> None:
    env = lqr.LQREnv()
    k_star = lqr.optimal_gain()
    x, _ = env.reset(seed=1)
    costs = np.empty(100_000)
    for t in range(costs.size):
        x, reward, *_ = env.step(k_star @ x)
        costs[t] = -reward
    assert costs[1000:].mean() == pytest.approx(lqr.optimal_average_cost(), rel=0.03)


def test_expected_return_matches_monte_carlo() -> None:
    env = gym.make("rlbench/LQR-v0")
    k_star = lqr.optimal_gain()
    returns = []
    for seed in range(300):
        x, _ = env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            x, reward, terminated, truncated, _ = env.step(k_star @ x)
            total, done = total + float(reward), terminated or truncated
        returns.append(total)
    assert np.mean(returns) == pytest.approx(lqr.expected_return(k_star), rel=0.03)


def test_policy_relative_cost_reads_affine_policies() -> None:
    k_star = lqr.optimal_gain()
    assert lqr.policy_relative_cost(lambda x: k_star @ x) == pytest.approx(0.0, abs=1e-9)
    assert lqr.policy_relative_cost(lambda x: np.zeros(3)) == math.inf
    # a constant offset costs exactly its steady-state penalty
    offset = np.array([0.5, 0.0, -0.2])
    shifted = lqr.policy_relative_cost(lambda x: k_star @ x + offset)
    expected = (lqr.affine_average_cost(k_star, offset) - lqr.optimal_average_cost()) / (
        lqr.optimal_average_cost()
    )
    assert shifted == pytest.approx(expected) and shifted > 0
    assert math.isnan(lqr.policy_relative_cost(lambda x: np.tanh(k_star @ x * 10)))
