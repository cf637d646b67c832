"""The trials and curves tables: their columns, score metrics and labels.

Every producer of a runs table (``store.load``, ``tables``, ``importers``) and
every consumer (statistics, sensitivity, figures, the CLI) reads the schema
from here, so a new column or metric is one edit. Pure data: no imports.
"""

from __future__ import annotations

TRIAL_COLUMNS = [
    "trial_id", "agent", "env", "config_id", "seed", "status", "error", "reason",
    "final_return", "auc", "best_return", "threshold_step", "threshold_episodes",
    "wall_time", "card", "perturbation", "perturb_kind", "perturb_param", "perturb_factor",
    "threshold", "budget_steps", "started", "ended", "provenance", "phase",
]  # fmt: skip
"""One row per trial, in this order, then one ``hp.<name>`` column per hyperparameter."""

CURVE_COLUMNS = [
    "trial_id", "agent", "env", "config_id", "seed", "status", "step", "episodes",
    "return_mean", "return_std",
]  # fmt: skip
"""One row per (trial, evaluation step)."""

METRIC_LABELS = {
    "final_return": "final return",
    "auc": "mean return over evaluations",
    "best_return": "best return",
}
"""The score columns an analysis may use, with their axis labels."""

METRICS = tuple(METRIC_LABELS)

STATISTICS = ("iqm", "mean", "median")
"""Statistics over seeds that summarise one config (sensitivity, tables)."""
