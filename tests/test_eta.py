"""What a run costs on this machine: planned env steps, the measured rate, the ETA."""

from __future__ import annotations

import dataclasses

import pytest

import rlbench
from rlbench.driver import _Progress
from rlbench.eta import (
    duration_text,
    eta_seconds,
    measure_env_rate,
    planned_env_steps,
    start_line,
    weighted_rate,
)
from rlbench.suite_compiler import expand


@pytest.fixture
def trials():
    suite = rlbench.parse_suite({
        "name": "eta", "envs": ["CartPole-v1"], "agents": [{"card": "random"}],
        "seeds": 2, "budget": {"steps": 1000}, "eval": {"every": 500, "episodes": 2},
    })  # fmt: skip
    return expand(suite).trials


def test_planned_steps_count_training_and_evaluation(trials):
    trial = trials[0]
    # evaluations at 0, 500 and 1000 steps, 2 episodes each of at most the horizon
    assert trial.eval_steps == (0, 500, 1000)
    assert planned_env_steps(trial) == (1000, 3 * 2 * trial.horizon)


def test_start_line_states_steps_rate_and_time(trials):
    horizon = trials[0].horizon
    total = 2 * (1000 + 6 * horizon)
    line = start_line(trials, {"CartPole-v1": float(total)})  # 1 s of stepping
    assert line.startswith(f"2 trials to run: {total:,} env steps (2,000 training + at most ")
    assert "steps CartPole-v1 " + f"{total:,}" + " env steps/s in one process" in line
    assert "takes 1 s in one worker; divide by the workers" in line
    assert "at least" in start_line(trials, {"CartPole-v1": None, "other": 5.0})
    assert "steps/s" not in start_line(trials, {"CartPole-v1": None})


def test_eta_from_finished_trials_else_from_the_measured_rate():
    # 100 steps done in 10 s: 10 steps/s; 50 left -> 5 s, whatever the measured rate
    assert eta_seconds(50, 100, 10.0, running=2, rate=1e6) == pytest.approx(5.0)
    # nothing finished: the measured rate of one process times the workers running,
    # less the time spent (5 s in all, 3 s spent); once spent, unknown rather than 0 s
    assert eta_seconds(1000, 0, 3.0, running=2, rate=100.0) == pytest.approx(2.0)
    assert eta_seconds(1000, 0, 6.0, running=2, rate=100.0) is None
    assert eta_seconds(1000, 0, 3.0, running=0, rate=None) is None
    assert [duration_text(s) for s in (40, 144, 9000)] == ["40 s", "2.4 min", "2.5 h"]


def test_measured_rate_is_positive_and_a_broken_env_gives_none(trials):
    rate = measure_env_rate(trials[0], seconds=0.05)
    assert rate is not None and rate > 100  # CartPole steps far faster than this
    broken = dataclasses.replace(trials[0], gym_id="NoSuchEnv-v0")
    assert measure_env_rate(broken, seconds=0.05) is None
    assert weighted_rate(trials, {"CartPole-v1": 10.0}) == pytest.approx(10.0)
    assert weighted_rate(trials, {}) is None


def test_progress_bar_prints_the_plan_before_the_first_trial(trials, capsys):
    with _Progress(list(trials), enabled=True) as bar:
        assert bar.rate is not None and bar.rate > 0
        bar.started(trials[0])
        bar.finished({"trial_id": trials[0].trial_id, "status": "done", "budget_steps": 1000})
    assert bar.steps == sum(planned_env_steps(trials[0]))
    err = capsys.readouterr().err
    assert "2 trials to run:" in err and "env steps/s in one process" in err
