"""TrialRecord: the durable result of one trial, and its summary metrics.

A record is plain JSON-able data (a dict on disk). Timing fields are the only
ones allowed to differ between two runs of the same trial on one machine.
"""

from __future__ import annotations

import getpass
import platform
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

TIMING_FIELDS = ("started", "ended", "wall_time")
"""Record fields that vary between runs (also ``curve.wall_time``)."""

_VERSIONED = ("rlbench", "numpy", "gymnasium", "mujoco", "stable-baselines3", "torch", "scipy")


@dataclass
class Curve:
    """Evaluation curve on the trial's step grid; lists of equal length."""

    step: list[int] = field(default_factory=list)
    """The grid step (env steps) each evaluation stands for."""
    episodes: list[int] = field(default_factory=list)
    """Training episodes behind the evaluated policy (as the agent reports them:
    for a batch learner, those of its updates, not the batch in progress)."""
    steps_used: list[int] = field(default_factory=list)
    """Env steps the agent had collected when the grid step was evaluated (at or
    above ``step``: a batch learner finishes the batch that crosses it)."""
    return_mean: list[float] = field(default_factory=list)
    return_std: list[float] = field(default_factory=list)
    wall_time: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)
    """Env-card metrics of the evaluated policy (e.g. LQR relative cost), per step."""


@dataclass
class TrialRecord:
    trial_id: str
    agent: str
    card: str
    env: str
    config_id: str
    seed: int
    hparams: dict[str, Any]
    perturbation: dict[str, Any]
    budget_steps: int
    eval_every: int
    eval_episodes: int
    threshold: float | None
    status: str  # "done" | "failed"
    error: str | None
    reason: str | None
    failed_step: int | None
    curve: Curve
    summary: dict[str, Any]
    provenance: dict[str, Any]
    started: float
    ended: float
    wall_time: float
    clip_actions: bool = True
    """Evaluation rule: actions clipped to the action box, or passed as returned
    (the env then clamps what it must)."""
    steps_used: int | None = None
    """Env steps the agent collected in all (may exceed budget_steps by a batch)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(curve: Curve, threshold: float | None) -> dict[str, Any]:
    """Summary metrics of a curve.

    Returns:
        final_return: return at the last evaluation.
        auc: mean return over all evaluations (area under the curve / budget,
            on the uniform step grid).
        best_return: the best evaluation.
        threshold_step / threshold_episodes: the first evaluated step (and the
            training episodes then) at or above the threshold; None when never
            reached (censored) or when the env has no threshold.
    """
    if not curve.return_mean:
        return {
            "final_return": None,
            "auc": None,
            "best_return": None,
            "threshold_step": None,
            "threshold_episodes": None,
        }
    returns = curve.return_mean
    hit = None
    if threshold is not None:
        hit = next((i for i, r in enumerate(returns) if r >= threshold), None)
    return {
        "final_return": returns[-1],
        "auc": sum(returns) / len(returns),
        "best_return": max(returns),
        "threshold_step": curve.step[hit] if hit is not None else None,
        "threshold_episodes": curve.episodes[hit] if hit is not None else None,
    }


@lru_cache(maxsize=1)
def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


@lru_cache(maxsize=1)
def provenance() -> dict[str, Any]:
    """Versions, git commit, host and Python of the process running trials."""
    versions: dict[str, str | None] = {}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = None
    return {
        "versions": versions,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "user": user,
        "git_commit": _git_commit(),
    }


def strip_timing(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record without the fields that vary between runs."""
    out = {k: v for k, v in record.items() if k not in TIMING_FIELDS}
    out["curve"] = {k: v for k, v in record["curve"].items() if k != "wall_time"}
    return out
