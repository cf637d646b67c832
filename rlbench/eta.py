"""How long a run takes on this machine: the env steps it plans and this machine's stepping rate.

A run's time is roughly its env steps (training plus evaluation episodes)
divided by the rate at which one process steps the env, times the workers in
parallel, plus what learning costs on top. `measure_env_rate` times the env
itself with random actions for a fraction of a second, so that ``rlbench run``
can say at start what to expect here instead of a fixed figure measured
elsewhere; the progress bar then refines the estimate from the trials that
finish (`eta_seconds`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from rlbench.trials import Trial

SAMPLE_SECONDS = 0.25  # per env: long enough for a stable rate, short beside any run
SAMPLE_MAX_STEPS = 20_000


def planned_env_steps(trial: Trial) -> tuple[int, int]:
    """``(training, evaluation)`` env steps of a trial; evaluation is an upper bound.

    Evaluation runs ``eval_episodes`` episodes at every step of the eval grid,
    each at most ``horizon`` steps (exact for envs that never end early, e.g. Swimmer).
    """
    return trial.budget_steps, len(trial.eval_steps) * trial.eval_episodes * trial.horizon


def measure_env_rate(trial: Trial, seconds: float = SAMPLE_SECONDS) -> float | None:
    """Env steps per second of ``trial``'s env under random actions, in this process.

    Returns:
        The rate, or None when the env cannot be made here (the trial will say why).
    """
    from rlbench.runner import make_env

    try:
        env = make_env(trial)
    except Exception:  # any failure is the trial's to report, not the estimate's
        return None
    try:
        space = env.action_space
        space.seed(0)
        env.reset(seed=0)
        steps, start = 0, time.perf_counter()
        while steps < SAMPLE_MAX_STEPS and time.perf_counter() - start < seconds:
            _, _, terminated, truncated, _ = env.step(space.sample())
            steps += 1
            if terminated or truncated:
                env.reset()
        elapsed = time.perf_counter() - start
        return steps / elapsed if elapsed > 0 else None
    except Exception:  # as above
        return None
    finally:
        env.close()


def duration_text(seconds: float) -> str:
    """``40 s``, ``2.4 min``, ``1.3 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _steps_text(steps: float) -> str:
    return f"{steps / 1e6:.2f}M" if steps >= 1e5 else f"{steps:,.0f}"


def start_line(todo: Sequence[Trial], rates: Mapping[str, float | None]) -> str:
    """What a run will cost here, said before it starts.

    Args:
        todo: the trials to run.
        rates: ``{gym id: env steps/s of one process}`` (`measure_env_rate`).

    Returns:
        One paragraph: trials, env steps, the measured rates and the time the
        env stepping alone takes in one process.
    """
    training = evaluation = 0
    seconds = 0.0
    known = True
    for trial in todo:
        train, evaluate = planned_env_steps(trial)
        training, evaluation = training + train, evaluation + evaluate
        rate = rates.get(trial.gym_id)
        if rate:
            seconds += (train + evaluate) / rate
        else:
            known = False
    text = (
        f"{len(todo)} trials to run: {_steps_text(training + evaluation)} env steps "
        f"({_steps_text(training)} training + at most {_steps_text(evaluation)} evaluation)."
    )
    measured = [f"{env} {rate:,.0f}" for env, rate in rates.items() if rate]
    if measured:
        text += (
            f" This machine steps {', '.join(measured)} env steps/s in one process (random "
            f"actions), so the env stepping alone takes {'at least ' if not known else ''}"
            f"{duration_text(seconds)} in one worker; divide by the workers running at once, "
            "and learning adds to it. The ETA updates as trials finish."
        )
    return text


def eta_seconds(
    remaining_steps: float,
    finished_steps: float,
    elapsed: float,
    running: int,
    rate: float | None,
) -> float | None:
    """Seconds left: from the finished trials' throughput, else from the measured rate.

    Before a trial finishes, the measured rate of one process times the trials
    running gives the whole run's time, less the time already spent (None once
    spent: the estimate was short, and nothing better is known yet).

    Args:
        remaining_steps: env steps of the trials not finished.
        finished_steps: env steps of the finished trials.
        elapsed: seconds since the run started.
        running: trials running now (the workers in use).
        rate: env steps/s of one process (`measure_env_rate`), or None.

    Returns:
        The estimate, or None before anything is known.
    """
    if finished_steps > 0 and elapsed > 0:
        return remaining_steps / (finished_steps / elapsed)
    if rate:
        left = remaining_steps / (rate * max(running, 1)) - elapsed
        return left if left > 0 else None
    return None


def measure_rates(todo: Sequence[Trial], max_envs: int = 4) -> dict[str, float | None]:
    """`measure_env_rate` of the envs with the most planned steps (at most ``max_envs``)."""
    steps: dict[str, int] = {}
    first: dict[str, Trial] = {}
    for trial in todo:
        steps[trial.gym_id] = steps.get(trial.gym_id, 0) + sum(planned_env_steps(trial))
        first.setdefault(trial.gym_id, trial)
    ordered = sorted(steps, key=lambda env: -steps[env])[:max_envs]
    return {env: measure_env_rate(first[env]) for env in ordered}


def weighted_rate(todo: Sequence[Trial], rates: Mapping[str, float | None]) -> float | None:
    """One process' env steps/s over the whole plan (harmonic, weighted by planned steps)."""
    steps = np.array([sum(planned_env_steps(t)) for t in todo], dtype=np.float64)
    per = np.array([rates.get(t.gym_id) or np.nan for t in todo], dtype=np.float64)
    known = np.isfinite(per)
    if not known.any():
        return None
    return float(steps[known].sum() / (steps[known] / per[known]).sum())
