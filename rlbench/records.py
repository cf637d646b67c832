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

SUMMARY_KEYS = ("final_return", "auc", "best_return", "threshold_step", "threshold_episodes")
"""The summary metrics of every record (see `summarize`)."""

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


_RECORD_TYPES: dict[str, tuple[type, ...]] = {
    "trial_id": (str,), "agent": (str,), "card": (str,), "env": (str,), "config_id": (str,),
    "seed": (int,), "hparams": (dict,), "perturbation": (dict,), "budget_steps": (int,),
    "eval_every": (int,), "eval_episodes": (int,), "status": (str,), "curve": (dict,),
    "summary": (dict,), "provenance": (dict,), "started": (int, float), "ended": (int, float),
    "wall_time": (int, float),
}  # fmt: skip
_CURVE_KEYS = ("step", "episodes", "return_mean", "return_std")


def record_problem(record: Any) -> str | None:
    """What keeps a JSON value from being a usable trial record, or None when it is one.

    Checks the fields that ``rlbench.load`` and the driver read (names, types,
    status, summary keys, equal-length curve lists), not the numbers themselves.
    """
    if not isinstance(record, dict):
        return f"not a trial record (a JSON {type(record).__name__}, not an object)"
    missing = [k for k in (*_RECORD_TYPES, "error", "reason", "threshold") if k not in record]
    if missing:
        shown = ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else "")
        return f"not a trial record (no {shown})"
    for key, types in _RECORD_TYPES.items():
        value = record[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return f"not a trial record ({key} is a {type(value).__name__})"
    if record["status"] not in ("done", "failed"):
        return f"not a trial record (status {record['status']!r})"
    if any(k not in record["summary"] for k in SUMMARY_KEYS):
        return "not a trial record (its summary lacks a metric)"
    curve = record["curve"]
    if not all(isinstance(curve.get(k), list) for k in _CURVE_KEYS):
        return "not a trial record (its curve lacks step, episodes or returns)"
    if len({len(curve[k]) for k in _CURVE_KEYS}) != 1:
        return "not a trial record (its curve lists differ in length)"
    return None
