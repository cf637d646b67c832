"""Seed streams of a trial, derived from its integer seed with SeedSequence.

Every source of randomness in a trial draws from its own named child stream of
``SeedSequence(seed)``. A stream is addressed by name, not by position, so
adding a stream never shifts another, and no arithmetic on seeds (``seed + i``)
ever makes two trials share a stream.

Streams:
    env          first reset of the training env (later resets continue its RNG)
    eval         evaluation episodes: one reset seed per episode; depends on the
                 seed only, so every agent with this seed and env is evaluated
                 on the same start states (paired comparisons)
    agent_init   agent initialisation (network weights; SB3's ``seed=``)
    exploration  agent exploration (ARS directions, action noise)
    global       seeds Python's, NumPy's and torch's global RNGs once, where the
                 trial starts, for libraries that draw from them
"""

from __future__ import annotations

import zlib

import numpy as np

from rlbench.protocol import STREAMS


def stream(seed: int, name: str) -> np.random.SeedSequence:
    """The named child stream of a trial seed.

    Args:
        seed: the user-facing trial seed (a non-negative integer).
        name: one of ``rlbench.protocol.STREAMS``.
    """
    if name not in STREAMS:
        raise ValueError(f"unknown seed stream {name!r}; streams are {', '.join(STREAMS)}")
    # the spawn key is a stable function of the name (crc32), not of its position
    return np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(name.encode()),))


def generator(seed: int, name: str) -> np.random.Generator:
    """A fresh PCG64 Generator on a named stream."""
    return np.random.Generator(np.random.PCG64(stream(seed, name)))


def int_seed(seed: int, name: str) -> int:
    """A 31-bit integer seed from a named stream (for APIs that take ints)."""
    return int(stream(seed, name).generate_state(1, np.uint32)[0] >> 1)


def eval_episode_seeds(seed: int, episodes: int) -> list[int]:
    """Reset seeds of the evaluation episodes: the same at every evaluation."""
    state = stream(seed, "eval").generate_state(episodes, np.uint32)
    return [int(s >> 1) for s in state]


def seed_globals(seed: int) -> None:
    """Seed the global RNGs, once, where a trial starts: the only global seeding in rlbench."""
    import random

    value = int_seed(seed, "global")
    random.seed(value)
    np.random.seed(value)  # noqa: NPY002  # the one sanctioned global seeding point
    import sys

    if "torch" in sys.modules:  # never import torch just to seed it
        sys.modules["torch"].manual_seed(value)
