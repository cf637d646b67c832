from __future__ import annotations

import matplotlib
import pytest

from tests.figures.synthetic import write_results

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def synthetic_results(tmp_path_factory):
    """A small synthetic results folder: 3 agents x 2 envs x 6 seeds, one failed
    trial, one perturbed config, one diverged (NaN) run."""
    return write_results(tmp_path_factory.mktemp("synthetic") / "results", nan_trials=1)
