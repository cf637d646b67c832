"""Nominal control on the LQR: least-squares system identification, then Riccati.

The model-based baseline of Mania, Guy, Recht 2018 §4.3 (after Dean et al.
2017): excite the system with Gaussian inputs ``u ~ N(0, σ_u² I)``, fit
``x' ≈ Â x + B̂ u`` by least squares on every transition seen so far, and act
with the certainty-equivalent optimal gain of (Â, B̂) for the known cost
(Q, R). Only for ``rlbench/LQR-v0`` (it needs the cost matrices).

At each evaluation step the gain is refitted from the data collected up to
then, so the curve shows the baseline's sample efficiency on the same budget
grid as ARS. With too little data, or when the estimated system is not
stabilisable, the gain is zero (reported as not stabilising).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from rlbench.errors import TrialFailure
from rlbench.protocol import TrialContext


class LinearGain:
    """Policy ``u = K x``; exposes ``matrix`` and ``offset`` like ARS's policies."""

    def __init__(self, gain: np.ndarray):
        self.matrix = np.array(gain, dtype=np.float64)
        self.offset = np.zeros(self.matrix.shape[0])

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        return self.matrix @ observation


def certainty_equivalent_gain(
    states: np.ndarray, inputs: np.ndarray, next_states: np.ndarray, q: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Least-squares (Â, B̂), then the DARE gain K = −(R + B̂ᵀPB̂)⁻¹ B̂ᵀPÂ.

    Args:
        states, inputs, next_states: transitions, shapes (T, n), (T, m), (T, n).
        q, r: cost matrices, shapes (n, n), (m, m).

    Returns:
        K, shape (m, n); zeros when T < n + m or the DARE has no solution.
    """
    n, m = states.shape[1], inputs.shape[1]
    if len(states) < n + m:
        return np.zeros((m, n))
    design = np.hstack([states, inputs])
    theta, *_ = np.linalg.lstsq(design, next_states, rcond=None)
    a_hat, b_hat = theta[:n].T, theta[n:].T
    try:
        p = scipy.linalg.solve_discrete_are(a_hat, b_hat, q, r)
    except (np.linalg.LinAlgError, ValueError):
        return np.zeros((m, n))
    return -np.linalg.solve(r + b_hat.T @ p @ b_hat, b_hat.T @ p @ a_hat)


def train(ctx: TrialContext) -> None:
    """Collect excitation data within the budget; refit the gain at each evaluation."""
    from rlbench.tasks import lqr

    if not ctx.env_id.startswith("rlbench/LQR"):
        raise TrialFailure(
            f"nominal control needs the LQR's cost matrices; env {ctx.env_id!r} has none"
        )
    env = ctx.make_env()
    rng = ctx.rng("exploration")
    scale = float(ctx.hparams["input_std"])
    n, m = env.observation_space.shape[0], env.action_space.shape[0]
    budget = ctx.budget_steps
    states = np.empty((budget, n))
    inputs = scale * rng.standard_normal((budget, m))
    next_states = np.empty((budget, n))
    obs, _ = env.reset(seed=ctx.env_seed())
    steps = episodes = 0
    ctx.evaluate_due(0, 0, LinearGain(np.zeros((m, n))))
    while steps < budget:
        states[steps] = obs
        obs, _, terminated, truncated, _ = env.step(inputs[steps])
        next_states[steps] = obs
        steps += 1
        if terminated or truncated:
            episodes += 1
            obs, _ = env.reset()
        due = ctx.next_eval_step
        if due is not None and steps >= due:
            gain = certainty_equivalent_gain(
                states[:steps], inputs[:steps], next_states[:steps], lqr.Q, lqr.R
            )
            ctx.evaluate_due(steps, episodes, LinearGain(gain))
    env.close()
