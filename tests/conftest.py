from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

# Property tests never fail on time (a loaded machine is slow, not wrong), and
# in CI they draw the same examples every run, so a red CI is a real finding.
settings.register_profile("rlbench", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("rlbench")

FIXTURES = Path(__file__).parent / "fixtures"
CARDS = FIXTURES / "cards"


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (exit codes and stderr as a user sees them)."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rlbench.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
    )


TINY_SUITE = {
    "name": "t",
    "envs": ["Pendulum-v1"],
    "agents": [{"card": "random"}],
    "seeds": 2,
    "budget": {"steps": 400},
    "eval": {"every": 200, "episodes": 2},
}
"""The smallest useful suite: a random agent, 2 seeds, 400 steps on Pendulum."""


@pytest.fixture
def suite_file(tmp_path):
    """Write a suite mapping to a YAML file; tiny random-agent defaults."""

    def write(name: str = "suite.yaml", **fields) -> Path:
        body = {**TINY_SUITE, **fields}
        path = tmp_path / name
        path.write_text(yaml.safe_dump(body, sort_keys=False))
        return path

    return write
