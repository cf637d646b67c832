"""The stable-baselines3 adapter: fidelity to plain SB3, determinism, divergence, validation.

``FakeContext`` implements ``rlbench.protocol.TrialContext`` the way the runner
does (seed streams from ``SeedSequence``, evaluation of the deterministic
policy on fixed reset seeds at every pending grid step), so these tests need
neither the runner nor the store.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3 import DDPG
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.noise import NormalActionNoise

from rlbench.algos import sb3, sb3_spec
from rlbench.cards import parse_agent_card, read_yaml
from rlbench.errors import SpecError, TrialDiverged, UnknownNameError
from rlbench.protocol import STREAMS

AGENTS_DIR = Path(__file__).resolve().parents[2] / "agents"
ALGOS = ("ddpg", "td3", "sac", "ppo", "a2c")


def evaluate(policy: Callable[[np.ndarray], Any], env: gym.Env, seeds: list[int]) -> float:
    """Mean undiscounted return of ``policy`` over one episode per reset seed."""
    returns = []
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(policy(obs))
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns))


class NanRewardAfter(gym.Wrapper):
    """Returns a NaN reward from env step ``after`` on (injects a divergence)."""

    def __init__(self, env: gym.Env, after: int):
        super().__init__(env)
        self.after = after
        self.steps = 0

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        return (
            obs,
            (float("nan") if self.steps >= self.after else reward),
            terminated,
            truncated,
            info,
        )


class FakeContext:
    """A TrialContext for tests: the protocol, nothing else.

    ``evaluations`` holds ``(grid_step, steps, episodes, mean_return)`` per
    evaluated grid step.
    """

    def __init__(
        self,
        env_id: str,
        hparams: Mapping[str, Any],
        budget_steps: int,
        eval_every: int,
        seed: int = 0,
        horizon: int = 200,
        eval_episodes: int = 2,
        wrap: Callable[[gym.Env], gym.Env] | None = None,
    ):
        self.env_id = env_id
        self.hparams = dict(hparams)
        self.budget_steps = budget_steps
        self.eval_steps = (*range(0, budget_steps, eval_every), budget_steps)
        self.seed = seed
        self.device = "cpu"
        self.horizon = horizon
        self.wrap = wrap
        self.eval_seeds = [int(s) for s in self._stream("eval").generate_state(eval_episodes)]
        self.eval_env = gym.make(env_id, max_episode_steps=horizon)
        self.pending = list(self.eval_steps)
        self.evaluations: list[tuple[int, int, int, float]] = []

    def _stream(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(STREAMS.index(name),))

    def make_env(self) -> gym.Env:
        env = gym.make(self.env_id, max_episode_steps=self.horizon)
        return self.wrap(env) if self.wrap else env

    def env_seed(self) -> int:
        return self.int_seed("env")

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.default_rng(self._stream(stream))

    def int_seed(self, stream: str) -> int:
        return int(self._stream(stream).generate_state(1)[0] >> 1)

    @property
    def next_eval_step(self) -> int | None:
        return self.pending[0] if self.pending else None

    def evaluate_due(self, steps: int, episodes: int, policy: Callable[[np.ndarray], Any]) -> None:
        if not self.pending or self.pending[0] > steps:
            return
        mean_return = evaluate(policy, self.eval_env, self.eval_seeds)
        while self.pending and self.pending[0] <= steps:
            self.evaluations.append((self.pending.pop(0), steps, episodes, mean_return))


TINY_DDPG = {
    "learning_rate": 1e-3,
    "buffer_size": 10_000,
    "learning_starts": 100,
    "batch_size": 64,
    "tau": 0.005,
    "gamma": 0.98,
    "train_freq": 1,
    "gradient_steps": 1,
    "action_noise": {"type": "normal", "sigma": 0.1},
    "policy_kwargs.net_arch": [64, 64],
}

TINY = {
    "ddpg": ("Pendulum-v1", TINY_DDPG),
    "td3": ("Pendulum-v1", {**TINY_DDPG, "policy_delay": 2}),
    "sac": ("Pendulum-v1", {**TINY_DDPG, "action_noise": None, "ent_coef": "auto_0.5"}),
    "ppo": (
        "Pendulum-v1",
        {
            "n_steps": 128,
            "batch_size": 64,
            "n_epochs": 2,
            "policy_kwargs.net_arch": {"pi": [32], "vf": [32]},
        },
    ),
    "a2c": ("CartPole-v1", {"n_steps": 8, "policy_kwargs.net_arch": {"pi": [32], "vf": [32]}}),
}


def run_trial(algo: str, env_id: str, hparams: Mapping[str, Any], **kwargs: Any) -> FakeContext:
    ctx = FakeContext(env_id, hparams, **kwargs)
    getattr(sb3, algo)(ctx)
    return ctx


def test_ddpg_trial_equals_plain_sb3_run():
    """The adapter changes nothing: same seeds and config give exactly SB3's returns."""
    budget, every = 600, 200
    ctx = run_trial(
        "ddpg", "Pendulum-v1", TINY_DDPG, budget_steps=budget, eval_every=every, horizon=100
    )

    torch.set_num_threads(1)
    env = gym.make("Pendulum-v1", max_episode_steps=100)
    model = DDPG(
        "MlpPolicy",
        env,
        learning_rate=1e-3,
        buffer_size=10_000,
        learning_starts=100,
        batch_size=64,
        tau=0.005,
        gamma=0.98,
        train_freq=1,
        gradient_steps=1,
        action_noise=NormalActionNoise(mean=np.zeros(1), sigma=0.1 * np.ones(1)),
        policy_kwargs={"net_arch": [64, 64]},
        seed=ctx.int_seed("agent_init"),
        device="cpu",
    )
    model.get_env().seed(ctx.env_seed())
    eval_env = gym.make("Pendulum-v1", max_episode_steps=100)

    def policy(obs: np.ndarray) -> Any:
        return model.predict(obs, deterministic=True)[0]

    plain = [(0, evaluate(policy, eval_env, ctx.eval_seeds))]

    class PlainEvalCallback(BaseCallback):
        def _on_step(self) -> bool:
            if self.num_timesteps % every == 0:
                plain.append((self.num_timesteps, evaluate(policy, eval_env, ctx.eval_seeds)))
            return True

    model.learn(total_timesteps=budget, callback=PlainEvalCallback())

    adapter = [(grid_step, mean_return) for grid_step, _, _, mean_return in ctx.evaluations]
    assert adapter == plain
    assert [step for step, _ in adapter] == [0, 200, 400, 600]


@pytest.mark.parametrize("algo", ALGOS)
def test_tiny_trial_evaluates_every_grid_step(algo):
    env_id, hparams = TINY[algo]
    ctx = run_trial(algo, env_id, hparams, budget_steps=400, eval_every=100, horizon=100)
    assert [grid_step for grid_step, *_ in ctx.evaluations] == [0, 100, 200, 300, 400]
    assert not ctx.pending
    for grid_step, steps, episodes, mean_return in ctx.evaluations:
        assert steps >= grid_step
        assert (
            episodes == steps // 100 or env_id == "CartPole-v1"
        )  # horizon 100, Pendulum never terminates
        assert np.isfinite(mean_return)


@pytest.mark.parametrize("algo", ["ddpg", "ppo"])
def test_same_trial_twice_gives_identical_evaluations(algo):
    env_id, hparams = TINY[algo]
    first = run_trial(algo, env_id, hparams, budget_steps=300, eval_every=100, horizon=100)
    second = run_trial(algo, env_id, hparams, budget_steps=300, eval_every=100, horizon=100)
    assert first.evaluations == second.evaluations
    other_seed = run_trial(
        algo, env_id, hparams, budget_steps=300, eval_every=100, horizon=100, seed=1
    )
    assert other_seed.evaluations != first.evaluations


def test_nan_reward_makes_ddpg_diverge_at_its_step():
    with pytest.raises(TrialDiverged) as caught:
        run_trial(
            "ddpg",
            "Pendulum-v1",
            TINY_DDPG,
            budget_steps=400,
            eval_every=100,
            horizon=100,
            wrap=lambda env: NanRewardAfter(env, after=150),
        )
    # the NaN reward at step 150 reaches the critic at the gradient step after it,
    # then the actor; the next action is NaN
    assert 150 <= caught.value.step <= 155
    assert caught.value.reason == "diverged"
    assert "non-finite action" in caught.value.detail


def test_nan_in_a_stochastic_policy_is_a_divergence_not_a_crash():
    # A2C's categorical distribution raises ValueError on NaN logits before an
    # action reaches the callback; the adapter reports it as a divergence
    with pytest.raises(TrialDiverged) as caught:
        run_trial(
            "a2c",
            "CartPole-v1",
            TINY["a2c"][1],
            budget_steps=400,
            eval_every=100,
            horizon=100,
            wrap=lambda env: NanRewardAfter(env, after=50),
        )
    assert 50 <= caught.value.step <= 70
    assert "non-finite parameter" in caught.value.detail


def test_nonfinite_parameter_is_caught_by_the_periodic_check(monkeypatch):
    # Also the periodic parameter check: poison the actor right after the first
    # gradient step and let nothing else notice.
    original = sb3.ProtocolCallback._on_step

    def poisoned(self):
        if self.num_timesteps == 120:
            with torch.no_grad():
                next(self.model.actor.parameters()).fill_(float("inf"))
        return original(self)

    monkeypatch.setattr(sb3.ProtocolCallback, "_on_step", poisoned)
    monkeypatch.setattr(sb3, "PARAMETER_CHECK_EVERY_STEPS", 1)
    with pytest.raises(
        TrialDiverged, match=r"diverged at step 120: non-finite parameter actor\.mu\.0\.weight"
    ):
        run_trial("ddpg", "Pendulum-v1", TINY_DDPG, budget_steps=300, eval_every=100, horizon=100)


def test_unknown_hyperparameter_fails_before_training():
    ctx = FakeContext("Pendulum-v1", {"learning_rat": 1e-3}, budget_steps=100, eval_every=50)
    with pytest.raises(
        UnknownNameError,
        match=r"unknown hyperparameter 'learning_rat'; did you mean 'learning_rate'\?",
    ):
        sb3.ddpg(ctx)
    assert ctx.evaluations == []


@pytest.mark.parametrize(
    ("hparams", "path", "message"),
    [
        (
            {"action_noise": {"type": "gaussian", "sigma": 0.1}},
            "hparams.action_noise.type",
            "unknown noise type 'gaussian' (allowed: normal, ornstein-uhlenbeck)",
        ),
        (
            {"action_noise": {"type": "ornstein-uhlenbek", "sigma": 0.1}},
            "hparams.action_noise.type",
            "unknown noise type 'ornstein-uhlenbek'; did you mean 'ornstein-uhlenbeck'? "
            "(allowed: normal, ornstein-uhlenbeck)",
        ),
        (
            {"action_noise": {"type": "normal", "sigma": 0}},
            "hparams.action_noise.sigma",
            "sigma must be a number > 0, got 0",
        ),
        (
            {"action_noise": {"type": "normal", "std": 0.1}},
            "hparams.action_noise.std",
            "unknown key 'std' in action_noise (allowed: type, sigma)",
        ),
        (
            {"action_noise": "normal"},
            "hparams.action_noise",
            "expected null or a mapping {type: normal | ornstein-uhlenbeck, sigma: float > 0}, "
            "got 'normal'",
        ),
        (
            {"policy_kwargs.net_arch": [400, -300]},
            "hparams.policy_kwargs.net_arch",
            "expected a list of layer widths (positive ints), e.g. [400, 300], got [400, -300]",
        ),
        (
            {"policy_kwargs.net_arch": {"pi": [64], "qf": [64]}},
            "hparams.policy_kwargs.net_arch",
            "expected a list of layer widths (positive ints), e.g. [400, 300], "
            "got {'pi': [64], 'qf': [64]}",
        ),
        (
            {"gradient_steps": 0},
            "hparams.gradient_steps",
            "gradient_steps must be -1 (as many as env steps collected) or >= 1, got 0",
        ),
    ],
)
def test_ddpg_validator_rejects_bad_structure(hparams, path, message):
    with pytest.raises(SpecError) as caught:
        sb3_spec.validate_ddpg(hparams, "Pendulum-v1")
    assert caught.value.path == path
    assert str(caught.value) == f"{path}: {message}"


def test_on_policy_validator_wants_separate_pi_and_vf():
    with pytest.raises(SpecError) as caught:
        sb3_spec.validate_ppo({"policy_kwargs.net_arch": [64, 64]}, "CartPole-v1")
    assert str(caught.value) == (
        "hparams.policy_kwargs.net_arch: expected a mapping {pi: [widths], vf: [widths]}, "
        "e.g. {pi: [64, 64], vf: [64, 64]}, got [64, 64]"
    )
    with pytest.raises(SpecError, match=r"^hparams\.policy_kwargs\.net_arch\.vf: expected a list"):
        sb3_spec.validate_a2c({"policy_kwargs.net_arch": {"pi": [64], "vf": [0]}}, "CartPole-v1")


def test_sac_ent_coef_forms():
    for good in ("auto", "auto_0.1", "0.05"):
        sb3_spec.validate_sac({"ent_coef": good}, "Pendulum-v1")
    with pytest.raises(
        SpecError, match=r"^hparams\.ent_coef: expected 'auto', 'auto_<initial value>'"
    ):
        sb3_spec.validate_sac({"ent_coef": "automatic"}, "Pendulum-v1")
    assert sb3.sb3_kwargs("sac", {"ent_coef": "0.05"}, 1) == {"ent_coef": 0.05}


def test_flat_names_become_nested_kwargs():
    kwargs = sb3.sb3_kwargs(
        "ppo",
        {
            "policy_kwargs.net_arch": {"pi": [8], "vf": [4]},
            "policy_kwargs.activation_fn": "relu",
            "gamma": 0.9,
        },
        None,
    )
    assert kwargs == {
        "policy_kwargs": {"net_arch": {"pi": [8], "vf": [4]}, "activation_fn": torch.nn.ReLU},
        "gamma": 0.9,
    }


@pytest.mark.parametrize("algo", ALGOS)
def test_card_lists_exactly_the_adapter_names_and_its_defaults_validate(algo):
    card = parse_agent_card(read_yaml(AGENTS_DIR / f"{algo}.yaml"), f"{algo}.yaml")
    assert card.entry == f"rlbench.algos.sb3:{algo}"
    assert card.validator == f"rlbench.algos.sb3_spec:validate_{algo}"
    assert sorted(card.hparams) == sorted(sb3_spec.ALGOS[algo].names)
    for env_id in ("<no per-env entry>", *card.per_env):
        values = {
            name: card.hparams[name].coerce(v, f"hparams.{name}")
            for name, v in card.defaults(env_id).items()
        }
        getattr(sb3_spec, f"validate_{algo}")(values, env_id)
        assert card.check_constraints(values) == [], env_id
        assert sb3.sb3_kwargs(algo, values, 1 if algo != "a2c" else None) is not None


def test_spec_module_imports_neither_torch_nor_sb3():
    # the card validators run for every config while a suite expands
    code = (
        "import sys, rlbench.algos.sb3_spec; "
        "print(sorted(m for m in ('torch', 'stable_baselines3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ddpg_with_zoo_pendulum_hyperparameters_learns(seed):
    """rl-baselines3-zoo's DDPG Pendulum-v1 entry solves it within its 20,000 steps."""
    card = parse_agent_card(read_yaml(AGENTS_DIR / "ddpg.yaml"), "ddpg.yaml")
    hparams = {
        name: card.hparams[name].coerce(v, name) for name, v in card.defaults("Pendulum-v1").items()
    }
    ctx = run_trial(
        "ddpg",
        "Pendulum-v1",
        hparams,
        budget_steps=20_000,
        eval_every=5_000,
        seed=seed,
        eval_episodes=10,
    )
    final_return = ctx.evaluations[-1][-1]
    assert final_return > -400, ctx.evaluations
