"""Run one trial: build its context, train the agent, evaluate on the grid.

This is the one place that knows about both an agent and an env. Executors call
``run_trial`` (in a worker process) and get a plain-dict record back; it never
raises for a failure of the trial itself: that becomes a ``failed`` record.
"""

from __future__ import annotations

import functools
import importlib
import math
import sys
import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rlbench import seeding
from rlbench.errors import TrialFailure
from rlbench.protocol import AgentFactory, Policy
from rlbench.records import Curve, TrialRecord
from rlbench.trials import Trial


@functools.cache
def _quiet_mujoco() -> None:
    """Route MuJoCo's C-level warnings to logging instead of fd 2 / MUJOCO_LOG.TXT.

    MuJoCo 4 warns on loading some v5 models ("settotalmass is deprecated");
    harmless, and otherwise written to the user's terminal and into a
    MUJOCO_LOG.TXT in the current folder.
    """
    try:
        import mujoco
    except ImportError:
        return
    import logging

    log = logging.getLogger("rlbench.mujoco")
    mujoco.set_mju_user_warning(lambda message: log.debug("MuJoCo: %s", message))


def make_env(trial: Trial, horizon: int | None = None) -> Any:
    """A Gymnasium env for a trial, capped at the card's horizon."""
    import gymnasium as gym

    _quiet_mujoco()

    if trial.gym_id.startswith("rlbench/"):
        import rlbench.tasks  # noqa: F401  # registers rlbench's own envs
    with warnings.catch_warnings():
        # MuJoCo 4 warns when it loads some v5 models; harmless
        warnings.simplefilter("ignore", DeprecationWarning)
        return gym.make(
            trial.gym_id, max_episode_steps=horizon or trial.horizon, **trial.make_kwargs
        )


def load_entry(entry: str) -> AgentFactory:
    """Import ``package.module:factory``."""
    module, _, attr = entry.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except ImportError as exc:
        raise TrialFailure(f"cannot import agent module {module!r}: {exc}") from None
    except AttributeError:
        raise TrialFailure(f"agent module {module!r} has no {attr!r}") from None
    if not callable(obj):
        raise TrialFailure(f"agent entry {entry!r} is not callable")
    return obj


class Context:
    """The runner's implementation of ``rlbench.protocol.TrialContext``."""

    def __init__(self, trial: Trial):
        self.trial = trial
        self.hparams: Mapping[str, Any] = dict(trial.hparams)
        self.env_id = trial.env
        self.horizon = trial.horizon
        self.budget_steps = trial.budget_steps
        self.eval_steps: Sequence[int] = trial.eval_steps
        self.seed = trial.seed
        self.device = trial.device
        self.curve = Curve()
        self._pending = 0  # index into eval_steps of the next grid step
        self._next: int | None = self.eval_steps[0]
        self._eval_env: Any = None
        self._eval_seeds = seeding.eval_episode_seeds(trial.seed, trial.eval_episodes)
        self._started = time.perf_counter()
        self._metrics: list[tuple[str, Any]] | None = None  # loaded at the first evaluation
        self.steps_used = 0

    # -- what agents use -------------------------------------------------
    def make_env(self) -> Any:
        return make_env(self.trial)

    def env_seed(self) -> int:
        return seeding.int_seed(self.seed, "env")

    def rng(self, stream: str) -> np.random.Generator:
        return seeding.generator(self.seed, stream)

    def int_seed(self, stream: str) -> int:
        return seeding.int_seed(self.seed, stream)

    @property
    def next_eval_step(self) -> int | None:
        return self._next

    def evaluate_due(self, steps: int, episodes: int, policy: Policy) -> None:
        self.steps_used = max(self.steps_used, int(steps))
        if self._next is None or steps < self._next:
            return
        mean, std = self._evaluate(policy)
        if self._metrics is None:
            self._metrics = [(name, load_entry(entry)) for name, entry in self.trial.metrics]
        extra = {name: float(metric(policy)) for name, metric in self._metrics}
        now = time.perf_counter() - self._started
        while self._next is not None and self._next <= steps:
            self.curve.step.append(self._next)
            self.curve.episodes.append(int(episodes))
            self.curve.steps_used.append(int(steps))
            self.curve.return_mean.append(mean)
            self.curve.return_std.append(std)
            self.curve.wall_time.append(now)
            for name, value in extra.items():
                self.curve.extra.setdefault(name, []).append(value)
            self._pending += 1
            self._next = (
                self.eval_steps[self._pending] if self._pending < len(self.eval_steps) else None
            )

    # -- the evaluation protocol -----------------------------------------
    def _evaluate(self, policy: Policy) -> tuple[float, float]:
        """``eval_episodes`` episodes of ``policy`` on the eval env, fixed start seeds.

        One rule for every agent: the action is clipped to a Box action space
        exactly when the trial's card declares it (``Trial.clip_actions``: ARS by
        its ``clip_actions`` hyperparameter, default off as in the paper; SB3
        policies clip by construction, so clipping again changes nothing);
        otherwise it reaches the env as the policy returned it.
        """
        import gymnasium as gym

        if self._eval_env is None:
            self._eval_env = make_env(self.trial)
        env = self._eval_env
        space = env.action_space
        clip = self.trial.clip_actions and isinstance(space, gym.spaces.Box)
        returns = []
        for episode_seed in self._eval_seeds:
            obs, _ = env.reset(seed=episode_seed)
            total, done = 0.0, False
            while not done:
                action = policy(obs)
                if clip:
                    action = np.clip(action, space.low, space.high)
                obs, reward, terminated, truncated, _ = env.step(action)
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        arr = np.asarray(returns, dtype=np.float64)
        return float(arr.mean()), float(arr.std())

    def close(self) -> None:
        if self._eval_env is not None:
            self._eval_env.close()


def _check_finite(curve: Curve) -> int | None:
    for step, value in zip(curve.step, curve.return_mean, strict=True):
        if not math.isfinite(value):
            return step
    return None


def prepare_process(trial: Trial) -> None:
    """What every trial does where it starts: its python path, the global RNGs."""
    for folder in trial.python_path:
        if folder not in sys.path:
            sys.path.append(folder)
    seeding.seed_globals(trial.seed)


def run_trial(trial: Trial) -> dict[str, Any]:
    """Run one trial to a record (as a dict). Never raises for a trial failure."""
    prepare_process(trial)
    started = time.time()
    ctx = Context(trial)
    failure: BaseException | None = None
    try:
        factory = load_entry(trial.entry)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            factory(ctx)
    except Exception as exc:  # a failing trial must become a record, not a dead sweep
        failure = exc
    finally:
        ctx.close()
    return finish_record(trial, ctx, failure, started)


def finish_record(
    trial: Trial, ctx: Context, failure: BaseException | None, started: float
) -> dict[str, Any]:
    """The record of a trial whose agent returned (``failure`` None) or raised.

    Also used by ``rlbench.batching`` for each trial of a seed batch.
    """
    status, error, reason, failed_step = "done", None, None, None
    if failure is None and ctx.next_eval_step is not None:
        failure = TrialFailure(
            f"agent stopped before the budget: evaluated {len(ctx.curve.step)} of "
            f"{len(ctx.eval_steps)} grid steps (next due at step {ctx.next_eval_step})"
        )
    if failure is None:
        bad = _check_finite(ctx.curve)
        if bad is not None:
            status, reason, failed_step = "failed", "diverged", bad
            error = f"diverged at step {bad}: non-finite evaluation return"
    elif isinstance(failure, TrialFailure):
        status, error, reason = "failed", str(failure), failure.reason
        failed_step = getattr(failure, "step", None)
    else:
        status, reason = "failed", "error"
        tb = traceback.extract_tb(failure.__traceback__)
        where = f" (at {tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        error = f"{type(failure).__name__}: {failure}{where}"
    record = TrialRecord.of_trial(
        trial, status, error, reason, failed_step, ctx.curve, started, time.time(), ctx.steps_used
    )
    return record.to_dict()


def timeout_record(trial: Trial, seconds: float) -> dict[str, Any]:
    """The record of a trial stopped by ``--trial-timeout``."""
    return failed_record(trial, f"timed out after {seconds:g} s (--trial-timeout)", "timeout")


def failed_record(trial: Trial, error: str, reason: str) -> dict[str, Any]:
    """A record for a trial whose worker died or timed out (written by the driver)."""
    now = time.time()
    return TrialRecord.of_trial(trial, "failed", error, reason, None, Curve(), now, now).to_dict()
