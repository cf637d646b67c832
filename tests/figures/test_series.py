"""What a drawn figure shows: identical series, single x values, ticks, the tables' reader view."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from rlbench.figures.series import figure_facts, separate_identical, series_table, tag
from rlbench.figures.significance import plot_seed_split
from rlbench.figures.style import ticks_at_data
from rlbench.report.tables import aggregates_view, reader_view
from rlbench.stats import SeedSplitResult


def _figure(series: dict[str, tuple[list[float], list[float]]], panels: int = 1):
    figure, axes = plt.subplots(1, panels, squeeze=False)
    for axis in axes.ravel():
        axis.set_title(f"panel{len(figure.axes)}")
        axis.set_xlabel("k")
        for name, (x, y) in series.items():
            tag(axis.plot(x, y)[0], name)
        axis.axhline(0.05)  # a reference line: not a series
    return figure


def test_identical_series_are_found_and_dashed_apart():
    figure = _figure({"a": ([1, 2, 3], [0.1, 0.2, 0.3]), "b": ([1, 2, 3], [0.1, 0.2, 0.3]),
                      "c": ([1, 2, 3], [0.1, 0.2, 0.4]), "d": ([1, 2, 3], [0.1, 0.2, 0.3])},
                     panels=2)  # fmt: skip
    facts = figure_facts(figure)
    assert facts.series == ("a", "b", "c", "d")
    assert facts.identical == (("a", "b", "d"),) and facts.fewest_x == 3
    assert "a = b = d" in facts.identical_text()
    styles = separate_identical(figure, {name: "-" for name in "abcd"})
    assert styles["a"] == styles["c"] == "-"
    # b and d show every third dash, at different slots, over a's solid line
    assert styles["b"] == (6.0, (3.0, 6.0)) and styles["d"] == (3.0, (3.0, 6.0))
    for axis in figure.axes:
        lines = {line.get_gid(): line for line in axis.get_lines() if line.get_gid()}
        assert lines["series:a"].get_linestyle() == "-"
        assert lines["series:b"].get_linestyle() == "--"  # matplotlib's name for any dashes
        assert lines["series:b"].get_zorder() > lines["series:a"].get_zorder()
    plt.close(figure)


def test_nan_equal_series_are_identical_but_a_different_x_grid_is_not():
    nan = float("nan")
    figure = _figure({"a": ([1, 2], [nan, 1.0]), "b": ([1, 2], [nan, 1.0]),
                      "c": ([1, 3], [nan, 1.0])})  # fmt: skip
    assert figure_facts(figure).identical == (("a", "b"),)
    plt.close(figure)


def test_a_panel_with_one_x_value_is_degenerate():
    figure = _figure({"a": ([2], [0.0]), "b": ([2], [0.1])})
    facts = figure_facts(figure)
    assert facts.degenerate and facts.fewest_x == 1 and facts.single_x == ("panel1", "k", 2.0)
    table = series_table(figure)
    assert table.to_dict("records") == [
        {"panel": "panel1", "series": "a", "x": 2.0, "y": 0.0},
        {"panel": "panel1", "series": "b", "x": 2.0, "y": 0.1},
    ]
    plt.close(figure)
    # a figure without tagged series (bars, heatmaps) is never called degenerate
    figure, axis = plt.subplots()
    axis.bar([0], [1.0])
    assert figure_facts(figure).fewest_x is None and not figure_facts(figure).degenerate
    plt.close(figure)


def _splits(sizes):
    results = [SeedSplitResult(group_size=k, n_runs=2 * k + 1, fraction_significant=0.1 * k,
                               n_significant=k, n_splits=10, exhaustive=True, test="welch",
                               alpha=0.05, p_values=(0.5,) * 10, seed=None, n_excluded=0)
               for k in sizes]  # fmt: skip
    return {"E": {"x": results, "y": results}}


def test_seed_split_ticks_are_the_group_sizes_and_one_size_is_degenerate():
    figure = plot_seed_split(_splits([2, 3, 5]))
    axis = figure.axes[0]
    assert list(axis.get_xticks()) == [2, 3, 5]
    facts = figure_facts(figure)
    assert not facts.degenerate and facts.identical == (("x", "y"),)
    plt.close(figure)
    figure = plot_seed_split(_splits([2]))
    assert list(figure.axes[0].get_xticks()) == [2]  # not 1.900 ... 2.100
    assert figure_facts(figure).degenerate
    plt.close(figure)


def test_ticks_at_data_only_when_few():
    figure, axis = plt.subplots()
    axis.plot(range(20), range(20))
    before = list(axis.get_xticks())
    ticks_at_data(axis, range(20), max_ticks=8)
    assert list(axis.get_xticks()) == before  # many values: the locator's coarser ticks
    ticks_at_data(axis, [0, 5000, 10000, float("nan")])
    assert list(axis.get_xticks()) == [0, 5000, 10000]
    plt.close(figure)


def test_reader_view_puts_estimate_and_ci_in_one_cell():
    frame = pd.DataFrame({
        "agent": ["a", "b"], "estimate": [0.654, float("nan")], "ci_lower": [0.371, 1.0],
        "ci_upper": [0.9407, 2.0], "confidence": [0.95, 0.95], "method": ["percentile"] * 2,
        "resamples": [2000, 2000], "seed": [0, 0], "runs": ["5", "4"], "nan_excluded": [0, 1],
    })  # fmt: skip
    view = reader_view(frame)
    assert list(view.columns) == ["agent", "estimate [CI]", "runs", "nan_excluded"]
    assert list(view["estimate [CI]"]) == ["0.654 [0.371, 0.941]", "-"]
    assert list(frame.columns)[1] == "estimate"  # the input (the CSV) keeps every column
    quiet = reader_view(frame.assign(nan_excluded=[0, 0], runs=["5", "5"]))
    assert list(quiet.columns) == ["agent", "estimate [CI]"]


@pytest.mark.parametrize("column", ["mean", "p_x_greater_y"])
def test_reader_view_names_the_merged_column(column):
    frame = pd.DataFrame({column: [0.5], "ci_lower": [0.25], "ci_upper": [0.75]})
    (title,) = reader_view(frame).columns
    assert title.endswith("[CI]") and reader_view(frame).iloc[0, 0] == "0.5 [0.25, 0.75]"


def test_aggregates_view_is_a_row_per_agent_and_a_column_per_statistic():
    frame = pd.DataFrame({
        "panel": ["all"] * 4, "agent": ["b", "b", "a", "a"],
        "statistic": ["iqm", "mean", "iqm", "mean"], "estimate": [1.0, 2.0, 3.0, 4.0],
        "ci_lower": [0.5, 1.5, 2.5, 3.5], "ci_upper": [1.5, 2.5, 3.5, 4.5],
        "method": ["percentile"] * 4,
    })  # fmt: skip
    view = aggregates_view(frame)
    assert view.to_dict("records") == [
        {"agent": "b", "iqm": "1 [0.5, 1.5]", "mean": "2 [1.5, 2.5]"},
        {"agent": "a", "iqm": "3 [2.5, 3.5]", "mean": "4 [3.5, 4.5]"},
    ]
    two_panels = aggregates_view(frame.assign(panel=["E1", "E2", "E1", "E2"]))
    assert list(two_panels.columns) == ["panel", "agent", "iqm", "mean"] and len(two_panels) == 4
