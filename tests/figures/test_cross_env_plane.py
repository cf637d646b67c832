"""The performance-sensitivity plane and its report section, on runs tables."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from rlbench.analysis_options import AnalysisOptions as Options
from rlbench.figures.cross_env import plane_figure
from rlbench.report import build_report
from rlbench.sensitivity.across_envs import across_envs
from tests.sensitivity.test_across_envs import grid_table


def two_agents():
    import pandas as pd

    sensitive = grid_table(lambda i: (1 + i, 0.1 * 2**i), noise=0.5, rng_seed=1)
    robust = grid_table(lambda i: (2, 0.2), noise=0.5, rng_seed=2, agent="b")
    return pd.concat([sensitive, robust], ignore_index=True)


def test_plane_points_and_reference_lines():
    frame = across_envs(two_agents(), reps=200, seed=0)
    figure = plane_figure(frame, reference="b")
    axis = figure.axes[0]
    ref = frame[frame["agent"] == "b"].iloc[0]
    unit = next(line for line in axis.lines if line.get_linestyle() == "--")
    x, y = unit.get_data()
    # the unit line passes through the reference with slope 1
    np.testing.assert_allclose(np.diff(y) / np.diff(x), [1.0])
    np.testing.assert_allclose(y[0] - x[0], ref["per_env_tuned"] - ref["sensitivity"])
    texts = {t.get_text() for t in axis.texts}
    assert {"better, less sensitive", "worse, more sensitive"} <= texts
    plt.close(figure)


def test_report_section_only_with_shared_configs(tmp_path):
    table = tmp_path / "runs.csv"
    two_agents().to_csv(table, index=False)
    index = build_report(table, options=Options(reps=100), formats=("png",))
    assert index.parent == tmp_path / "runs-report"
    html = index.read_text()
    assert "Cross-env sensitivity" in html and (index.parent / "cross_env_plane.png").exists()
    one_env = tmp_path / "one.csv"
    frame = two_agents()
    frame[frame["env"] == "e0"].to_csv(one_env, index=False)
    html = build_report(
        one_env, tmp_path / "one-report", Options(reps=100), formats=("png",)
    ).read_text()
    assert "Cross-env sensitivity" not in html
