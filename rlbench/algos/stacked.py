"""Building blocks of seed-batched learners: stacked MLPs, replay and action noise.

K independent networks are held as stacked tensors: layer ``i`` has weights of
shape ``(S, in_i, out_i)`` and biases ``(S, 1, out_i)``, where ``S`` is the
number of stacked networks (K seeds, or K·C for C critics per seed, seed-major).
A forward pass is one ``torch.baddbmm`` per layer over all networks at once,
which on a CPU removes the per-module overhead that dominates small networks.
Slice ``s`` of every tensor is exactly one network; no operation mixes slices,
so gradients, Adam moments and Polyak averages of one seed never depend on the
others (a loss summed over seeds has per-seed gradients equal to those of each
seed's own loss).

Every seed draws from its own generators (``torch.Generator`` for the weights,
``numpy.random.Generator`` for noise and replay indices), never from a global one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": F.relu,
    "tanh": torch.tanh,
    "elu": F.elu,
    "leaky_relu": F.leaky_relu,
    "gelu": F.gelu,
    "silu": F.silu,
}
"""Functional forms of the activations the SB3 cards name (same defaults as the
``torch.nn`` modules SB3 uses: ELU alpha 1, LeakyReLU slope 0.01, exact GELU)."""

Layers = list[tuple[torch.Tensor, torch.Tensor]]
"""A stacked MLP: ``[(weight (S, in, out), bias (S, 1, out)), ...]``."""


def init_mlp(
    generator: torch.Generator, sizes: Sequence[int], device: str | torch.device
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """One MLP's weights, drawn like ``torch.nn.Linear``'s default initialisation.

    ``nn.Linear.reset_parameters`` draws the weight from kaiming-uniform with
    ``a = sqrt(5)`` and the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)): both
    are U(-1/sqrt(fan_in), 1/sqrt(fan_in)). SB3's TD3 policy keeps that
    default, so this is its distribution, drawn from the seed's own generator.

    Args:
        generator: the seed's weight generator (consumed in layer order).
        sizes: layer widths including input and output, e.g. ``[3, 64, 64, 1]``.
        device: where the tensors live.

    Returns:
        ``[(weight (in, out), bias (1, out)), ...]`` for one network.
    """
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(fan_in)
        weight = torch.empty(fan_out, fan_in).uniform_(-bound, bound, generator=generator)
        bias = torch.empty(fan_out).uniform_(-bound, bound, generator=generator)
        layers.append((weight.t().contiguous().to(device), bias.reshape(1, -1).to(device)))
    return layers


def stack(networks: Sequence[list[tuple[torch.Tensor, torch.Tensor]]]) -> Layers:
    """Stack S single networks (from ``init_mlp``) into one stacked MLP."""
    return [
        (
            torch.stack([net[i][0] for net in networks]).requires_grad_(),
            torch.stack([net[i][1] for net in networks]).requires_grad_(),
        )
        for i in range(len(networks[0]))
    ]


def forward(layers: Layers, x: torch.Tensor, activation: str, squash: bool) -> torch.Tensor:
    """Apply a stacked MLP.

    Args:
        layers: the stacked weights.
        x: inputs, shape ``(S, B, in)``.
        activation: name in ``ACTIVATIONS``, applied after every hidden layer.
        squash: apply tanh to the output (SB3's actor with ``squash_output``).

    Returns:
        Outputs, shape ``(S, B, out)``.
    """
    act = ACTIVATIONS[activation]
    single = x.shape[0] == 1
    if single:
        # torch.bmm of one matrix falls back to mm/gemv, whose rounding differs
        # from the batched kernel's for 1-wide shapes: run one network as two so
        # that a seed alone computes exactly what it computes inside a batch
        x = x.expand(2, -1, -1)
        layers = [(w.expand(2, -1, -1), b.expand(2, -1, -1)) for w, b in layers]
    last = len(layers) - 1
    for i, (weight, bias) in enumerate(layers):
        x = torch.baddbmm(bias, x, weight)
        if i < last:
            x = act(x)
    if single:
        x = x[:1]
    return torch.tanh(x) if squash else x


def parameters(layers: Layers) -> list[torch.Tensor]:
    return [t for layer in layers for t in layer]


def detached_copy(layers: Layers) -> Layers:
    """A target network: a copy with no gradient."""
    return [(w.detach().clone(), b.detach().clone()) for w, b in layers]


def polyak(params: Sequence[torch.Tensor], targets: Sequence[torch.Tensor], tau: float) -> None:
    """``target <- (1 - tau) target + tau param``, with SB3's ``polyak_update`` ops."""
    with torch.no_grad():
        for param, target in zip(params, targets, strict=True):
            target.mul_(1 - tau)
            torch.add(target, param, alpha=tau, out=target)


def nonfinite_slices(layers: Layers, copies: int = 1) -> np.ndarray:
    """Which seeds hold a NaN/inf parameter.

    Args:
        layers: a stacked MLP of ``K * copies`` networks, seed-major.
        copies: networks per seed (critics per seed).

    Returns:
        Booleans, shape ``(K,)``.
    """
    with torch.no_grad():
        bad = None
        for tensor in parameters(layers):
            flags = ~torch.isfinite(tensor).reshape(tensor.shape[0], -1).all(dim=1)
            bad = flags if bad is None else bad | flags
    assert bad is not None
    return bad.reshape(-1, copies).any(dim=1).cpu().numpy()


class StackedReplay:
    """K replay buffers of equal capacity, filled in lockstep (SB3's ReplayBuffer).

    All seeds add one transition per env step, so they share the write position.
    ``dones`` holds SB3's effective done, ``done * (1 - timeout)``: an episode
    cut by the time limit still bootstraps.

    Args:
        seeds: K.
        capacity: transitions per seed (``buffer_size``).
        obs_dim, action_dim: flat sizes.
        device: where the arrays live.
    """

    def __init__(
        self, seeds: int, capacity: int, obs_dim: int, action_dim: int, device: torch.device
    ):
        self.capacity = capacity
        self.pos = 0
        self.full = False
        self.obs = torch.zeros(seeds, capacity, obs_dim, device=device)
        self.next_obs = torch.zeros(seeds, capacity, obs_dim, device=device)
        self.actions = torch.zeros(seeds, capacity, action_dim, device=device)
        self.rewards = torch.zeros(seeds, capacity, 1, device=device)
        self.dones = torch.zeros(seeds, capacity, 1, device=device)
        self._rows = torch.arange(seeds, device=device).reshape(-1, 1)

    def add(
        self,
        obs: np.ndarray,
        next_obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        dones: np.ndarray,
    ) -> None:
        """Store one transition per seed; arrays of shape ``(K, ...)``."""
        device = self.obs.device
        self.obs[:, self.pos] = torch.as_tensor(obs, dtype=torch.float32, device=device)
        self.next_obs[:, self.pos] = torch.as_tensor(next_obs, dtype=torch.float32, device=device)
        self.actions[:, self.pos] = torch.as_tensor(actions, dtype=torch.float32, device=device)
        self.rewards[:, self.pos, 0] = torch.as_tensor(rewards, dtype=torch.float32, device=device)
        self.dones[:, self.pos, 0] = torch.as_tensor(dones, dtype=torch.float32, device=device)
        self.pos += 1
        if self.pos == self.capacity:
            self.full, self.pos = True, 0

    @property
    def size(self) -> int:
        return self.capacity if self.full else self.pos

    def sample(self, rngs: Sequence[np.random.Generator], batch_size: int) -> dict[str, Any]:
        """A minibatch per seed, indices uniform over the filled part (as SB3).

        Returns:
            ``obs``, ``actions``, ``next_obs``, ``rewards``, ``dones``, each of
            shape ``(K, batch_size, dim)``.
        """
        index = np.stack([rng.integers(0, self.size, size=batch_size) for rng in rngs])
        rows, cols = self._rows, torch.as_tensor(index, device=self.obs.device)
        return {
            "obs": self.obs[rows, cols],
            "actions": self.actions[rows, cols],
            "next_obs": self.next_obs[rows, cols],
            "rewards": self.rewards[rows, cols],
            "dones": self.dones[rows, cols],
        }


class ActionNoise:
    """SB3's NormalActionNoise / OrnsteinUhlenbeckActionNoise, one stream per seed.

    Args:
        spec: ``{type: normal | ornstein-uhlenbeck, sigma}`` (the card's typed
            value); the same sigma on every dimension, mean 0.
        rngs: one generator per seed.
        action_dim: action size.
    """

    THETA = 0.15  # SB3's OrnsteinUhlenbeckActionNoise defaults
    DT = 1e-2

    def __init__(
        self, spec: Mapping[str, Any], rngs: Sequence[np.random.Generator], action_dim: int
    ):
        self.kind = spec["type"]
        self.sigma = float(spec["sigma"]) * np.ones(action_dim)
        self.rngs = list(rngs)
        self.prev = np.zeros((len(self.rngs), action_dim))

    def __call__(self) -> np.ndarray:
        """One draw per seed, shape ``(K, action_dim)``, float64 (as SB3)."""
        if self.kind == "normal":
            zeros = np.zeros_like(self.sigma)
            return np.stack([rng.normal(zeros, self.sigma) for rng in self.rngs])
        shocks = np.stack([rng.normal(size=self.sigma.shape) for rng in self.rngs])
        self.prev = (
            self.prev
            + self.THETA * (0.0 - self.prev) * self.DT
            + self.sigma * np.sqrt(self.DT) * shocks
        )
        return self.prev.copy()

    def reset(self, seed_index: int) -> None:
        self.prev[seed_index] = 0.0
