"""Tiny tuning suites: ARS on the LQR with a few thousand steps per trial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


def tune_suite(**tune: Any) -> dict[str, Any]:
    """A tuning suite mapping; ``tune`` overrides the tune section's fields."""
    section = {
        "agent": "ars-v1",
        "space": {
            "step_size": {"low": 0.002, "high": 0.05, "scale": "log"},
            "noise": {"low": 0.005, "high": 0.05, "scale": "log"},
        },
        "sampler": "tpe",
        "seed": 0,
        "trials": 4,
        "batch": 2,
        "tuning_seeds": 2,
        "test_seeds": 2,
        "retest_top": 2,
        "objective": {"metric": "final_return", "stat": "mean"},
        "reps": 200,
        **tune,
    }
    section = {k: v for k, v in section.items() if v is not None}  # None: drop the key
    return {
        "name": "tiny-tune",
        "envs": ["rlbench/LQR-v0"],
        "agents": [
            {
                "card": "ars",
                "name": "ars-v1",
                "hparams": {
                    "variant": "V1",
                    "step_size": 0.01,
                    "noise": 0.01,
                    "n_directions": 4,
                    "top_directions": 4,
                },
            }
        ],
        "budget": {"steps": 2400},
        "eval": {"every": 1200, "episodes": 1},
        "tune": section,
    }


@pytest.fixture
def write_suite(tmp_path: Path):
    def write(body: dict[str, Any], name: str = "tune.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(body, sort_keys=False))
        return path

    return write
