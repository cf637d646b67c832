"""The stacked TD3/DDPG learner: K seeds' actors, critics, targets and Adam in one.

``BatchedTD3.gradient_step`` is SB3's ``TD3.train`` loop body for K seeds at
once (``tests/algos/test_batched_td3.py`` checks it against SB3's ``train`` on
the same minibatch and weights). Shapes: K seeds, C critics per seed (2 for
TD3, 1 for DDPG), B transitions per minibatch, O observation and A action sizes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rlbench.algos import stacked
from rlbench.errors import TrialFailure
from rlbench.protocol import Policy


@dataclass(frozen=True)
class Settings:
    """Resolved hyperparameters (SB3's names; see the td3/ddpg cards)."""

    learning_rate: float
    buffer_size: int
    learning_starts: int
    batch_size: int
    tau: float
    gamma: float
    train_freq: int
    gradient_steps: int
    action_noise: Mapping[str, Any] | None
    net_arch: tuple[int, ...]
    activation: str
    policy_delay: int
    target_policy_noise: float
    target_noise_clip: float
    n_critics: int


def _flat_box(space: Any, what: str) -> int:
    import gymnasium as gym

    if not isinstance(space, gym.spaces.Box):
        raise TrialFailure(f"batched TD3/DDPG needs a Box {what} space, got {space}")
    return int(np.prod(space.shape))


class BatchedTD3:
    """K TD3 (or DDPG) learners with stacked parameters.

    Args:
        settings: the shared hyperparameters.
        observation_space, action_space: Gymnasium Box spaces (shared by all seeds).
        init_seeds: per seed, the integer seed of its weights' generator.
        noise_rngs: per seed, the generator of its action noise.
        device: torch device.
    """

    def __init__(
        self,
        settings: Settings,
        observation_space: Any,
        action_space: Any,
        init_seeds: Sequence[int],
        noise_rngs: Sequence[np.random.Generator],
        device: str = "cpu",
    ):
        self.settings = settings
        self.device = torch.device(device)
        self.seeds = len(init_seeds)
        obs_dim = _flat_box(observation_space, "observation")
        self.action_dim = _flat_box(action_space, "action")
        self.low = np.asarray(action_space.low, np.float32).reshape(-1)
        self.high = np.asarray(action_space.high, np.float32).reshape(-1)
        hidden = list(settings.net_arch)
        actors, critics = [], []
        for seed in init_seeds:
            generator = torch.Generator().manual_seed(seed)
            # SB3 builds the actor first, then the critics: same order here
            actors.append(stacked.init_mlp(generator, [obs_dim, *hidden, self.action_dim], device))
            for _ in range(settings.n_critics):
                sizes = [obs_dim + self.action_dim, *hidden, 1]
                critics.append(stacked.init_mlp(generator, sizes, device))
        self.actor = stacked.stack(actors)
        self.critic = stacked.stack(critics)
        self.actor_target = stacked.detached_copy(self.actor)
        self.critic_target = stacked.detached_copy(self.critic)
        lr = settings.learning_rate
        self.actor_optimizer = torch.optim.Adam(stacked.parameters(self.actor), lr=lr)
        self.critic_optimizer = torch.optim.Adam(stacked.parameters(self.critic), lr=lr)
        self.noise = (
            stacked.ActionNoise(settings.action_noise, noise_rngs, self.action_dim)
            if settings.action_noise is not None
            else None
        )
        self.replay = stacked.StackedReplay(
            self.seeds, settings.buffer_size, obs_dim, self.action_dim, self.device
        )
        self.n_updates = 0

    # -- acting -------------------------------------------------------------
    def act(self, obs: np.ndarray) -> np.ndarray:
        """Deterministic actions in [-1, 1]: (K, O) observations -> (K, A) float32."""
        with torch.no_grad():
            x = torch.as_tensor(obs, dtype=torch.float32, device=self.device).unsqueeze(1)
            out = stacked.forward(self.actor, x, self.settings.activation, squash=True)
        return out[:, 0].cpu().numpy()

    def unscale(self, scaled: np.ndarray) -> np.ndarray:
        """SB3's ``unscale_action``: [-1, 1] -> [low, high]."""
        return self.low + 0.5 * (scaled + 1.0) * (self.high - self.low)

    def policy(self, k: int) -> Policy:
        """Seed ``k``'s deterministic policy for evaluation (one observation in,
        an action in env units out, as SB3's ``predict(deterministic=True)``)."""
        layers = [(w[k : k + 1].detach(), b[k : k + 1].detach()) for w, b in self.actor]
        activation = self.settings.activation

        def act(obs: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                x = torch.as_tensor(obs, dtype=torch.float32, device=self.device)
                out = stacked.forward(layers, x.reshape(1, 1, -1), activation, squash=True)
            return self.unscale(out.reshape(-1).cpu().numpy())

        return act

    def nonfinite_seeds(self) -> np.ndarray:
        """(K,) booleans: seeds with a NaN/inf actor or critic parameter."""
        return stacked.nonfinite_slices(self.actor) | stacked.nonfinite_slices(
            self.critic, self.settings.n_critics
        )

    # -- learning -----------------------------------------------------------
    def _critics(
        self, layers: stacked.Layers, obs: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        """All critics of every seed: (K, B, O), (K, B, A) -> (K, C, B, 1)."""
        seeds, batch = obs.shape[0], obs.shape[1]
        copies = self.settings.n_critics
        x = torch.cat([obs, actions], dim=2).unsqueeze(1).expand(-1, copies, -1, -1)
        q = stacked.forward(
            layers, x.reshape(seeds * copies, batch, -1), self.settings.activation, False
        )
        return q.reshape(seeds, copies, batch, 1)

    def gradient_step(
        self, batch: Mapping[str, torch.Tensor], target_noise: torch.Tensor | None
    ) -> None:
        """One iteration of SB3's ``TD3.train`` loop for all K seeds.

        Args:
            batch: ``obs`` (K, B, O), ``actions`` (K, B, A), ``next_obs`` (K, B, O),
                ``rewards`` (K, B, 1), ``dones`` (K, B, 1) (effective dones).
            target_noise: target policy noise before clipping, (K, B, A), or
                None when ``target_policy_noise`` is 0 (DDPG).
        """
        s = self.settings
        self.n_updates += 1
        with torch.no_grad():
            next_actions = stacked.forward(self.actor_target, batch["next_obs"], s.activation, True)
            if target_noise is not None:
                noise = target_noise.clamp(-s.target_noise_clip, s.target_noise_clip)
                next_actions = (next_actions + noise).clamp(-1, 1)
            next_q = self._critics(self.critic_target, batch["next_obs"], next_actions)
            next_q = next_q.min(dim=1).values
            target_q = batch["rewards"] + (1 - batch["dones"]) * s.gamma * next_q
        current_q = self._critics(self.critic, batch["obs"], batch["actions"])
        # Per seed: sum over its critics of the MSE; summed over seeds, whose
        # gradients then stay each seed's own.
        critic_loss = (current_q - target_q.unsqueeze(1)).pow(2).mean(dim=(2, 3)).sum()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
        if self.n_updates % s.policy_delay == 0:
            self._actor_step(batch["obs"])

    def _actor_step(self, obs: torch.Tensor) -> None:
        s = self.settings
        actions = stacked.forward(self.actor, obs, s.activation, True)
        # the first critic of each seed, detached: the actor loss moves only the actor
        first = [
            (w.detach().reshape(self.seeds, s.n_critics, *w.shape[1:])[:, 0], b.detach()
             .reshape(self.seeds, s.n_critics, *b.shape[1:])[:, 0])
            for w, b in self.critic
        ]  # fmt: skip
        q1 = stacked.forward(first, torch.cat([obs, actions], dim=2), s.activation, False)
        actor_loss = -q1.mean(dim=(1, 2)).sum()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        stacked.polyak(
            stacked.parameters(self.critic), stacked.parameters(self.critic_target), s.tau
        )
        stacked.polyak(stacked.parameters(self.actor), stacked.parameters(self.actor_target), s.tau)

    def train(
        self,
        gradient_steps: int,
        replay_rngs: Sequence[np.random.Generator],
        target_rngs: Sequence[np.random.Generator],
    ) -> None:
        """``gradient_steps`` updates, each on a fresh minibatch per seed."""
        s = self.settings
        for _ in range(gradient_steps):
            batch = self.replay.sample(replay_rngs, s.batch_size)
            noise = None
            if s.target_policy_noise > 0:
                shape = (s.batch_size, self.action_dim)
                draws = np.stack(
                    [rng.standard_normal(shape, dtype=np.float32) for rng in target_rngs]
                )
                noise = torch.as_tensor(draws, device=self.device) * s.target_policy_noise
            self.gradient_step(batch, noise)
