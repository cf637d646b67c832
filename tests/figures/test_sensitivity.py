"""The sensitivity figures on analyses of synthetic trials with planted structure."""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from rlbench.errors import InputError
from rlbench.figures.sensitivity import (
    plot_sensitivity_curves,
    plot_sensitivity_ranking,
    plot_success_rates,
)
from rlbench.figures.style import PALETTE, agent_colors
from rlbench.sensitivity import analyse
from tests.sensitivity.synthetic import fragile_and_sturdy, frame, oat_trials

REFERENCES = ({"E": 0.0}, {"E": 1.0})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result():
    rows = fragile_and_sturdy()
    return analyse(frame(rows), reps=200, references=REFERENCES)


def _line_colours(figure: Figure) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for axis in figure.axes:
        for line in axis.get_lines():
            if not line.get_label().startswith("_"):
                out.setdefault(line.get_label(), set()).add(mcolors.to_hex(line.get_color()))
    return out


def test_every_sensitivity_figure_renders(result):
    for figure in (
        plot_sensitivity_curves(result),
        plot_success_rates(result, env="E"),
        plot_sensitivity_ranking(result),
    ):
        assert isinstance(figure, Figure)
    # every bar carries its count, so a rate of zero (no bar) still reads: "0/8"
    labels = [text.get_text() for text in plot_success_rates(result, env="E").axes[0].texts]
    counts = [f"{c.rate.successes}/{c.rate.trials}" for s in result.success for c in s.configs]
    assert labels == counts and "0/8" in labels


def test_agents_take_the_colours_given(result):
    """With the report's map of a larger folder, "sturdy" keeps its folder colour
    (third of four agents), not the second place it has among the agents drawn."""
    colours = agent_colors(["alpha", "fragile", "sturdy", "zeta"])
    assert colours["sturdy"] == PALETTE[2]
    curves = _line_colours(plot_sensitivity_curves(result, colors=colours))
    assert curves == {"fragile": {PALETTE[1].lower()}, "sturdy": {PALETTE[2].lower()}}
    bars = plot_success_rates(result, "E", colours).axes[0].patches
    assert {mcolors.to_hex(b.get_facecolor()) for b in bars} == {
        PALETTE[1].lower(),
        PALETTE[2].lower(),
    }
    ranking = plot_sensitivity_ranking(result, colours).axes[0]
    drawn = {mcolors.to_hex(line.get_color()) for line in ranking.get_lines()}
    assert drawn == {PALETTE[1].lower(), PALETTE[2].lower()}
    # without a map, the agents drawn are coloured in sorted order, as every figure does
    assert _line_colours(plot_sensitivity_curves(result)) == {
        "fragile": {PALETTE[0].lower()},
        "sturdy": {PALETTE[1].lower()},
    }


def test_nothing_to_draw_raises_a_reason():
    rng = np.random.default_rng(6)
    rows = oat_trials("solo", "E", 1.0, {}, 0.1, 5, rng)
    result = analyse(frame(rows), reps=100, references=REFERENCES)
    # nothing to draw: a reason to write as text, never a picture of that sentence
    with pytest.raises(InputError, match=r"^no sensitivity curves \(no perturbed"):
        plot_sensitivity_curves(result)
    with pytest.raises(InputError, match=r"^no cross-agent ranking \(needs 2\+ agents"):
        plot_sensitivity_ranking(result)
