"""Seed-batched TD3 and DDPG: K seeds of one config trained in lockstep in one process.

The algorithm is SB3's TD3 (Fujimoto et al. 2018, arXiv:1802.09477, Alg. 1) and
SB3's DDPG (Lillicrap et al. 2016, arXiv:1509.02971), which SB3 writes as TD3
with ``policy_delay=1``, no target policy noise and one critic; the loop is
SB3's ``OffPolicyAlgorithm.learn`` with one env per seed. The K seeds' networks
are stacked (``rlbench.algos.stacked``) so that one batched matmul serves all
seeds; each seed keeps its own replay buffer slot, env, and random streams:

* weights: a ``torch.Generator`` seeded from the seed's ``agent_init`` stream;
* warm-up actions, action noise, replay indices, target policy noise: three
  children spawned from the seed's ``exploration`` stream;
* env: first reset with ``ctx.env_seed()``, later resets continue its RNG.

A seed's record therefore does not depend on K or on its batch-mates (tested
bit for bit on CPU). Differences from SB3 are listed in the card and README
("Seed-batched TD3 and DDPG").

Card entries: ``rlbench.algos.batched_td3:td3`` / ``:ddpg`` (one trial, K = 1)
and ``:td3_batch`` / ``:ddpg_batch`` (a list of contexts, used by
``rlbench.batching``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rlbench.algos import stacked
from rlbench.algos.batched_learner import BatchedTD3, Settings
from rlbench.algos.sb3_spec import check_names
from rlbench.errors import TrialDiverged, TrialFailure
from rlbench.protocol import TrialContext

PARAMETER_CHECK_EVERY_STEPS = 1000
"""As the SB3 adapter: parameters are checked for NaN/inf this often (env
steps) and at every evaluation; actions at every step."""

_SB3_DEFAULTS: dict[str, Any] = {
    "learning_rate": 1e-3,
    "buffer_size": 1_000_000,
    "learning_starts": 100,
    "batch_size": 256,
    "tau": 0.005,
    "gamma": 0.99,
    "train_freq": 1,
    "gradient_steps": 1,
    "action_noise": None,
    "policy_kwargs.net_arch": [400, 300],
    "policy_kwargs.activation_fn": "relu",
    "policy_delay": 2,
    "target_policy_noise": 0.2,
    "target_noise_clip": 0.5,
}
"""SB3 2.9.2's TD3 defaults, for names a hand-built context leaves out."""


def settings(algo: str, hparams: Mapping[str, Any]) -> Settings:
    """Resolve the card's hyperparameters (SB3 names) into learner settings.

    Args:
        algo: ``td3`` or ``ddpg``.
        hparams: flat hyperparameter names to values.

    Raises:
        UnknownNameError: a name SB3's class of ``algo`` does not accept.
    """
    check_names(algo, hparams)
    values = {**_SB3_DEFAULTS, **hparams}
    ddpg = algo == "ddpg"
    return Settings(
        learning_rate=float(values["learning_rate"]),
        buffer_size=int(values["buffer_size"]),
        learning_starts=int(values["learning_starts"]),
        batch_size=int(values["batch_size"]),
        tau=float(values["tau"]),
        gamma=float(values["gamma"]),
        train_freq=int(values["train_freq"]),
        gradient_steps=int(values["gradient_steps"]),
        action_noise=values["action_noise"],
        net_arch=tuple(values["policy_kwargs.net_arch"]),
        activation=str(values["policy_kwargs.activation_fn"]),
        # SB3's DDPG: TD3 with these three fixed
        policy_delay=1 if ddpg else int(values["policy_delay"]),
        target_policy_noise=0.0 if ddpg else float(values["target_policy_noise"]),
        target_noise_clip=0.0 if ddpg else float(values["target_noise_clip"]),
        n_critics=1 if ddpg else 2,
    )


@dataclass
class _Seeds:
    """Per-seed state of the rollout loop."""

    ctxs: Sequence[TrialContext]
    envs: list[Any]
    alive: np.ndarray  # (K,) bool
    failures: list[BaseException | None]
    episodes: np.ndarray  # (K,) int

    def fail(self, k: int, error: BaseException) -> None:
        self.alive[k] = False
        self.failures[k] = error
        self.envs[k].close()


def _check_contexts(ctxs: Sequence[TrialContext]) -> None:
    first = ctxs[0]
    for ctx in ctxs[1:]:
        same = (dict(ctx.hparams), ctx.env_id, ctx.budget_steps, ctx.device) == (
            dict(first.hparams),
            first.env_id,
            first.budget_steps,
            first.device,
        )
        if not same:
            raise TrialFailure(
                "a seed batch must share hyperparameters, env, budget and device; "
                f"seed {ctx.seed} differs from seed {first.seed}"
            )


def _evaluate_and_check(learner: BatchedTD3, seeds: _Seeds, steps: int, check: bool) -> None:
    """Per seed: parameter check when due, then ``evaluate_due`` (SB3 adapter order)."""
    due = [
        bool(seeds.alive[k]) and (ctx.next_eval_step is not None and steps >= ctx.next_eval_step)
        for k, ctx in enumerate(seeds.ctxs)
    ]
    if check or any(due):
        bad = learner.nonfinite_seeds()
        for bad_seed in np.flatnonzero(bad & seeds.alive):
            seeds.fail(int(bad_seed), TrialDiverged(steps, "non-finite parameter"))
            due[bad_seed] = False
    for k, ctx in enumerate(seeds.ctxs):
        if due[k]:
            ctx.evaluate_due(steps, int(seeds.episodes[k]), learner.policy(k))


def _step_envs(
    seeds: _Seeds, obs: np.ndarray, env_actions: np.ndarray, steps: int
) -> tuple[np.ndarray, ...]:
    """Step every live env once (SB3's DummyVecEnv: reset at once on done).

    Returns:
        ``(next_obs for the buffer, obs to act on next, rewards, terminated, done)``,
        each with K rows; a dead seed's rows repeat its last observation.
    """
    next_obs, new_obs = obs.copy(), obs.copy()
    rewards = np.zeros(len(seeds.envs), dtype=np.float32)
    terminated = np.zeros(len(seeds.envs), dtype=np.float32)
    done = np.zeros(len(seeds.envs), dtype=bool)
    for k in np.flatnonzero(seeds.alive):
        action = env_actions[k]
        if not np.isfinite(action).all():
            seeds.fail(int(k), TrialDiverged(steps, f"non-finite action {action!r}"))
            continue
        env = seeds.envs[k]
        observation, reward, term, trunc, _ = env.step(action)
        next_obs[k] = new_obs[k] = np.asarray(observation, dtype=np.float32).reshape(-1)
        rewards[k], terminated[k], done[k] = reward, float(term), term or trunc
        if done[k]:
            new_obs[k] = np.asarray(env.reset()[0], dtype=np.float32).reshape(-1)
            seeds.episodes[k] += 1
    return next_obs, new_obs, rewards, terminated, done


def _actions(
    learner: BatchedTD3, obs: np.ndarray, steps: int, warmup_rngs: Sequence[np.random.Generator]
) -> tuple[np.ndarray, np.ndarray]:
    """SB3's ``_sample_action``: (buffer action in [-1, 1], env action), each (K, A).

    Uniform actions before ``learning_starts``, the actor after; action noise on
    both, then the clip to [-1, 1], with SB3's float32/float64 conversions.
    """
    low, high = learner.low, learner.high
    if steps < learner.settings.learning_starts:
        unscaled = np.stack([rng.uniform(low, high).astype(np.float32) for rng in warmup_rngs])
    else:
        unscaled = learner.unscale(learner.act(obs))
    scaled = 2.0 * ((unscaled - low) / (high - low)) - 1.0
    if learner.noise is not None:
        scaled = np.clip(scaled + learner.noise(), -1, 1)
    return scaled, learner.unscale(scaled)


def train_batch(algo: str, ctxs: Sequence[TrialContext]) -> list[BaseException | None]:
    """Train K seeds of one config together, reporting to each seed's context.

    Args:
        algo: ``td3`` or ``ddpg``.
        ctxs: one context per seed, sharing hyperparameters, env and budget.

    Returns:
        Per seed, None (trained to the budget) or the exception that ended it
        (``TrialDiverged`` for NaN/inf actions or parameters); one seed's
        failure never stops the others.

    Raises:
        UnknownNameError, TrialFailure: for the whole batch (bad input).
    """
    torch.set_num_threads(1)
    _check_contexts(ctxs)
    config = settings(algo, ctxs[0].hparams)
    envs = [ctx.make_env() for ctx in ctxs]
    streams = [ctx.rng("exploration").spawn(3) for ctx in ctxs]
    learner = BatchedTD3(
        config,
        envs[0].observation_space,
        envs[0].action_space,
        [ctx.int_seed("agent_init") for ctx in ctxs],
        [s[0] for s in streams],
        ctxs[0].device,
    )
    warmup_rngs, replay_rngs, target_rngs = zip(*streams, strict=True)
    seeds = _Seeds(ctxs, envs, np.ones(len(ctxs), bool), [None] * len(ctxs), np.zeros(len(ctxs)))
    obs = np.stack(
        [np.asarray(env.reset(seed=ctx.env_seed())[0], np.float32).reshape(-1)
         for env, ctx in zip(envs, ctxs, strict=True)]
    )  # fmt: skip
    _evaluate_and_check(learner, seeds, 0, check=False)
    steps, next_check = 0, PARAMETER_CHECK_EVERY_STEPS
    budget = ctxs[0].budget_steps
    while steps < budget and seeds.alive.any():
        for _ in range(config.train_freq):
            buffer_actions, env_actions = _actions(learner, obs, steps, warmup_rngs)
            next_obs, new_obs, rewards, terminated, done = _step_envs(
                seeds, obs, env_actions, steps + 1
            )
            steps += 1
            check = steps >= next_check
            if check:
                next_check = steps + PARAMETER_CHECK_EVERY_STEPS
            _evaluate_and_check(learner, seeds, steps, check)
            learner.replay.add(obs, next_obs, buffer_actions, rewards, terminated)
            if learner.noise is not None:
                for k in np.flatnonzero(done):
                    learner.noise.reset(int(k))
            obs = new_obs
        if steps > config.learning_starts:
            gradient_steps = (
                config.gradient_steps if config.gradient_steps >= 0 else config.train_freq
            )
            learner.train(gradient_steps, replay_rngs, target_rngs)
    _evaluate_and_check(learner, seeds, steps, check=True)
    for k in np.flatnonzero(seeds.alive):
        envs[k].close()
    return seeds.failures


def _single(algo: str, ctx: TrialContext) -> None:
    (failure,) = train_batch(algo, [ctx])
    if failure is not None:
        raise failure


def td3(ctx: TrialContext) -> None:
    """One trial of seed-batched TD3 (K = 1): the same record as inside any batch."""
    _single("td3", ctx)


def ddpg(ctx: TrialContext) -> None:
    """One trial of seed-batched DDPG (K = 1): the same record as inside any batch."""
    _single("ddpg", ctx)


def td3_batch(ctxs: Sequence[TrialContext]) -> list[BaseException | None]:
    """K trials of seed-batched TD3 (see ``train_batch``)."""
    return train_batch("td3", ctxs)


def ddpg_batch(ctxs: Sequence[TrialContext]) -> list[BaseException | None]:
    """K trials of seed-batched DDPG (see ``train_batch``)."""
    return train_batch("ddpg", ctxs)


__all__ = ["ddpg", "ddpg_batch", "settings", "stacked", "td3", "td3_batch", "train_batch"]
