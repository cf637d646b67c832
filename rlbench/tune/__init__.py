"""Hyperparameter tuning that keeps tuning seeds and test seeds apart.

``rlbench tune SUITE`` (or `run_tune`) searches a suite's ``tune:`` space with
Optuna on the tuning seeds, retests the best configurations on disjoint test
seeds, and reports the held-out score beside the in-sample one: their
difference is the optimism of the selection (Eimer, Lindauer, Raileanu 2023,
"Hyperparameters in Reinforcement Learning and How To Tune Them").

Modules, in the order of the data flow: `spec` (the tune section, checked
against the card; the disjoint seeds), `study` (Optuna batches, resumable),
`run` (trials and records through the driver's executors), `scores` (the
objective and the held-out estimates), `results` (``tune.json`` and the
table), `report` (the report's tuning section).
"""

from __future__ import annotations

from typing import Any

__all__ = ["resolve", "run_tune"]


def __getattr__(name: str) -> Any:
    if name == "run_tune":
        from rlbench.tune.run import run_tune

        return run_tune
    if name == "resolve":
        from rlbench.tune.spec import resolve

        return resolve
    raise AttributeError(f"module 'rlbench.tune' has no attribute {name!r}")
