"""rlbench's figures: pure functions from stats results / DataFrames to matplotlib Figures.

Inputs come from `rlbench.stats` (curve bands: `rlbench.stats.bands`), arranged
per panel by `rlbench.figures.data`; every
function returns a Figure and writes nothing (save with `save_figure`). The
Agg backend is selected on import: figures are for files and notebooks.

Example (a notebook)::

    import rlbench
    from rlbench.figures import data, plot_curves
    from rlbench.stats.bands import curve_bands
    from rlbench.stats.trial_scores import base_configs
    res = rlbench.load("results/quickstart")
    trials, _ = base_configs(res.trials)
    fig = plot_curves(curve_bands(data.done_curves(res.curves, trials)))
"""

from rlbench.figures import data
from rlbench.figures.aggregates import plot_aggregates, plot_profiles
from rlbench.figures.curves import plot_curves, plot_percentiles
from rlbench.figures.distributions import plot_seeds
from rlbench.figures.significance import (
    improvement_matrix,
    plot_improvement,
    plot_power,
    plot_seed_split,
)
from rlbench.figures.style import PALETTE, agent_colors, save_figure

__all__ = [
    "PALETTE",
    "agent_colors",
    "data",
    "improvement_matrix",
    "plot_aggregates",
    "plot_curves",
    "plot_improvement",
    "plot_percentiles",
    "plot_power",
    "plot_profiles",
    "plot_seed_split",
    "plot_seeds",
    "save_figure",
]
