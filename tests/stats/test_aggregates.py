"""Point estimates on hand-computable inputs, normalisation and the NaN policy."""

from __future__ import annotations

import numpy as np
import pytest
from rliable import metrics

from rlbench.errors import InputError
from rlbench.stats import (
    iqm,
    mean,
    median,
    normalize_scores,
    optimality_gap,
    task_summaries,
    trimmed_mean,
)

# 4 runs x 2 tasks; by hand:
#   task means 2.5 and 25 -> mean 13.75, median 13.75
#   pooled sorted 1 2 3 4 10 20 30 40, cut int(0.25 * 8) = 2 -> IQM mean(3, 4, 10, 20) = 9.25
#   gamma 3: min(s, 3) = 1 2 3 3 | 3 3 3 3 -> mean 21/8 -> gap 3 - 2.625 = 0.375
HAND = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])


def test_hand_computed_aggregates():
    assert mean(HAND) == 13.75
    assert median(HAND) == 13.75
    assert iqm(HAND) == 9.25
    assert optimality_gap(HAND, gamma=3.0) == 0.375


def test_median_is_of_task_means():
    scores = np.array([[0.0, 1.0, 10.0], [2.0, 3.0, 10.0]])  # task means 1, 2, 10
    assert median(scores) == 2.0


def test_iqm_cut_rounds_down_as_scipy():
    # n = 7: int(0.25 * 7) = 1 cut from each end -> mean(2..6) = 4
    assert trimmed_mean(np.arange(1.0, 8.0)) == 4.0
    assert iqm([np.array([7.0, 1.0, 3.0]), np.array([2.0, 6.0, 5.0, 4.0])]) == 4.0


def test_ragged_weights_tasks_equally_in_mean_and_runs_in_iqm():
    ragged = [np.array([0.0, 2.0]), np.array([10.0, 10.0, 10.0, 10.0])]
    assert mean(ragged) == 5.5  # (1 + 10) / 2, not 42 / 6
    assert optimality_gap(ragged, gamma=1.0) == 1.0 - (0.5 + 1.0) / 2
    # pooled 0 2 10 10 10 10, cut 1 -> mean(2, 10, 10, 10)
    assert iqm(ragged) == 8.0


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (iqm, metrics.aggregate_iqm),
        (mean, metrics.aggregate_mean),
        (median, metrics.aggregate_median),
        (optimality_gap, metrics.aggregate_optimality_gap),
    ],
)
def test_point_estimates_equal_rliable(ours, theirs):
    rng = np.random.default_rng(3)
    for shape in [(5, 1), (10, 3), (7, 8), (33, 5)]:
        scores = rng.normal(0.8, 0.5, size=shape)
        np.testing.assert_allclose(ours(scores), theirs(scores), rtol=1e-13, atol=1e-15)


def test_normalize_matrix_and_dicts():
    scores = np.array([[0.0, 50.0], [100.0, 150.0]])
    out = normalize_scores(scores, [0.0, 50.0], [100.0, 250.0])
    np.testing.assert_array_equal(out, [[0.0, 0.0], [1.0, 0.5]])
    out = normalize_scores(
        [np.array([0.0, 100.0]), np.array([50.0])],
        {"b": 50.0, "a": 0.0},
        {"a": 100.0, "b": 250.0},
        tasks=["a", "b"],
    )
    np.testing.assert_array_equal(out[0], [0.0, 1.0])
    np.testing.assert_array_equal(out[1], [0.0])


def test_normalize_errors_name_the_problem():
    with pytest.raises(InputError, match="pass tasks="):
        normalize_scores(HAND, {"a": 0.0, "b": 0.0}, {"a": 1.0, "b": 1.0})
    with pytest.raises(InputError, match=r"reference_scores has no score for task\(s\) b"):
        normalize_scores(HAND, {"a": 0.0, "b": 0.0}, {"a": 1.0}, tasks=["a", "b"])
    with pytest.raises(InputError, match=r"reference score equals random score for task\(s\) 1"):
        normalize_scores(HAND, [0.0, 1.0], [1.0, 1.0])


def test_nan_raises_with_count_and_positions():
    scores = HAND.copy()
    scores[1, 0] = np.nan
    scores[3, 1] = np.nan
    scores[0, 1] = np.inf
    with pytest.raises(InputError) as error:
        iqm(scores)
    assert str(error.value) == (
        "scores has 3 NaN/inf scores (diverged runs?) at task 0: run 1; task 1: runs 0, 3; "
        "pass nan_policy='omit' to exclude them (the number excluded is reported with the result)"
    )


def test_nan_omit_drops_and_counts():
    scores = HAND.copy()
    scores[0, 0] = np.nan
    assert mean(scores, nan_policy="omit") == (3.0 + 25.0) / 2
    summaries = task_summaries(scores, tasks=["a", "b"], nan_policy="omit")
    assert [s.n_excluded for s in summaries] == [1, 0]
    assert [s.n_runs for s in summaries] == [3, 4]
    assert summaries[0].task == "a" and summaries[0].mean == 3.0


def test_bad_inputs():
    with pytest.raises(InputError, match="nan_policy must be 'raise' or 'omit', got 'drop'"):
        mean(HAND, nan_policy="drop")
    with pytest.raises(InputError, match=r"got an array of shape \(4,\)"):
        mean(np.arange(4.0))
    with pytest.raises(InputError, match="scores has no finite scores for task 1"):
        mean([np.array([1.0]), np.array([np.nan])], nan_policy="omit")


def test_task_summaries_hand():
    (summary,) = task_summaries(np.array([[1.0], [2.0], [3.0], [10.0]]))
    assert (summary.n_runs, summary.mean, summary.median) == (4, 4.0, 2.5)
    assert summary.iqm == 2.5 and (summary.minimum, summary.maximum) == (1.0, 10.0)
    assert summary.std == pytest.approx(np.std([1, 2, 3, 10], ddof=1))
