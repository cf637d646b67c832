"""Properties of the intervals, checked by hypothesis on small random score sets."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rlbench.stats import (
    aggregate_intervals,
    performance_profile,
    probability_of_improvement,
    sample_interval,
)

REPS = 400
SCORES = st.integers(1, 4).flatmap(
    lambda tasks: st.lists(
        arrays(
            np.float64,
            st.integers(2, 8),
            elements=st.floats(-100, 100, allow_nan=False, allow_subnormal=False),
        ),
        min_size=tasks,
        max_size=tasks,
    )
)
SEEDS = st.integers(0, 2**32 - 1)
FAST = settings(max_examples=40, deadline=None)


@FAST
@given(SCORES, SEEDS)
def test_estimate_inside_interval_for_means(scores, seed):
    # mean and optimality gap are linear: the estimate is the bootstrap mean,
    # so it lies between the 2.5 % and 97.5 % quantiles (up to rounding)
    intervals = aggregate_intervals(scores, ("mean", "optimality_gap"), reps=REPS, seed=seed)
    for interval in intervals.values():
        slack = 1e-9 * (1 + abs(interval.estimate))
        assert interval.lower - slack <= interval.estimate <= interval.upper + slack


@FAST
@given(SCORES, SEEDS)
def test_wider_confidence_gives_wider_interval(scores, seed):
    narrow = aggregate_intervals(scores, reps=REPS, seed=seed, confidence=0.8)
    wide = aggregate_intervals(scores, reps=REPS, seed=seed, confidence=0.99)
    for name, interval in narrow.items():
        assert wide[name].lower <= interval.lower and wide[name].upper >= interval.upper
    narrow_p = probability_of_improvement(
        scores, scores[::-1], reps=REPS, seed=seed, confidence=0.8
    )
    wide_p = probability_of_improvement(scores, scores[::-1], reps=REPS, seed=seed, confidence=0.99)
    assert wide_p.lower <= narrow_p.lower and wide_p.upper >= narrow_p.upper


@FAST
@given(SCORES, SEEDS)
def test_same_seed_same_interval(scores, seed):
    assert aggregate_intervals(scores, reps=REPS, seed=seed) == aggregate_intervals(
        scores, reps=REPS, seed=seed
    )
    taus = [-50.0, 0.0, 50.0]
    assert performance_profile(scores, taus, reps=REPS, seed=seed) == performance_profile(
        scores, taus, reps=REPS, seed=seed
    )


@FAST
@given(SCORES, SEEDS, st.randoms(use_true_random=False))
def test_permuting_runs_within_a_task_changes_nothing(scores, seed, random):
    permuted = [task[random.sample(range(task.size), task.size)] for task in scores]
    assert aggregate_intervals(permuted, reps=REPS, seed=seed) == aggregate_intervals(
        scores, reps=REPS, seed=seed
    )
    assert performance_profile(permuted, [0.0], reps=REPS, seed=seed) == performance_profile(
        scores, [0.0], reps=REPS, seed=seed
    )
    other = scores[::-1]
    assert probability_of_improvement(
        permuted, other, reps=REPS, seed=seed
    ) == probability_of_improvement(scores, other, reps=REPS, seed=seed)
    assert sample_interval(permuted[0], reps=REPS, seed=seed) == sample_interval(
        scores[0], reps=REPS, seed=seed
    )


@FAST
@given(SCORES, SEEDS)
def test_probability_of_improvement_is_symmetric(scores, seed):
    other = [task + 1.0 for task in scores[::-1]]
    forward = probability_of_improvement(scores, other, reps=10, seed=seed).estimate
    backward = probability_of_improvement(other, scores, reps=10, seed=seed).estimate
    assert abs(forward + backward - 1.0) < 1e-12


@FAST
@given(
    arrays(np.float64, st.integers(3, 10), elements=st.floats(-100, 100, allow_subnormal=False)),
    st.data(),
)
def test_failing_a_run_never_helps_an_agent(scores, data):
    """Under the default failed-run policy, turning any of an agent's finished runs into a
    failure never raises its mean, nor its probability of beating an identical twin."""
    import pandas as pd

    from rlbench.stats.trial_scores import score_matrices

    fails = data.draw(st.lists(st.booleans(), min_size=scores.size, max_size=scores.size))
    rows = []
    for agent in ("x", "twin"):
        for seed, score in enumerate(scores):
            failed = agent == "x" and fails[seed]
            value = np.nan if failed else score
            rows.append(
                (agent, "E", agent, seed, "failed" if failed else "done", value, value, value)
            )
    columns = ["agent", "env", "config_id", "seed", "status", "final_return", "auc", "best_return"]
    matrices = score_matrices(pd.DataFrame(rows, columns=columns))
    x, twin = matrices["x"].runs[0], matrices["twin"].runs[0]
    assert x.size == twin.size and matrices["x"].n_failed_scored == (sum(fails),)
    assert x.mean() <= twin.mean() + 1e-9 * (1 + abs(twin.mean()))
    wins = np.mean((x[:, None] > twin[None, :]) + 0.5 * (x[:, None] == twin[None, :]))
    assert wins <= 0.5 + 1e-12
