"""Nominal control: least-squares identification, then the Riccati gain."""

from __future__ import annotations

import numpy as np

from rlbench.algos.nominal import certainty_equivalent_gain
from rlbench.tasks import lqr


def test_exact_data_gives_the_optimal_gain():
    rng = np.random.default_rng(0)
    states = rng.standard_normal((50, 3))
    inputs = rng.standard_normal((50, 3))
    next_states = states @ lqr.A.T + inputs @ lqr.B.T  # noise-free: least squares is exact
    gain = certainty_equivalent_gain(states, inputs, next_states, lqr.Q, lqr.R)
    np.testing.assert_allclose(gain, lqr.optimal_gain(), atol=1e-8)
    assert lqr.relative_cost(gain) < 1e-10


def test_noisy_data_is_close_and_too_little_data_is_zero():
    rng = np.random.default_rng(1)
    states = rng.standard_normal((20_000, 3))
    inputs = rng.standard_normal((20_000, 3))
    next_states = states @ lqr.A.T + inputs @ lqr.B.T + rng.standard_normal((20_000, 3))
    gain = certainty_equivalent_gain(states, inputs, next_states, lqr.Q, lqr.R)
    # iid states of unit scale excite the system weakly: close, not exact
    assert lqr.is_stabilizing(gain) and lqr.relative_cost(gain) < 0.1
    few = certainty_equivalent_gain(states[:5], inputs[:5], next_states[:5], lqr.Q, lqr.R)
    assert np.all(few == 0)  # fewer transitions than unknowns: no fit, the zero gain
