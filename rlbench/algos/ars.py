"""Augmented Random Search (Mania, Guy, Recht 2018, arXiv:1803.07055), in NumPy.

Variants (Algorithms 1 and 2 of the paper):

* ``BRS``  — basic random search:  M ← M + α/N Σ_k [r(M+νδ_k) − r(M−νδ_k)] δ_k.
* ``V1``   — ARS: the same sum over all N directions scaled by α/(N σ_R).
* ``V1-t`` — ARS keeping the top b directions by max(r+, r−): α/(b σ_R) Σ_{k≤b}.
* ``V2``, ``V2-t`` — V1 / V1-t on observations normalised by the running mean
  and diagonal standard deviation of every state seen during training.

Choices where the paper leaves room (each also in the card's docs):

* **Directions** δ_k ~ N(0, I) are drawn on the learner side, N per iteration
  (one array of shape (N, action_dim, obs_dim)), from the trial's
  ``exploration`` stream, so a result never depends on how rollouts run.
* **top_directions** is used only by the "-t" variants; BRS, V1 and V2 ignore
  it and use b = N.
* **Top-b selection** keeps exactly b directions, sorted by max(r+, r−) in
  descending order with a *stable* sort: ties go to the direction drawn first
  (lower index). (The authors' code keeps every direction at or above a
  percentile, which can keep more than b on ties.)
* **σ_R** is the population standard deviation (``np.std``, ddof=0) of the 2b
  returns used, as in the authors' ``ars.py``. When σ_R is 0 all 2b returns are
  equal, every difference r+ − r− is 0, and the update is skipped (M
  unchanged) rather than computing 0/0.
* **Normalisation (V2)**: mean and *population* variance of all states the
  policy acted on in training rollouts (the reset observation and every
  observation before the last step; evaluation states are never seen),
  accumulated exactly with Chan et al.'s parallel merge of per-rollout
  (count, mean, M2). Iteration j uses the statistics of iterations < j
  (μ_0 = 0, Σ_0 = I), as in Algorithm 2. A component with variance < 1e-8 is
  treated as having infinite variance: its normalised value is 0.
* **shift** (the survival bonus) is subtracted once per env step from training
  returns only; the runner evaluates with the true reward.
* **Actions** are the raw ``M x`` by default (``clip_actions: false``), as in
  the authors' code: Gymnasium's MuJoCo tasks clamp the control in the
  simulator but compute the control cost on the raw action, so clipping changes
  the reward a saturating policy gets. ``clip_actions: true`` clips to the
  action box in training and (through the runner, which applies the same
  declared rule) in evaluation.
* **Counting**: a batch of 2N rollouts always completes, so a trial may use up
  to one batch more than ``budget_steps`` (the record's ``steps_used`` says how
  many). The ``episodes`` reported with an evaluation are the training episodes
  behind the evaluated policy (the batches of its updates, not the batch just
  collected), which is what the authors' code logs and Table 1 counts.
* **Speed**: rollouts run sequentially on the unwrapped env (when the only
  wrappers are Gymnasium's TimeLimit / OrderEnforcing / PassiveEnvChecker) with
  an own step counter that truncates at ``ctx.horizon`` exactly like TimeLimit.
  Normalisation is folded into the policy, a = W x + c with
  W = M diag(1/σ) and c = −W μ, so a step costs one matvec (and a clip
  with ``clip_actions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rlbench.algos.ars_config import ARSConfig
from rlbench.errors import SpecError, TrialDiverged
from rlbench.protocol import TrialContext

MIN_VARIANCE = 1e-8
"""State components with a running variance below this are ignored (set to 0)."""
_HARMLESS_WRAPPERS = frozenset({"TimeLimit", "OrderEnforcing", "PassiveEnvChecker"})


class RunningMeanStd:
    """Exact running mean and diagonal variance of a stream of vectors.

    Batches are merged with Chan, Golub, LeVeque's parallel formula, so any
    split of the same data gives the same statistics up to rounding.

    Args:
        dim: length of the vectors.
    """

    def __init__(self, dim: int):
        self.count = 0
        self.mean = np.zeros(dim)
        self.m2 = np.zeros(dim)

    def update(self, batch: np.ndarray) -> None:
        """Add the rows of ``batch`` (shape (n, dim)); an empty batch is a no-op."""
        n = batch.shape[0]
        if n == 0:
            return
        batch_mean = batch.mean(axis=0)
        centred = batch - batch_mean
        self.merge(n, batch_mean, np.einsum("ij,ij->j", centred, centred))

    def merge(self, count: int, mean: np.ndarray, m2: np.ndarray) -> None:
        """Merge the statistics (count, mean, M2 = Σ (x − mean)²) of another batch."""
        if count == 0:
            return
        total = self.count + count
        delta = mean - self.mean
        self.mean = self.mean + delta * (count / total)
        self.m2 = self.m2 + m2 + delta * delta * (self.count * count / total)
        self.count = total

    @property
    def var(self) -> np.ndarray:
        """Population variance (ddof=0), shape (dim,); ones before any data (Σ_0 = I)."""
        if self.count == 0:
            return np.ones_like(self.mean)
        return self.m2 / self.count

    def inverse_std(self) -> np.ndarray:
        """1/σ per component, with 0 where the variance is below ``MIN_VARIANCE``."""
        var = self.var
        out = np.zeros_like(var)
        keep = var >= MIN_VARIANCE
        out[keep] = 1.0 / np.sqrt(var[keep])
        return out


class LinearPolicy:
    """A frozen deterministic policy a = M ((x − μ) / σ), stored as W x + c, and
    clipped to [low, high] when bounds are given.

    Copies every array it is given, so later training never changes it.

    Args:
        weights: M, shape (action_dim, obs_dim).
        mean: μ, shape (obs_dim,).
        inverse_std: 1/σ, shape (obs_dim,) (0 for ignored components).
        low, high: action bounds, shape (action_dim,); None for no clipping.
    """

    def __init__(
        self,
        weights: np.ndarray,
        mean: np.ndarray,
        inverse_std: np.ndarray,
        low: np.ndarray | None,
        high: np.ndarray | None,
    ):
        self.weights = np.array(weights, dtype=np.float64)
        self.mean = np.array(mean, dtype=np.float64)
        self.inverse_std = np.array(inverse_std, dtype=np.float64)
        self.matrix = self.weights * self.inverse_std
        self.offset = -(self.matrix @ self.mean)
        self.low = low
        self.high = high

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        action = self.matrix.dot(observation)
        action += self.offset
        if self.low is not None and self.high is not None:
            np.maximum(action, self.low, out=action)
            np.minimum(action, self.high, out=action)
        return action


def top_directions(returns: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` directions with the largest max(r+, r−).

    Args:
        returns: shape (N, 2), columns r+ and r−.
        count: b, 1 ≤ b ≤ N.

    Returns:
        shape (b,), best first; ties keep the lower index first (stable sort).
    """
    scores = returns.max(axis=1)
    return np.argsort(-scores, kind="stable")[:count]


def brs_step(deltas: np.ndarray, returns: np.ndarray, step_size: float) -> np.ndarray:
    """BRS update (Algorithm 1): α/N Σ_k (r+_k − r−_k) δ_k.

    Args:
        deltas: shape (N, action_dim, obs_dim).
        returns: shape (N, 2), columns r+ and r−.
        step_size: α.

    Returns:
        The step to add to M, shape (action_dim, obs_dim).
    """
    diffs = returns[:, 0] - returns[:, 1]
    return np.tensordot(diffs, deltas, axes=1) * (step_size / deltas.shape[0])


def ars_step(
    deltas: np.ndarray, returns: np.ndarray, step_size: float, used: int
) -> tuple[np.ndarray | None, float]:
    """ARS update (Algorithm 2): α/(b σ_R) Σ_{k≤b} (r+_(k) − r−_(k)) δ_(k).

    Args:
        deltas: shape (N, action_dim, obs_dim).
        returns: shape (N, 2), columns r+ and r−.
        step_size: α.
        used: b, the number of top directions kept (N for V1 / V2).

    Returns:
        (step, σ_R): the step to add to M, or None when σ_R (population std
        of the 2b returns used) is 0, and σ_R itself.
    """
    keep = top_directions(returns, used)
    kept = returns[keep]
    sigma = float(np.std(kept))
    if not sigma > 0.0:
        return None, sigma
    diffs = kept[:, 0] - kept[:, 1]
    return np.tensordot(diffs, deltas[keep], axes=1) * (step_size / (used * sigma)), sigma


def _fast_env(env: Any) -> Any:
    """The unwrapped env if every wrapper is one whose work we replace, else env."""
    layer = env
    while hasattr(layer, "env"):
        if type(layer).__name__ not in _HARMLESS_WRAPPERS:
            return env
        layer = layer.env
    return layer


def _rollout(
    reset: Callable[..., Any],
    step: Callable[[np.ndarray], Any],
    matrix: np.ndarray,
    offset: np.ndarray | None,
    low: np.ndarray | None,
    high: np.ndarray | None,
    horizon: int,
    states: np.ndarray | None,
) -> tuple[float, int]:
    """One episode of a = W x + c (clipped when low and high are given).

    Returns (sum of rewards, env steps).

    Stops at termination, truncation, or after ``horizon`` steps (as TimeLimit
    would). When ``states`` (shape (horizon, obs_dim)) is given, row t receives
    the observation acted on at step t.
    """
    # Bound methods and ufuncs in locals: this loop is the only per-step cost.
    dot, maximum, minimum = matrix.dot, np.maximum, np.minimum
    observation, _ = reset()
    total = 0.0
    t = 0
    while t < horizon:
        if states is not None:
            states[t] = observation
        action = dot(observation)
        if offset is not None:
            action += offset
        if low is not None and high is not None:
            maximum(action, low, out=action)
            minimum(action, high, out=action)
        observation, reward, terminated, truncated, _ = step(action)
        total += reward
        t += 1
        if terminated or truncated:
            break
    return float(total), t


def train(ctx: TrialContext) -> None:
    """Train a linear policy with ARS on ``ctx``'s env within ``ctx.budget_steps``.

    Follows the evaluation contract of ``rlbench.protocol``: evaluates M_0 at
    step 0, the pre-update policy after every batch of 2N episodes, and the
    final policy once more. Episode counts passed to ``evaluate_due`` count
    each ± rollout as one episode and are those the evaluated policy was
    trained on; step counts are the env steps collected so far.

    Raises:
        SpecError: impossible hyperparameters or a non-Box env.
        TrialDiverged: a non-finite return or policy.
    """
    config = ARSConfig.from_hparams(ctx.hparams)
    horizon = int(ctx.horizon)
    if horizon < 1:
        raise SpecError(f"horizon must be >= 1, got {horizon}")
    env = ctx.make_env()
    try:
        _train(ctx, env, config, horizon)
    finally:
        env.close()


def _spaces(
    ctx: TrialContext, env: Any, config: ARSConfig
) -> tuple[int, int, np.ndarray | None, np.ndarray | None]:
    """(obs_dim, act_dim, low, high): the bounds None unless actions are clipped."""
    obs_space, act_space = env.observation_space, env.action_space
    if not (_is_box(obs_space) and _is_box(act_space)) or len(obs_space.shape) != 1:
        raise SpecError(
            f"ARS needs 1-D Box observation and Box action spaces; {ctx.env_id} has "
            f"{obs_space} and {act_space}"
        )
    obs_dim, act_dim = obs_space.shape[0], int(np.prod(act_space.shape))
    low = np.asarray(act_space.low, dtype=np.float64).reshape(act_dim)
    high = np.asarray(act_space.high, dtype=np.float64).reshape(act_dim)
    if not config.clip_actions or (np.all(np.isneginf(low)) and np.all(np.isposinf(high))):
        return obs_dim, act_dim, None, None
    return obs_dim, act_dim, low, high


def _train(ctx: TrialContext, env: Any, config: ARSConfig, horizon: int) -> None:
    obs_dim, act_dim, low, high = _spaces(ctx, env, config)
    fast = _fast_env(env)
    pending_seed = [ctx.env_seed()]

    def reset() -> Any:
        # The first reset of the training env is seeded, later ones are not.
        if pending_seed:
            return fast.reset(seed=pending_seed.pop())
        return fast.reset()

    step_fn = fast.step

    rng = ctx.rng("exploration")
    n_dirs, used, noise = config.n_directions, config.used_directions, config.noise
    weights = np.zeros((act_dim, obs_dim))
    stats = RunningMeanStd(obs_dim)
    states = np.empty((horizon, obs_dim)) if config.normalises else None
    steps = episodes = 0

    def snapshot() -> LinearPolicy:
        if config.normalises:
            return LinearPolicy(weights, stats.mean, stats.inverse_std(), low, high)
        return LinearPolicy(weights, np.zeros(obs_dim), np.ones(obs_dim), low, high)

    ctx.evaluate_due(0, 0, snapshot())
    while steps < ctx.budget_steps:
        policy = snapshot()  # M_j and the statistics of iterations < j
        trained_on = episodes  # the episodes behind M_j (not this batch's)
        deltas = rng.standard_normal((n_dirs, act_dim, obs_dim))
        returns = np.empty((n_dirs, 2))
        for k in range(n_dirs):
            for side, sign in ((0, 1.0), (1, -1.0)):
                perturbed = weights + (sign * noise) * deltas[k]
                if config.normalises:
                    matrix = perturbed * policy.inverse_std
                    offset: np.ndarray | None = -(matrix @ policy.mean)
                else:
                    matrix, offset = perturbed, None
                total, length = _rollout(reset, step_fn, matrix, offset, low, high, horizon, states)
                if states is not None:
                    stats.update(states[:length])
                returns[k, side] = total - config.shift * length
                steps += length
                episodes += 1
        if not np.all(np.isfinite(returns)):
            raise TrialDiverged(
                steps, f"non-finite training return {returns[~np.isfinite(returns)][0]}"
            )
        ctx.evaluate_due(steps, trained_on, policy)
        if config.variant == "BRS":
            update: np.ndarray | None = brs_step(deltas, returns, config.step_size)
        else:
            update, _ = ars_step(deltas, returns, config.step_size, used)
        if update is not None:
            weights = weights + update
            if not np.all(np.isfinite(weights)):
                raise TrialDiverged(steps, "non-finite policy weights")
    ctx.evaluate_due(steps, episodes, snapshot())


def _is_box(space: Any) -> bool:
    return type(space).__name__ == "Box"
