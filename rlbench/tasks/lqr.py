"""The LQR benchmark of Mania, Guy, Recht 2018 (§4.3), after Dean et al. 2017.

Dynamics ``x' = A x + B u + w`` with ``w ~ N(0, I)``, per-step cost
``xᵀQx + uᵀRu`` and reward ``-cost``; the state is observed; the horizon (300)
is set by the registration (``rlbench/LQR-v0``), the env itself never
terminates. The instance::

    A = [[1.01, .01, 0], [.01, 1.01, .01], [0, .01, 1.01]],  B = I3,
    Q = 1e-3 I3,  R = I3.

``A`` is unstable (spectral radius ≈ 1.024), so the zero controller is not
stabilising. The initial state is ``x0 ~ N(0, I3)``, as in the authors'
``lqr_env.py`` (modestyachts/ARS), which draws ``np_random.normal(0, 1, 3)`` on
reset. (The authors' env stops after 302 steps through an off-by-one; here the
TimeLimit of the registration stops after exactly 300.)

Closed-form answers for linear controllers ``u = K x`` (``K``: 3 × 3, the
matrix ``M`` of a linear ARS policy): the optimal gain from the discrete
algebraic Riccati equation, the exact infinite-horizon average cost of any
``K`` from a discrete Lyapunov equation, and the exact expected finite-horizon
return used for score normalisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import scipy.linalg

A = np.array([[1.01, 0.01, 0.0], [0.01, 1.01, 0.01], [0.0, 0.01, 1.01]])
B = np.eye(3)
Q = 1e-3 * np.eye(3)
R = np.eye(3)
NOISE_COV = np.eye(3)
"""Covariance Σ_w of the process noise w."""
HORIZON = 300

for _m in (A, B, Q, R, NOISE_COV):
    _m.setflags(write=False)


class LQREnv(gym.Env[np.ndarray, np.ndarray]):
    """Gymnasium env of the LQR instance above.

    Observation: the state x (float64, shape (3,)). Action: u, an unbounded
    Box of shape (3,). Reward: ``-(xᵀQx + uᵀRu)`` of the state before the
    transition. Never terminates; truncation comes from the TimeLimit of the
    registration (300 steps).
    """

    # gymnasium.Env declares metadata an instance attribute, so no ClassVar
    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(3,), dtype=np.float64)
        self.action_space = gym.spaces.Box(-np.inf, np.inf, shape=(3,), dtype=np.float64)
        self._state = np.zeros(3)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._state = self.np_random.standard_normal(3)
        return self._state.copy(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        x = self._state
        u = np.asarray(action, dtype=np.float64).reshape(3)
        cost = float(x @ Q @ x + u @ R @ u)
        self._state = A @ x + B @ u + self.np_random.standard_normal(3)
        return self._state.copy(), -cost, False, False, {}


def _riccati() -> np.ndarray:
    return np.asarray(scipy.linalg.solve_discrete_are(A, B, Q, R))


def optimal_gain() -> np.ndarray:
    """The optimal linear controller K* (u = K* x) of the infinite-horizon problem.

    Returns:
        K*, shape (3, 3): ``-(R + BᵀPB)⁻¹ BᵀPA`` with P the DARE solution.
    """
    P = _riccati()
    return -np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)


def optimal_average_cost() -> float:
    """J* = trace(P Σ_w): the optimal infinite-horizon average cost per step."""
    return float(np.trace(_riccati() @ NOISE_COV))


def is_stabilizing(K: np.ndarray) -> bool:
    """Whether the closed loop A + B K has spectral radius < 1."""
    K = np.asarray(K, dtype=np.float64).reshape(3, 3)
    if not np.all(np.isfinite(K)):
        return False
    return bool(np.max(np.abs(np.linalg.eigvals(A + B @ K))) < 1.0)


def average_cost(K: np.ndarray) -> float:
    """Exact infinite-horizon average cost per step of ``u = K x``.

    The stationary state covariance Σ solves Σ = (A+BK) Σ (A+BK)ᵀ + Σ_w, and
    J(K) = trace((Q + KᵀRK) Σ).

    Args:
        K: gain, shape (3, 3) (or anything reshapeable to it).

    Returns:
        J(K) per step, or ``inf`` if K does not stabilise the system.
    """
    K = np.asarray(K, dtype=np.float64).reshape(3, 3)
    if not is_stabilizing(K):
        return float("inf")
    closed = A + B @ K
    sigma = scipy.linalg.solve_discrete_lyapunov(closed, NOISE_COV)
    return float(np.trace((Q + K.T @ R @ K) @ sigma))


def affine_average_cost(K: np.ndarray, offset: np.ndarray) -> float:
    """Exact average cost per step of the affine controller ``u = K x + offset``.

    The state mean settles at m = (I − A − BK)⁻¹ B offset, so the cost is
    J(K) + mᵀQm + (Km + offset)ᵀR(Km + offset); inf if K does not stabilise.
    """
    K = np.asarray(K, dtype=np.float64).reshape(3, 3)
    offset = np.asarray(offset, dtype=np.float64).reshape(3)
    cost = average_cost(K)
    if not math.isfinite(cost):
        return cost
    mean = np.linalg.solve(np.eye(3) - A - B @ K, B @ offset)
    control = K @ mean + offset
    return cost + float(mean @ Q @ mean + control @ R @ control)


def policy_relative_cost(policy: Callable[[np.ndarray], Any]) -> float:
    """Relative cost (J − J*)/J* of a deterministic policy, for the env card's metrics.

    The policy is probed at 0 and at the unit vectors to read off an affine
    controller u = K x + c (ARS's linear policies, with or without state
    normalisation, are affine), and checked at one more point.

    Returns:
        The exact relative cost of that affine controller (inf if it does not
        stabilise), or NaN when the policy is not affine (e.g. a neural net).
    """
    offset = np.asarray(policy(np.zeros(3)), dtype=np.float64).reshape(3)
    gain = np.stack(
        [np.asarray(policy(e), dtype=np.float64).reshape(3) - offset for e in np.eye(3)], axis=1
    )
    probe = np.array([0.3, -0.7, 1.1])
    if not np.allclose(
        np.asarray(policy(probe), dtype=np.float64).reshape(3),
        gain @ probe + offset,
        rtol=1e-6,
        atol=1e-9,
    ):
        return math.nan
    j_star = optimal_average_cost()
    return (affine_average_cost(gain, offset) - j_star) / j_star


def relative_cost(K: np.ndarray) -> float:
    """(J(K) − J*) / J*, the measure of Mania et al. Fig. 5; inf if not stabilising."""
    j_star = optimal_average_cost()
    return (average_cost(K) - j_star) / j_star


def expected_return(K: np.ndarray, horizon: int = HORIZON) -> float:
    """Exact expected episode return of ``u = K x`` from x0 ~ N(0, I).

    Propagates the state covariance Σ_{t+1} = (A+BK) Σ_t (A+BK)ᵀ + Σ_w from
    Σ_0 = I and sums −trace((Q + KᵀRK) Σ_t) over t < horizon (the state mean is
    zero throughout). Finite for any K, stabilising or not.
    """
    K = np.asarray(K, dtype=np.float64).reshape(3, 3)
    closed = A + B @ K
    stage = Q + K.T @ R @ K
    sigma = np.eye(3)
    total = 0.0
    for _ in range(horizon):
        total -= float(np.trace(stage @ sigma))
        sigma = closed @ sigma @ closed.T + NOISE_COV
    return total
