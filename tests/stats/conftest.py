from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def seed_global_numpy():
    """Seeds NumPy's global RNG for rliable, and restores it afterwards.

    rliable's bootstrap draws from ``np.random`` and ignores its ``random_state``
    argument, so the only way to make its CIs reproducible is the global seed.
    """
    state = np.random.get_state()  # noqa: NPY002 - saved to restore rliable's global RNG
    np.random.seed(0)  # noqa: NPY002 - rliable draws from the global RNG only
    yield
    np.random.set_state(state)  # noqa: NPY002 - restores the state saved above
