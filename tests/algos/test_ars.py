"""Tests of rlbench.algos.ars: update rules by hand, the normaliser, the
evaluation contract, determinism, and learning LQR (known optimum)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlbench.tasks  # noqa: F401  (registers rlbench/LQR-v0)
from rlbench.algos import ars
from rlbench.algos.ars_config import ARSConfig
from rlbench.errors import SpecError, TrialDiverged
from rlbench.tasks import lqr

_STREAMS = {"env": 0, "eval": 1, "agent_init": 2, "exploration": 3, "global": 4}


@dataclass
class FakeContext:
    """A TrialContext (rlbench.protocol) plus ``horizon``, for agent tests.

    ``calls`` gets one (grid step, steps, episodes, policy, score) per grid
    step that becomes due; ``raw_calls`` every (steps, episodes) passed.
    """

    env_id: str
    hparams: Mapping[str, Any]
    budget_steps: int
    horizon: int
    eval_every: int
    seed: int = 0
    device: str = "cpu"
    score: Callable[[Any], float] | None = None
    wrap: Callable[[gym.Env], gym.Env] | None = None
    calls: list[tuple[int, int, int, Any, float | None]] = field(default_factory=list)
    raw_calls: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        grid = list(range(0, self.budget_steps + 1, self.eval_every))
        if grid[-1] != self.budget_steps:
            grid.append(self.budget_steps)
        self.eval_steps = tuple(grid)
        self._next = 0

    def _seq(self, stream: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(_STREAMS[stream],))

    def make_env(self) -> gym.Env:
        env = gym.make(self.env_id, max_episode_steps=self.horizon)
        return self.wrap(env) if self.wrap else env

    def env_seed(self) -> int:
        return int(self._seq("env").generate_state(1)[0])

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.default_rng(self._seq(stream))

    def int_seed(self, stream: str) -> int:
        return int(self._seq(stream).generate_state(1)[0])

    def evaluate_due(self, steps: int, episodes: int, policy: Any) -> None:
        self.raw_calls.append((steps, episodes))
        while self._next < len(self.eval_steps) and self.eval_steps[self._next] <= steps:
            value = self.score(policy) if self.score is not None else None
            self.calls.append((self.eval_steps[self._next], steps, episodes, policy, value))
            self._next += 1

    @property
    def next_eval_step(self) -> int | None:
        return self.eval_steps[self._next] if self._next < len(self.eval_steps) else None


def hparams(**overrides: Any) -> dict[str, Any]:
    base = dict(
        variant="V1", step_size=0.002, noise=0.01, n_directions=8, top_directions=8, shift=0.0
    )
    base.update(overrides)
    return base


def lqr_score(policy: ars.LinearPolicy) -> float:
    return lqr.relative_cost(policy.weights)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"variant": "V3"}, "hparams.variant: variant 'V3' is not one of BRS, V1, V1-t, V2, V2-t"),
        ({"step_size": 0.0}, "hparams.step_size: step_size must be > 0, got 0.0"),
        ({"noise": -1.0}, "hparams.noise: noise must be > 0, got -1.0"),
        ({"noise": float("nan")}, "hparams.noise: noise must be a finite number, got nan"),
        ({"n_directions": 0}, "hparams.n_directions: n_directions must be an integer >= 1, got 0"),
        (
            {"n_directions": True},
            "hparams.n_directions: n_directions must be an integer >= 1, got True",
        ),
        (
            {"variant": "V2-t", "n_directions": 4, "top_directions": 5},
            "hparams.top_directions: top_directions (5) must be <= n_directions (4)",
        ),
        ({"shift": None}, "hparams.shift: missing value for ARS hyperparameter 'shift'"),
    ],
)
def test_config_rejects_impossible_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as info:
        ARSConfig.from_hparams(hparams(**overrides))
    assert str(info.value) == message


def test_top_directions_is_ignored_without_t() -> None:
    for variant in ("BRS", "V1", "V2"):
        config = ARSConfig.from_hparams(hparams(variant=variant, n_directions=4, top_directions=9))
        assert config.used_directions == 4
    config = ARSConfig.from_hparams(hparams(variant="V1-t", n_directions=4, top_directions=3))
    assert config.used_directions == 3


def test_train_raises_spec_error() -> None:
    ctx = FakeContext("rlbench/LQR-v0", hparams(variant="V1-t", top_directions=9), 600, 300, 300)
    with pytest.raises(SpecError, match="top_directions"):
        ars.train(ctx)


# ------------------------------------------------------------- update rules

DELTAS = np.array([[[1.0, 0.0]], [[0.0, 2.0]]])  # N=2 directions, M is 1 x 2
RETURNS = np.array([[3.0, 1.0], [0.0, 2.0]])  # columns r+, r-


def test_brs_step_by_hand() -> None:
    # alpha/N * [(3-1) d0 + (0-2) d1] = 0.25 * [[2, -4]]
    np.testing.assert_allclose(ars.brs_step(DELTAS, RETURNS, 0.5), [[0.5, -1.0]])


def test_ars_step_by_hand() -> None:
    # sigma = population std of [3, 1, 0, 2] = sqrt(1.25)
    step, sigma = ars.ars_step(DELTAS, RETURNS, 0.5, used=2)
    assert sigma == pytest.approx(math.sqrt(1.25))
    np.testing.assert_allclose(step, 0.5 / (2 * math.sqrt(1.25)) * np.array([[2.0, -4.0]]))


def test_ars_top_one_by_hand() -> None:
    # max(r+, r-) = [3, 2]: keep direction 0; sigma = std([3, 1]) = 1
    step, sigma = ars.ars_step(DELTAS, RETURNS, 0.5, used=1)
    assert sigma == 1.0
    np.testing.assert_allclose(step, [[1.0, 0.0]])  # 0.5/(1*1) * 2 * d0


def test_top_directions_exactly_b_and_stable_ties() -> None:
    returns = np.array([[1.0, 5.0], [4.0, 2.0], [5.0, 0.0], [3.0, 3.0]])  # max: 5, 4, 5, 3
    assert ars.top_directions(returns, 1).tolist() == [0]
    assert ars.top_directions(returns, 2).tolist() == [0, 2]
    assert ars.top_directions(returns, 3).tolist() == [0, 2, 1]
    ties = np.ones((5, 2))
    assert ars.top_directions(ties, 3).tolist() == [0, 1, 2]  # exactly b, lower index first


def test_zero_return_std_skips_the_update() -> None:
    step, sigma = ars.ars_step(DELTAS, np.full((2, 2), 7.0), 0.5, used=2)
    assert step is None and sigma == 0.0
    # b = 1 with r+ == r- for the best direction: sigma of those two returns is 0
    step, sigma = ars.ars_step(DELTAS, np.array([[4.0, 4.0], [1.0, 2.0]]), 0.5, used=1)
    assert step is None and sigma == 0.0


# --------------------------------------------------------------- normaliser


@pytest.mark.parametrize(
    "splits", [[1000], [1, 999], [10, 90, 400, 500], [500, 0, 500], [1] * 20 + [980]]
)
def test_running_stats_match_numpy(splits: list[int]) -> None:
    data = np.random.default_rng(3).normal(loc=1e6, scale=[1e-3, 1.0, 50.0], size=(1000, 3))
    stats = ars.RunningMeanStd(3)
    for chunk in np.split(data, np.cumsum(splits)[:-1]):
        stats.update(chunk)
    assert stats.count == 1000
    np.testing.assert_allclose(stats.mean, data.mean(axis=0), rtol=1e-14)
    # 1e-6 is the float64 resolution of a 1e-3 spread around 1e6; a naive
    # E[x^2] - E[x]^2 would be off by orders of magnitude here.
    np.testing.assert_allclose(stats.var, data.var(axis=0), rtol=1e-6)


def test_running_stats_initial_identity_and_tiny_variance() -> None:
    stats = ars.RunningMeanStd(3)
    np.testing.assert_array_equal(stats.inverse_std(), [1.0, 1.0, 1.0])  # Sigma_0 = I
    stats.update(np.array([[1.0, 5.0, 0.0], [3.0, 5.0, 1e-5], [5.0, 5.0, 2e-5]]))
    # variances: 8/3, 0, 6.7e-11 (< 1e-8): the last two components are ignored
    np.testing.assert_allclose(stats.inverse_std(), [1 / math.sqrt(8 / 3), 0.0, 0.0])
    policy = ars.LinearPolicy(np.ones((1, 3)), stats.mean, stats.inverse_std(), None, None)
    np.testing.assert_allclose(policy(np.array([3.0, 1e9, -1e9])), [0.0])


def test_policy_is_a_frozen_copy_and_clips() -> None:
    weights, mean, inv = np.array([[2.0, -1.0]]), np.array([1.0, 0.0]), np.array([1.0, 0.5])
    policy = ars.LinearPolicy(weights, mean, inv, np.array([-1.0]), np.array([1.0]))
    weights += 100.0
    mean += 100.0
    inv += 100.0
    np.testing.assert_allclose(policy(np.array([1.25, 0.0])), [0.5])  # 2 * 0.25
    np.testing.assert_allclose(policy(np.array([3.0, 0.0])), [1.0])  # clipped from 4
    np.testing.assert_allclose(policy(np.array([1.0, 8.0])), [-1.0])  # clipped from -4


# ------------------------------------------------------------ env handling


@pytest.mark.parametrize(("env_id", "horizon"), [("Pendulum-v1", 37), ("Hopper-v5", 1000)])
def test_rollout_matches_timelimit(env_id: str, horizon: int) -> None:
    """The unwrapped loop ends and sums exactly like the TimeLimit-wrapped env."""
    wrapped = gym.make(env_id, max_episode_steps=horizon)
    fast = ars._fast_env(gym.make(env_id, max_episode_steps=horizon))
    assert fast is fast.unwrapped
    matrix = np.random.default_rng(0).normal(
        size=(wrapped.action_space.shape[0], wrapped.observation_space.shape[0])
    )
    low, high = wrapped.action_space.low.astype(float), wrapped.action_space.high.astype(float)
    for seed in range(3):
        result = ars._rollout(
            lambda seed=seed: fast.reset(seed=seed),
            fast.step,
            matrix,
            None,
            low,
            high,
            horizon,
            None,
        )
        obs, _ = wrapped.reset(seed=seed)
        total, length, done = 0.0, 0, False
        while not done:
            obs, reward, terminated, truncated, _ = wrapped.step(np.clip(matrix @ obs, low, high))
            total, length, done = total + float(reward), length + 1, terminated or truncated
        assert result == (pytest.approx(total, rel=1e-12), length)
        assert length == horizon or env_id == "Hopper-v5"


def test_evaluation_contract_and_episode_counts() -> None:
    ctx = FakeContext("Pendulum-v1", hparams(n_directions=3, top_directions=3), 2000, 50, 300)
    ars.train(ctx)
    per_batch = 2 * 3 * 50
    # after batch i the evaluated policy M_(i-1) was trained on the i-1 batches before it
    # (6 episodes each); the final call has the last update, trained on all 7 batches
    expected = [(0, 0)] + [(per_batch * i, 6 * (i - 1)) for i in range(1, 8)]
    expected += [(per_batch * 7, 42)]
    assert ctx.raw_calls == expected  # 7 batches: 2100 >= 2000 budget steps
    assert [c[0] for c in ctx.calls] == list(ctx.eval_steps)
    # the evaluation after the first batch uses the policy that collected it: M = 0
    assert not ctx.calls[1][3].weights.any()


def test_v2_statistics_are_from_previous_iterations() -> None:
    """Iteration j normalises with the states of iterations < j, all rollouts."""
    seen: list[list[np.ndarray]] = []

    class Record(gym.Wrapper):
        def reset(self, **kwargs: Any) -> Any:
            obs, info = self.env.reset(**kwargs)
            seen.append([obs])
            return obs, info

        def step(self, action: Any) -> Any:
            out = self.env.step(action)
            seen[-1].append(out[0])
            return out

    hp = hparams(variant="V2-t", n_directions=2, top_directions=1)
    ctx = FakeContext("rlbench/LQR-v0", hp, 2 * 2 * 2 * 20, 20, 80, wrap=Record)
    ars.train(ctx)
    policies = [c[3] for c in ctx.calls]
    assert len(seen) == 8 and all(len(s) == 21 for s in seen)
    for policy in policies[:2]:  # step 0 and after batch 1: mu_0 = 0, Sigma_0 = I
        np.testing.assert_array_equal(policy.mean, 0.0)
        np.testing.assert_array_equal(policy.inverse_std, 1.0)
    first = np.concatenate([s[:-1] for s in seen[:4]])  # states acted on in batch 1
    np.testing.assert_allclose(policies[2].mean, first.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(policies[2].inverse_std, 1 / first.std(axis=0), rtol=1e-12)


def test_diverging_run_raises_trial_diverged() -> None:
    # BRS steps with raw return differences; on LQR those span ~1e10: it blows up.
    ctx = FakeContext("rlbench/LQR-v0", hparams(variant="BRS", step_size=1e-3), 60_000, 300, 30_000)
    with np.errstate(all="ignore"), pytest.raises(TrialDiverged, match="diverged at step"):
        ars.train(ctx)


# ------------------------------------------------------------- determinism


def test_same_trial_twice_is_identical() -> None:
    def run() -> list[tuple[Any, ...]]:
        ctx = FakeContext(
            "rlbench/LQR-v0", hparams(variant="V2-t", top_directions=4), 30_000, 300, 5000, seed=11
        )
        ars.train(ctx)
        return [
            (g, s, e, p.weights.tobytes(), p.mean.tobytes(), p.inverse_std.tobytes())
            for g, s, e, p, _ in ctx.calls
        ]

    first, second = run(), run()
    assert first == second
    assert len({c[3] for c in first}) > 3  # the policy did change


# -------------------------------------------------------- learning on LQR


def test_ars_v1_learns_lqr() -> None:
    """Mania et al. §4.3: ARS finds a near-optimal stabilising controller."""
    ctx = FakeContext("rlbench/LQR-v0", hparams(), 300_000, 300, 60_000, seed=0, score=lqr_score)
    ars.train(ctx)
    scores = [c[4] for c in ctx.calls]
    assert scores[0] == math.inf  # M_0 = 0 does not stabilise A
    assert lqr.is_stabilizing(ctx.calls[-1][3].weights)
    assert scores[-1] <= 0.1


def test_brs_improves_on_short_horizon_lqr() -> None:
    # BRS has no sigma_R scaling, so it needs a horizon whose returns stay
    # moderate (50 steps: the open loop grows ~10x instead of ~1e6x).
    hp = hparams(variant="BRS", step_size=3e-4)
    ctx = FakeContext("rlbench/LQR-v0", hp, 200_000, 50, 20_000, seed=0, score=lqr_score)
    ars.train(ctx)
    scores = [c[4] for c in ctx.calls]
    finite = [s for s in scores if math.isfinite(s)]
    assert scores[0] == math.inf
    assert math.isfinite(scores[-1]) and scores[-1] < finite[0] and scores[-1] < 1.0
