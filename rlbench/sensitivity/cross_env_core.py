"""The array core of the cross-environment sensitivity (Adkins, Bowling, White 2024).

Everything here works on ``gamma``, an ``(reps, n_envs, n_configs)`` array of
normalised scores (Γ: the mean over seeds of each run's normalised score) with
NaN where an agent did not run a config on an env, so that the point estimate
(``reps = 1``) and every bootstrap resample go through the same code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

BANK_SIZE = 1024
"""Most resample patterns kept per seed count (see `resampled_gamma`)."""

CHUNK = 64
"""Resamples computed at once; fixed, so that a result never depends on memory."""


@dataclass(frozen=True)
class Estimates:
    """The four statistics of one agent, one value per resample: each ``(reps,)``.

    ``cross_config`` is the index of the cross-env tuned config (-1: none
    shared); ``effective_subset`` indexes `subsets` (-1: ``target`` never reached).
    """

    per_env_tuned: np.ndarray
    cross_env_tuned: np.ndarray
    sensitivity: np.ndarray
    effective_dim: np.ndarray
    cross_config: np.ndarray
    effective_subset: np.ndarray


def subsets(n_params: int) -> list[tuple[int, ...]]:
    """Every subset of ``range(n_params)``, smallest first, then lexicographic."""
    return [
        combo
        for size in range(n_params + 1)
        for combo in itertools.combinations(range(n_params), size)
    ]


@dataclass(frozen=True)
class Groups:
    """For one subset S of hyperparameters: the configs that agree outside S.

    Attributes:
        label: ``(n_configs,)`` each config's group.
        members: ``(n_groups, largest group)`` config indices, padded with ``n_configs``.
        size: ``len(S)``.
    """

    label: np.ndarray
    members: np.ndarray
    size: int


def group_labels(codes: np.ndarray) -> list[Groups]:
    """`Groups` per subset S, in `subsets` order, but for the full set (whose one group is
    every config: per-env tuning).

    Args:
        codes: ``(n_configs, n_params)`` non-negative integer codes of each config's values.
    """
    n_configs, n_params = codes.shape
    out = []
    for subset in subsets(n_params)[:-1]:
        held = [j for j in range(n_params) if j not in subset]
        dims = tuple(int(d) for d in codes[:, held].max(axis=0) + 1)
        flat = np.ravel_multi_index(tuple(codes[:, held].T), dims)
        label = np.unique(flat, return_inverse=True)[1].reshape(-1).astype(np.int64)
        order = np.argsort(label, kind="stable")
        sizes = np.bincount(label)
        rank = np.arange(n_configs) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        members = np.full((len(sizes), int(sizes.max())), n_configs, dtype=np.int64)
        members[label[order], rank] = order
        out.append(Groups(label, members, len(subset)))
    return out


def estimates(gamma: np.ndarray, groups: list[Groups], target: float) -> Estimates:
    """Per-env tuned, cross-env tuned, sensitivity and effective dimension per resample.

    Args:
        gamma: ``(reps, n_envs, n_configs)`` normalised scores, NaN where not run.
        groups: `group_labels` of the configs (empty when no hyperparameter varies).
        target: the fraction of ``per_env_tuned`` that the effective dimension must reach.

    Returns:
        `Estimates`; ``cross_env_tuned``, ``sensitivity`` and ``effective_dim`` are NaN
        in a resample where no config was run on every env.
    """
    reps, n_envs, _ = gamma.shape
    filled = np.where(np.isnan(gamma), -np.inf, gamma)
    per_env = filled.max(axis=2).mean(axis=1)
    mean_over_envs = filled.mean(axis=1)  # -inf for a config missing on some env
    best = mean_over_envs.argmax(axis=1)  # first of ties: the configs' sorted order
    cross = mean_over_envs[np.arange(reps), best]
    shared = np.isfinite(cross)
    cross = np.where(shared, cross, np.nan)
    best = np.where(shared, best, -1)
    dim = np.full(reps, np.nan)
    chosen = np.full(reps, -1)
    chosen_score = np.full(reps, -np.inf)
    bar = target * per_env
    padded = np.concatenate([filled, np.full((reps, n_envs, 1), -np.inf)], axis=2)
    n_params = (len(groups) + 1).bit_length() - 1
    for index, group in enumerate([*groups, None]):
        size = n_params if group is None else group.size
        open_ = shared & (np.isnan(dim) | (dim == size))
        if not open_.any():
            continue
        reached = per_env if group is None else _tuned_within_group(padded, group, best)
        ok = open_ & (reached >= bar)
        improve = ok & (reached > chosen_score)
        chosen = np.where(improve, index, chosen)
        chosen_score = np.where(improve, reached, chosen_score)
        dim = np.where(ok, size, dim)
    return Estimates(per_env, cross, per_env - cross, dim, best, chosen)


def _tuned_within_group(padded: np.ndarray, groups: Groups, best: np.ndarray) -> np.ndarray:
    """Mean over envs of the best score among the configs in the group of ``best``: ``(reps,)``.

    Only the chosen group's members are gathered (``reps x envs x largest group``).
    """
    reps, n_envs, _ = padded.shape
    members = groups.members[groups.label[np.maximum(best, 0)]]  # (reps, largest group)
    picked = padded[np.arange(reps)[:, None, None], np.arange(n_envs)[None, :, None],
                    members[:, None, :]]  # fmt: skip
    return picked.max(axis=2).mean(axis=1)


def bootstrap(
    runs: np.ndarray,
    counts: np.ndarray,
    groups: list[Groups],
    target: float,
    reps: int,
    rng: np.random.Generator,
) -> Estimates:
    """`estimates` on bootstrap resamples, seeds resampled within each (env, config) cell.

    Each resample of a cell is a multinomial draw of its ``m`` runs (``m`` runs
    drawn with replacement), taken from a bank of ``min(reps, BANK_SIZE)``
    patterns drawn once per seed count ``m``: every bank entry is an exact
    multinomial draw, and the bank keeps the work at ``cells x bank`` dot
    products instead of ``cells x reps x m`` gathers. Each cell's runs are
    shuffled once before the bank is applied, so that cells sharing a pattern
    do not share it seed by seed. The normalisation is held at its full-sample
    value.

    Args:
        runs: ``(n_envs, n_configs, max_runs)`` normalised scores, each cell's
            finite runs first, NaN after.
        counts: ``(n_envs, n_configs)`` finite runs per cell (0: not run).
        groups, target: as in `estimates`.
        reps: resamples.
        rng: the generator of every draw.

    Returns:
        `Estimates` with ``reps`` values each.
    """
    n_envs, n_configs, _ = runs.shape
    cells = runs.reshape(n_envs * n_configs, -1)
    flat_counts = counts.reshape(-1)
    bank = min(reps, BANK_SIZE)
    means = np.full((len(cells), bank), np.nan, dtype=np.float32)
    for m in np.unique(flat_counts[flat_counts > 0]):
        which = np.flatnonzero(flat_counts == m)
        values = cells[which, :m]
        shuffle = np.argsort(rng.random(values.shape), axis=1)
        values = np.take_along_axis(values, shuffle, axis=1)
        weights = rng.multinomial(int(m), np.full(int(m), 1.0 / m), size=bank) / m
        means[which] = values @ weights.T
    flat_means = means.reshape(-1)
    # cell-major picks: each cell's draws fall in its own bank row (cache-friendly)
    offsets = (np.arange(len(cells), dtype=np.int64) * bank)[:, None]
    parts = []
    for start in range(0, reps, CHUNK):
        size = min(CHUNK, reps - start)
        picks = rng.integers(0, bank, size=(len(cells), size), dtype=np.int64)
        picks += offsets
        gamma = flat_means[picks].T.reshape(size, n_envs, n_configs).astype(np.float64)
        parts.append(estimates(gamma, groups, target))
    return Estimates(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Estimates.__dataclass_fields__)
    )
