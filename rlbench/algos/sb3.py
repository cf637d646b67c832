"""stable-baselines3 agents (DDPG, TD3, SAC, PPO, A2C) behind rlbench's agent protocol.

Card entries: ``rlbench.algos.sb3:ddpg`` (and ``:td3``, ``:sac``, ``:ppo``,
``:a2c``). Each trains one SB3 model on ``ctx.make_env()`` for
``ctx.budget_steps`` env steps with SB3's own hyperparameter names, and reports
to ``ctx.evaluate_due`` from a callback; it never evaluates itself and changes
nothing in SB3's training loop (``tests/algos/test_sb3.py`` checks that a trial
gives exactly the returns of the same configuration run with plain SB3).

Seeding: SB3's ``seed=`` comes from the ``agent_init`` stream. SB3 seeds
Python's, NumPy's and torch's global generators with it (its action noise draws
from ``np.random``); that is acceptable only because one trial runs per process
state (one trial per process at a time). The first reset of the training env
uses ``ctx.env_seed()``, as the protocol asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import stable_baselines3
import torch
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.noise import (
    ActionNoise,
    NormalActionNoise,
    OrnsteinUhlenbeckActionNoise,
)

from rlbench.algos.sb3_spec import ALGOS, check_names
from rlbench.errors import TrialDiverged
from rlbench.protocol import Policy, TrialContext

PARAMETER_CHECK_EVERY_STEPS = 1000
"""How often (env steps) the callback checks the network parameters for NaN/inf,
besides every evaluation. Actions are checked at every step."""

_ACTIVATIONS: dict[str, type[torch.nn.Module]] = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "elu": torch.nn.ELU,
    "leaky_relu": torch.nn.LeakyReLU,
    "gelu": torch.nn.GELU,
    "silu": torch.nn.SiLU,
}


def make_action_noise(spec: Mapping[str, Any] | None, n_actions: int) -> ActionNoise | None:
    """Build SB3's action noise from the card's typed spec.

    Args:
        spec: ``{type: normal | ornstein-uhlenbeck, sigma: float}`` or None.
        n_actions: dimension of the action space.

    Returns:
        The noise with mean 0 and ``sigma`` on every dimension (as
        rl-baselines3-zoo builds it from ``noise_std``), or None.
    """
    if spec is None:
        return None
    mean = np.zeros(n_actions)
    sigma = float(spec["sigma"]) * np.ones(n_actions)
    if spec["type"] == "normal":
        return NormalActionNoise(mean=mean, sigma=sigma)
    return OrnsteinUhlenbeckActionNoise(mean=mean, sigma=sigma)


def sb3_kwargs(algo: str, hparams: Mapping[str, Any], n_actions: int | None) -> dict[str, Any]:
    """Translate flat card hyperparameters into SB3 constructor keyword arguments.

    Dotted names become keys of the nested argument (``policy_kwargs.net_arch``
    → ``policy_kwargs={"net_arch": ...}``); typed values become SB3's Python
    values (action noise object, activation class, SAC's ``ent_coef``). Names
    absent from ``hparams`` are left to SB3's defaults.

    Args:
        algo: ``ddpg``, ``td3``, ``sac``, ``ppo`` or ``a2c``.
        hparams: resolved hyperparameters of the trial (flat names).
        n_actions: action dimension (needed only for ``action_noise``).

    Returns:
        Keyword arguments for the SB3 class of ``algo``.

    Raises:
        UnknownNameError: a name the algorithm does not accept.
    """
    check_names(algo, hparams)
    kwargs: dict[str, Any] = {}
    for name, value in hparams.items():
        if name == "action_noise":
            if value is not None and n_actions is None:
                raise ValueError("action_noise needs a continuous (Box) action space")
            value = make_action_noise(value, n_actions or 0)
        elif name == "policy_kwargs.activation_fn":
            value = _ACTIVATIONS[value]
        elif name == "policy_kwargs.net_arch":
            value = (
                {k: list(v) for k, v in value.items()}
                if isinstance(value, Mapping)
                else list(value)
            )
        elif name == "ent_coef" and algo == "sac" and not str(value).startswith("auto"):
            value = float(value)
        head, _, key = name.partition(".")
        if key:
            kwargs.setdefault(head, {})[key] = value
        else:
            kwargs[name] = value
    return kwargs


def _first_nonfinite_parameter(model: BaseAlgorithm) -> str | None:
    """Name of the first policy parameter holding NaN/inf, or None."""
    with torch.no_grad():
        for name, parameter in model.policy.named_parameters():
            if not bool(torch.isfinite(parameter).all()):
                return name
    return None


class ProtocolCallback(BaseCallback):
    """Reports to ``ctx.evaluate_due`` and stops a diverging run.

    ``_on_step`` runs after every env step and before the gradient step of
    off-policy learners (within a rollout for on-policy ones), so each grid
    step is evaluated with the policy that collected the data up to it. With
    nothing due it costs a few comparisons and one ``isfinite`` over the action.
    """

    def __init__(self, ctx: TrialContext, policy: Policy):
        super().__init__(verbose=0)
        self.ctx = ctx
        self.policy = policy
        self.episodes = 0
        self.next_parameter_check = PARAMETER_CHECK_EVERY_STEPS

    def check_parameters(self) -> None:
        """Raise TrialDiverged when a policy parameter is NaN/inf."""
        bad = _first_nonfinite_parameter(self.model)
        if bad is not None:
            raise TrialDiverged(self.num_timesteps, f"non-finite parameter {bad}")

    def _on_step(self) -> bool:
        actions = self.locals["actions"]
        if not np.isfinite(actions).all():
            raise TrialDiverged(self.num_timesteps, f"non-finite action {actions!r}")
        self.episodes += int(np.sum(self.locals["dones"]))
        steps = self.num_timesteps
        if steps >= self.next_parameter_check:
            self.next_parameter_check = steps + PARAMETER_CHECK_EVERY_STEPS
            self.check_parameters()
        next_eval = self.ctx.next_eval_step
        if next_eval is not None and steps >= next_eval:
            self.check_parameters()
            self.ctx.evaluate_due(steps, self.episodes, self.policy)
        return True


def build_model(algo: str, ctx: TrialContext) -> BaseAlgorithm:
    """Construct the SB3 model of one trial (no training).

    Args:
        algo: ``ddpg``, ``td3``, ``sac``, ``ppo`` or ``a2c``.
        ctx: the trial context.

    Returns:
        The model, its training env seeded for its first reset with
        ``ctx.env_seed()``.
    """
    env = ctx.make_env()
    action_shape = getattr(env.action_space, "shape", None)
    n_actions = int(np.prod(action_shape)) if action_shape else None
    kwargs = sb3_kwargs(algo, ctx.hparams, n_actions)
    sb3_class = getattr(stable_baselines3, ALGOS[algo].sb3_class)
    model: BaseAlgorithm = sb3_class(
        "MlpPolicy",
        env,
        seed=ctx.int_seed("agent_init"),
        device=ctx.device,
        verbose=0,
        **kwargs,
    )
    # SB3 seeded the VecEnv with the agent seed; the protocol wants the env stream.
    vec_env = model.get_env()
    assert vec_env is not None
    vec_env.seed(ctx.env_seed())
    # without a logger of its own, learn() makes an empty /tmp/SB3-<date> folder per trial
    model.set_logger(Logger(folder=None, output_formats=[]))
    return model


def train(algo: str, ctx: TrialContext) -> None:
    """Train one SB3 agent for one trial, reporting on the evaluation grid.

    Args:
        algo: ``ddpg``, ``td3``, ``sac``, ``ppo`` or ``a2c``.
        ctx: the trial context (see ``rlbench.protocol``).

    Raises:
        UnknownNameError: a hyperparameter the algorithm does not accept.
        TrialDiverged: NaN/inf actions or parameters (including a NaN that
            makes SB3's action distribution raise).
    """
    torch.set_num_threads(1)
    model = build_model(algo, ctx)

    def policy(obs: np.ndarray) -> Any:
        return model.predict(obs, deterministic=True)[0]

    callback = ProtocolCallback(ctx, policy)
    ctx.evaluate_due(0, 0, policy)
    try:
        model.learn(total_timesteps=ctx.budget_steps, callback=callback)
    except (ValueError, RuntimeError) as error:
        # A NaN in a stochastic policy makes torch.distributions raise before
        # the action reaches the callback; report it as the divergence it is.
        bad = _first_nonfinite_parameter(model)
        if bad is None:
            raise
        raise TrialDiverged(model.num_timesteps, f"non-finite parameter {bad} ({error})") from error
    callback.check_parameters()
    ctx.evaluate_due(model.num_timesteps, callback.episodes, policy)


def ddpg(ctx: TrialContext) -> None:
    """DDPG (Lillicrap et al. 2016, arXiv:1509.02971) as implemented by SB3."""
    train("ddpg", ctx)


def td3(ctx: TrialContext) -> None:
    """TD3 (Fujimoto et al. 2018, arXiv:1802.09477) as implemented by SB3."""
    train("td3", ctx)


def sac(ctx: TrialContext) -> None:
    """SAC (Haarnoja et al. 2018, arXiv:1812.05905) as implemented by SB3."""
    train("sac", ctx)


def ppo(ctx: TrialContext) -> None:
    """PPO (Schulman et al. 2017, arXiv:1707.06347) as implemented by SB3."""
    train("ppo", ctx)


def a2c(ctx: TrialContext) -> None:
    """A2C (Mnih et al. 2016, arXiv:1602.01783) as implemented by SB3."""
    train("a2c", ctx)
