"""Seed-batched TD3/DDPG: one update against SB3's train(), seed independence, failures.

The update test is the cheap, strong check of faithfulness: SB3's ``TD3.train``
and ``BatchedTD3.gradient_step`` start from the same weights and see the same
minibatches and target noise; their parameters must agree after several
updates (float32 rounding apart: SB3 multiplies with ``addmm`` per network,
the batched learner with ``baddbmm`` over networks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3 import DDPG, TD3
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.type_aliases import ReplayBufferSamples

from rlbench.algos import batched_td3, stacked
from rlbench.algos.batched_learner import BatchedTD3
from rlbench.batching import run_batch
from rlbench.cards import parse_agent_card, read_yaml
from rlbench.errors import TrialDiverged, TrialFailure
from rlbench.runner import Context, finish_record, make_env, run_trial
from rlbench.spec import load_suite
from rlbench.suite_compiler import expand
from rlbench.trials import Trial

AGENTS = Path(__file__).resolve().parents[2] / "agents"
TINY = {
    "learning_starts": 100,
    "batch_size": 32,
    "policy_kwargs.net_arch": [32, 32],
    "buffer_size": 1000,
}


def _linears(sequential: torch.nn.Module) -> list[torch.nn.Linear]:
    return [m for m in sequential if isinstance(m, torch.nn.Linear)]


def _copy_from_sb3(learner: BatchedTD3, model: Any) -> None:
    """Put SB3's actor/critic (and targets) weights into seed 0 of the learner."""
    copies = learner.settings.n_critics
    pairs = [
        (learner.actor, [model.actor.mu]),
        (learner.actor_target, [model.actor_target.mu]),
        (learner.critic, list(model.critic.q_networks)),
        (learner.critic_target, list(model.critic_target.q_networks)),
    ]
    with torch.no_grad():
        for layers, nets in pairs:
            for c, net in enumerate(nets):
                for (weight, bias), linear in zip(layers, _linears(net), strict=True):
                    assert len(nets) in (1, copies)
                    weight[c].copy_(linear.weight.t())
                    bias[c, 0].copy_(linear.bias)


def _sb3_parameters(model: Any) -> list[torch.Tensor]:
    nets = [
        [model.actor.mu],
        [model.actor_target.mu],
        list(model.critic.q_networks),
        list(model.critic_target.q_networks),
    ]
    out = []
    for group in nets:
        per_layer = zip(*[_linears(n) for n in group], strict=True)
        for linears in per_layer:
            out.append(torch.stack([lin.weight.t() for lin in linears]))
            out.append(torch.stack([lin.bias.reshape(1, -1) for lin in linears]))
    return out


def _batches(n: int, batch_size: int, seed: int) -> list[dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        out.append(
            {
                "obs": torch.randn(batch_size, 3, generator=g),
                "actions": torch.rand(batch_size, 1, generator=g) * 2 - 1,
                "next_obs": torch.randn(batch_size, 3, generator=g),
                "rewards": -torch.rand(batch_size, 1, generator=g) * 10,
                "dones": (torch.rand(batch_size, 1, generator=g) < 0.2).float(),
            }
        )
    return out


@pytest.mark.parametrize("algo", ["td3", "ddpg"])
def test_gradient_steps_match_sb3_train(algo):
    """Same weights, minibatches and target noise: SB3's train() == gradient_step()."""
    hparams = {"learning_rate": 3e-3, "tau": 0.05, "gamma": 0.97, "batch_size": 64}
    hparams["policy_kwargs.net_arch"] = [32, 32]
    env = gym.make("Pendulum-v1")
    sb3_class = TD3 if algo == "td3" else DDPG
    model = sb3_class(
        "MlpPolicy",
        env,
        seed=3,
        learning_rate=3e-3,
        tau=0.05,
        gamma=0.97,
        batch_size=64,
        policy_kwargs={"net_arch": [32, 32]},
    )
    model.set_logger(Logger(folder=None, output_formats=[]))
    config = batched_td3.settings(algo, hparams)
    rng = np.random.default_rng(0)
    learner = BatchedTD3(config, env.observation_space, env.action_space, [1], [rng])
    _copy_from_sb3(learner, model)
    steps = 6  # three actor updates of TD3 (policy_delay 2)
    batches = _batches(steps, 64, seed=11)
    samples = iter(
        ReplayBufferSamples(b["obs"], b["actions"], b["next_obs"], b["dones"], b["rewards"])
        for b in batches
    )
    model.replay_buffer.sample = lambda *args, **kwargs: next(samples)  # type: ignore[method-assign]
    # SB3 draws target noise with normal_ from torch's global generator; draw it
    # the same way first, then replay the generator for SB3
    torch.manual_seed(5)
    noises = [torch.empty(64, 1).normal_(0, config.target_policy_noise) for _ in batches]
    torch.manual_seed(5)
    model.train(gradient_steps=steps, batch_size=64)
    for batch, noise in zip(batches, noises, strict=True):
        stacked_batch = {k: v.unsqueeze(0) for k, v in batch.items()}
        learner.gradient_step(stacked_batch, noise.unsqueeze(0) if algo == "td3" else None)
    ours = [
        *stacked.parameters(learner.actor),
        *stacked.parameters(learner.actor_target),
        *stacked.parameters(learner.critic),
        *stacked.parameters(learner.critic_target),
    ]
    theirs = _sb3_parameters(model)
    assert learner.n_updates == model._n_updates == steps
    for mine, sb3 in zip(ours, theirs, strict=True):
        assert mine.shape == sb3.shape
        torch.testing.assert_close(mine.detach(), sb3.detach(), rtol=1e-5, atol=1e-6)


def _suite(tmp_path: Path, card: str, seeds: list[int], hparams: dict[str, Any]) -> list[Trial]:
    path = tmp_path / "suite.yaml"
    hp = ", ".join(f'"{k}": {v}' for k, v in hparams.items())
    path.write_text(
        f"name: batched\nenvs: [Pendulum-v1]\nagents:\n  - card: {card}\n    hparams: {{{hp}}}\n"
        f"seeds: {seeds}\nbudget: {{steps: 300}}\neval: {{every: 150, episodes: 1}}\n"
    )
    return expand(load_suite(str(path))).trials


def _outcome(record: dict[str, Any]) -> tuple[Any, ...]:
    curve = {k: v for k, v in record["curve"].items() if k != "wall_time"}
    return record["trial_id"], record["status"], curve, record["summary"]


@pytest.mark.parametrize("card", ["td3-batched", "ddpg-batched"])
def test_a_seed_alone_equals_the_seed_in_a_batch(tmp_path, card):
    """K = 1 and K = 3 give bit-identical records (CPU)."""
    trials = _suite(tmp_path, card, [0, 1, 2], TINY)
    together = run_batch(trials)
    alone = [run_trial(trial) for trial in trials]
    assert all(r["status"] == "done" for r in together)
    assert [_outcome(r) for r in together] == [_outcome(r) for r in alone]
    # the seeds did learn different things
    assert len({tuple(r["curve"]["return_mean"]) for r in together}) == 3


def test_a_seed_in_a_batch_of_eight_equals_it_alone(tmp_path):
    trials = _suite(tmp_path, "td3-batched", list(range(8)), {**TINY, "learning_starts": 150})
    together = run_batch(trials)
    assert _outcome(together[5]) == _outcome(run_trial(trials[5]))


class NanRewardAfter(gym.Wrapper):
    """NaN rewards from env step ``after`` on: the seed's critic diverges."""

    def __init__(self, env: gym.Env, after: int):
        super().__init__(env)
        self.after, self.steps = after, 0

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        return (
            obs,
            float("nan") if self.steps >= self.after else reward,
            terminated,
            truncated,
            info,
        )


def test_a_diverged_seed_fails_alone(tmp_path):
    trials = _suite(tmp_path, "td3-batched", [0, 1, 2], TINY)
    contexts = [Context(t) for t in trials]
    contexts[1].make_env = lambda: NanRewardAfter(make_env(trials[1]), 120)  # type: ignore[method-assign]
    failures = batched_td3.td3_batch(contexts)
    assert failures[0] is None and failures[2] is None
    assert isinstance(failures[1], TrialDiverged) and 120 < failures[1].step <= 300
    records = [
        finish_record(t, c, f, 0.0) for t, c, f in zip(trials, contexts, failures, strict=True)
    ]
    assert records[1]["status"] == "failed" and records[1]["reason"] == "diverged"
    for k in (0, 2):
        assert _outcome(records[k]) == _outcome(run_trial(trials[k]))


def test_a_batch_must_share_its_config(tmp_path):
    trials = _suite(tmp_path, "td3-batched", [0], TINY)
    other = _suite(tmp_path, "td3-batched", [1], {**TINY, "tau": 0.01})
    records = run_batch([trials[0], other[0]])
    assert [r["status"] for r in records] == ["failed", "failed"]
    assert records[0]["error"] == (
        "a seed batch must share hyperparameters, env, budget and device; "
        "seed 1 differs from seed 0"
    )
    assert issubclass(TrialFailure, Exception)


def test_bad_hyperparameter_name_is_rejected():
    with pytest.raises(Exception, match="policy_delay"):
        batched_td3.settings("ddpg", {"policy_delay": 2})


@pytest.mark.parametrize("algo", ["td3", "ddpg"])
def test_cards_keep_the_sb3_cards_hyperparameters(algo):
    """The batched cards take the SB3 cards' names, defaults and per-env entries."""
    plain = parse_agent_card(read_yaml(AGENTS / f"{algo}.yaml"), algo)
    batched = parse_agent_card(read_yaml(AGENTS / f"{algo}-batched.yaml"), f"{algo}-batched")
    assert batched.hparams == plain.hparams
    assert batched.per_env == plain.per_env
    assert batched.validator == plain.validator
    assert batched.batch_entry == f"rlbench.algos.batched_td3:{algo}_batch"
    assert batched.batch_seeds > 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_runs_on_cuda(tmp_path):
    trials = _suite(tmp_path, "td3-batched", [0, 1], TINY)
    from dataclasses import replace

    records = run_batch([replace(t, device="cuda") for t in trials])
    assert [r["status"] for r in records] == ["done", "done"]
