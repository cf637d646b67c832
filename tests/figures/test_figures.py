"""Every figure kind renders from a synthetic results folder; the Matplotlib objects are checked."""

from __future__ import annotations

import matplotlib.colors as mcolors
import pytest
from matplotlib.collections import LineCollection

import rlbench
from rlbench.analysis_options import AnalysisOptions as Options
from rlbench.errors import InputError, UnknownNameError
from rlbench.figures import PALETTE, save_figure
from rlbench.report.data import KINDS, ReportData

AGENTS = ("alpha", "beta", "gamma")


@pytest.fixture(scope="module")
def report(synthetic_results):
    return ReportData(rlbench.load(synthetic_results), Options(reps=200))


def _line_colors(axis):
    return [mcolors.to_hex(line.get_color()) for line in axis.get_lines()]


def _check_saved(figure, tmp_path, name):
    paths = save_figure(figure, tmp_path / name)
    assert [p.suffix for p in paths] == [".png", ".pdf"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_curves(report, tmp_path):
    figure = report.figure("curves")
    axes = figure.axes
    assert [a.get_title() for a in axes] == ["CartPole-v1", "Pendulum-v1"]
    for axis in axes:
        assert _line_colors(axis) == [c.lower() for c in PALETTE[:3]]  # one mean line per agent
        assert sum(isinstance(c, LineCollection) for c in axis.collections) == 3  # seed lines
        assert axis.get_xlabel() == "env steps"
    assert figure.legends and len(figure.legends[0].get_texts()) == 4  # 3 agents + the CI band
    _check_saved(figure, tmp_path, "curves")


def test_percentiles(report, tmp_path):
    figure = report.figure("percentiles")
    assert len(figure.axes) == 2
    assert all(len(a.get_lines()) == 3 for a in figure.axes)
    assert all(len(a.collections) == 6 for a in figure.axes)  # two bands per agent
    _check_saved(figure, tmp_path, "percentiles")


def test_seeds(report, tmp_path):
    figure = report.figure("seeds")
    strips, ecdfs = figure.axes[:2], figure.axes[2:]  # row-major: strips above ECDFs
    assert len(figure.axes) == 4
    for axis in strips:
        assert [t.get_text() for t in strips[0].get_yticklabels()] == list(AGENTS)
        assert len(axis.collections) == 3  # one point cloud per agent
    assert all(len(a.get_lines()) == 3 for a in ecdfs)
    # Pendulum: alpha has 5 done seeds (1 failed), gamma 5 finite (1 NaN)
    pendulum = strips[1]
    assert sorted(len(c.get_offsets()) for c in pendulum.collections) == [5, 5, 6]
    _check_saved(figure, tmp_path, "seeds")


def test_aggregates(report, tmp_path):
    figure = report.figure("aggregates")
    assert [a.get_title() for a in figure.axes] == ["IQM", "Mean", "Median", "Optimality gap"]
    assert all(len(a.patches) == 3 for a in figure.axes)  # a CI bar per agent
    assert figure.axes[0].get_xlabel() == "normalised final return"
    _check_saved(figure, tmp_path, "aggregates")


def test_profiles(report, tmp_path):
    figure = report.figure("profiles")
    assert len(figure.axes) == 1 and len(figure.axes[0].get_lines()) == 3
    assert _line_colors(figure.axes[0]) == [c.lower() for c in PALETTE[:3]]
    _check_saved(figure, tmp_path, "profiles")


def test_improvement(report, tmp_path):
    figure = report.figure("improvement")
    heatmap = figure.axes[0]
    assert len(heatmap.images) == 1 and len(figure.axes) == 2  # + colour bar
    assert len(heatmap.texts) == 6  # 3 x 3 cells less the diagonal
    assert all("[" in t.get_text() for t in heatmap.texts)  # the CI is in the cell
    _check_saved(figure, tmp_path, "improvement")


def test_seed_split_and_power(report, tmp_path):
    split = report.figure("seed-split")
    assert len(split.axes) == 2
    assert len(split.axes[0].get_lines()) == 4  # 3 agents + the alpha line
    power = report.figure("power")
    assert len(power.axes) == 2
    assert all(a.get_xlabel() == "seeds per agent" for a in power.axes)
    _check_saved(split, tmp_path, "split")
    _check_saved(power, tmp_path, "power")


def test_captions_state_method_resamples_seeds_and_exclusions(report):
    for kind in ("curves", "aggregates", "profiles", "improvement"):
        caption = report.caption(kind)
        assert "200 resamples" in caption, kind
        assert "5-6 seeds (done trials) per agent and env" in caption
        assert "12 trials of perturbed configs left out" in caption
        assert "1 trial failed (alpha/Pendulum-v1: 1): scored as the env's lowest" in caption


def test_one_env_and_unknown_names(synthetic_results):
    results = rlbench.load(synthetic_results)
    figure = ReportData(results, Options(reps=50), env="CartPole-v1").figure("curves")
    assert len(figure.axes) == 1
    with pytest.raises(UnknownNameError, match="did you mean 'CartPole-v1'"):
        ReportData(results, env="CartPole-v2")
    with pytest.raises(UnknownNameError, match="unknown figure kind 'curve'; did you mean"):
        ReportData(results).figure("curve")
    assert "sensitivity" in KINDS


def test_sensitivity_needs_perturbations(tmp_path):
    from tests.figures.synthetic import write_results

    folder = write_results(tmp_path / "plain", agents=("a", "b"), envs=("Pendulum-v1",),
                           seeds=3, perturbed=False)  # fmt: skip
    with pytest.raises(InputError, match="no perturbed configs"):
        ReportData(rlbench.load(folder)).figure("sensitivity")


def test_an_agent_keeps_its_colour_in_the_sensitivity_figures(report):
    """Only beta has perturbed configs: the sensitivity figures draw that subset, and
    beta keeps the colour the report's other figures give it (not the subset's first)."""
    from rlbench.report.data import sensitivity_analysis, sensitivity_figures

    beta = report.colors["beta"]
    assert beta == PALETTE[1]
    curves = report.figure("curves").axes[0]
    assert _line_colors(curves)[AGENTS.index("beta")] == beta.lower()
    sensitivity = report.figure("sensitivity")
    drawn = {
        line.get_label(): mcolors.to_hex(line.get_color())
        for axis in sensitivity.axes
        for line in axis.get_lines()
        if not line.get_label().startswith("_")
    }
    assert drawn == {"beta": beta.lower()}
    result = sensitivity_analysis(report.all_trials, report.options)
    figures = sensitivity_figures(result, colors=report.colors)
    success = figures[1][3]
    try:
        bars = [p for axis in success().axes for p in axis.patches]
    except InputError:  # no env with a threshold: no success rates to colour
        bars = []
    assert all(mcolors.to_hex(bar.get_facecolor()) == beta.lower() for bar in bars)
