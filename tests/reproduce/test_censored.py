"""Kaplan-Meier medians of the episodes to a threshold, against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlbench.reproduce.censored import km_median, km_median_interval


def test_no_censoring_is_the_lower_median() -> None:
    # S drops by 1/4 at each time: 0.75, 0.5, 0.25, 0 -> first S <= 0.5 at t = 2
    assert km_median(np.array([4.0, 1.0, 3.0, 2.0]), np.ones(4, bool)) == 2.0


def test_censoring_by_hand() -> None:
    # t=10 event (4 at risk): S = 3/4; t=20 censored; t=30 event (2 at risk): S = 3/8
    times = np.array([10.0, 20.0, 30.0, 40.0])
    reached = np.array([True, False, True, True])
    assert km_median(times, reached) == 30.0
    # dropping the censored run instead would give the median of 10, 30, 40 = 30 with a
    # different curve; counting it as reached at 20 gives 20: the estimator is neither
    assert km_median(times, np.ones(4, bool)) == 20.0


def test_censored_majority_is_not_reached() -> None:
    # the reference data's 20 Swimmer seeds: 6 reached (60 ... 230), 14 censored at 300
    times = np.array([60, 60, 90, 170, 190, 230] + [300] * 14, dtype=float)
    reached = np.array([True] * 6 + [False] * 14)
    assert km_median(times, reached) == math.inf
    # the mean of those that reached (133) is what a survivor-only summary reports
    assert times[reached].mean() == pytest.approx(133.33, abs=0.01)
    assert km_median(times, np.zeros(20, bool)) == math.inf
    assert math.isnan(km_median(np.array([]), np.array([], bool)))


def test_tie_of_event_and_censoring_counts_the_event_first() -> None:
    # events at 5 and 5, censored at 5 and 9: at t=5, 4 at risk, 2 events: S = 1/2
    times = np.array([5.0, 5.0, 5.0, 9.0])
    reached = np.array([True, True, False, False])
    assert km_median(times, reached) == 5.0


def test_interval_with_offset_and_unreached_bounds() -> None:
    times = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    reached = np.array([True, True, True, False, False, False])
    estimate, lower, upper = km_median_interval(times, reached, offset=5.0, reps=500, seed=1)
    assert estimate == km_median(times, reached) - 5.0 == 25.0
    assert lower <= estimate and upper == math.inf  # some resamples have < half reaching
    again = km_median_interval(times, reached, offset=5.0, reps=500, seed=1)
    assert again == (estimate, lower, upper)  # explicit seed: reproducible
    with pytest.raises(ValueError, match="must be equal 1-D"):
        km_median(times, reached[:3])
