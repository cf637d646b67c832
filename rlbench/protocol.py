"""The agent protocol: what an agent receives and how it reports progress.

An agent is a factory named by its card's ``entry`` (``package.module:factory``).
The runner calls ``factory(ctx)`` once per trial, in a fresh trial process state,
and the factory trains within ``ctx.budget_steps`` env steps. While training it
calls ``ctx.evaluate_due(steps, episodes, policy)``; the runner evaluates
``policy`` at every grid step that training has reached. The agent never
evaluates itself, so every agent is measured by exactly the same protocol.

Contract of ``evaluate_due`` (why: evaluations must never credit a policy with
data it had not seen at the grid step it is reported at):

* call it once before training with ``steps=0``;
* call it before every policy update with the env steps collected so far, and
  with the policy that collected them (for a per-step learner such as SB3's
  off-policy algorithms: after every env step, before the gradient step);
* call it once more after training stops.

Every grid step ``g <= steps`` not evaluated yet is then evaluated with
``policy`` (one evaluation serves several grid steps passed at once: the policy
is deterministic and the evaluation episodes are fixed). A call with nothing
due costs one integer comparison, so per-step calls are cheap.

What is counted (stored in the curve of the record): ``step`` is the grid
step; ``steps_used`` the env steps collected when it was evaluated (a batch
learner such as ARS finishes the batch that crosses it, so this can exceed the
grid step, and the whole trial ``budget_steps``, by up to one batch); and
``episodes`` the training episodes behind the evaluated policy, as the agent
reports them: a batch learner passes those of the batches its last update
used, not the batch just collected (Mania et al.'s Table 1 counts these), a
per-step learner the episodes completed so far.

How actions reach the env in evaluation is one rule for every agent: clipped to
a Box action space when the trial's card declares it (``clip_actions``), as
returned otherwise; the record's ``clip_actions`` says which.

A trial stops when the agent returns. If grid steps are still pending then, the
trial fails with "agent stopped before the budget" (the agent must use the
whole budget; batch learners may overshoot it by at most one batch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

PROTOCOL_VERSION = 1
"""The version of this protocol and of the runner's evaluation, part of every trial id:
bump it when a change of either changes records, so that old trial ids then rerun."""

Policy = Callable[[np.ndarray], Any]
"""Deterministic policy: one observation in, one action out."""


class TrialContext(Protocol):
    """What the runner hands an agent.

    Attributes:
        hparams: the resolved hyperparameters of this trial's config (names as
            in the agent card; values already type-checked against it).
        env_id: the environment's card name / Gymnasium id.
        budget_steps: training budget in env steps.
        eval_steps: the evaluation grid (env steps), ascending, starting at 0
            and ending at ``budget_steps`` (a lazy sequence: index or iterate
            it rather than copying it).
        seed: the user-facing integer seed of the trial.
        device: torch device requested by the suite ("cpu" by default).
        horizon: episode length cap (env steps) of the env card or suite.
    """

    hparams: Mapping[str, Any]
    env_id: str
    horizon: int
    budget_steps: int
    eval_steps: Sequence[int]
    seed: int
    device: str

    def make_env(self) -> Any:
        """A fresh training env (gymnasium.Env, TimeLimit at the card's
        horizon), not yet reset. Reset it the first time with
        ``seed=ctx.env_seed()``, later without a seed."""
        ...

    def env_seed(self) -> int:
        """Seed for the first reset of the training env (stream ``env``)."""
        ...

    def rng(self, stream: str) -> np.random.Generator:
        """A fresh Generator on the named stream: ``agent_init`` or
        ``exploration``. Calling twice gives two identical generators."""
        ...

    def int_seed(self, stream: str) -> int:
        """A 32-bit integer seed from the named stream, for libraries that take
        an int (SB3's ``seed=``)."""
        ...

    def evaluate_due(self, steps: int, episodes: int, policy: Policy) -> None:
        """Evaluate ``policy`` at every pending grid step ``<= steps``.

        Args:
            steps: env steps collected so far.
            episodes: training episodes ``policy`` was trained on (see above).
            policy: the current deterministic policy.
        """
        ...

    @property
    def next_eval_step(self) -> int | None:
        """The next pending grid step, or None when all are done."""
        ...


AgentFactory = Callable[[TrialContext], None]
"""What a card's ``entry`` points to: train the agent for one trial."""

STREAMS: tuple[str, ...] = ("env", "eval", "agent_init", "exploration", "global")
"""Named seed streams of a trial (see rlbench.seeding)."""
