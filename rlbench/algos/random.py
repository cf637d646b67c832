"""Uniform random actions: a real baseline, and the normalisation reference (score 0)."""

from __future__ import annotations

import copy
from typing import Any

from rlbench.protocol import TrialContext


def train(ctx: TrialContext) -> None:
    """Step the env with uniform random actions until the budget is spent.

    The evaluated policy also acts uniformly at random, drawing from the
    ``agent_init`` stream, so its evaluation is reproducible.
    """
    env = ctx.make_env()
    env.action_space.seed(ctx.int_seed("exploration"))
    eval_space = copy.deepcopy(env.action_space)
    eval_space.seed(ctx.int_seed("agent_init"))

    def policy(obs: Any) -> Any:
        return eval_space.sample()

    ctx.evaluate_due(0, 0, policy)
    env.reset(seed=ctx.env_seed())
    steps = episodes = 0
    while steps < ctx.budget_steps:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps += 1
        if terminated or truncated:
            episodes += 1
            env.reset()
        ctx.evaluate_due(steps, episodes, policy)
    env.close()
