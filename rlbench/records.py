"""TrialRecord: the durable result of one trial, its JSON form and its table row.

The one definition of a record: the runner builds it (`TrialRecord.of_trial`),
the store writes `TrialRecord.to_dict` as JSON and `rlbench.load` reads it back
with `TrialRecord.from_dict` into the trials table (`TrialRecord.row`, columns
from `rlbench.table_schema`). Timing fields are the only ones allowed to differ
between two runs of the same trial on one machine.
"""

from __future__ import annotations

import getpass
import json
import platform
import socket
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlbench.table_schema import CURVE_COLUMNS, TRIAL_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from rlbench.trials import Trial

SCHEMA_VERSION = 1
"""The layout of a record's JSON. A record without ``schema_version`` (every one
written before the key existed) is version 1, read exactly as written."""

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
    """One trial's result; its fields, in order, are the keys of the record JSON."""

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
    phase: str | None = None
    """``tune`` or ``test`` for the trials of ``rlbench tune``; the key is left out
    of the JSON otherwise, so that other records keep their old form."""
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def of_trial(
        cls,
        trial: Trial,
        status: str,
        error: str | None,
        reason: str | None,
        failed_step: int | None,
        curve: Curve,
        started: float,
        ended: float,
        steps_used: int = 0,
    ) -> TrialRecord:
        """The record of ``trial``; a failed trial's summary is empty, its curve kept."""
        done = status == "done"
        return cls(
            trial_id=trial.trial_id,
            agent=trial.agent,
            card=trial.card,
            env=trial.env,
            config_id=trial.config_id,
            seed=trial.seed,
            hparams=dict(trial.hparams),
            perturbation=dict(trial.perturbation),
            budget_steps=trial.budget_steps,
            eval_every=trial.eval_every,
            eval_episodes=trial.eval_episodes,
            threshold=trial.threshold,
            clip_actions=trial.clip_actions,
            steps_used=steps_used,
            status=status,
            error=error,
            reason=reason,
            failed_step=failed_step,
            curve=curve,
            summary=summarize(curve, trial.threshold) if done else summarize(Curve(), None),
            provenance=provenance(),
            started=started,
            ended=ended,
            wall_time=ended - started,
            phase=trial.phase,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record's JSON object (``phase`` only when set)."""
        out = asdict(self)
        if self.phase is None:
            del out["phase"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        """A record read from JSON (checked first with `record_problem`).

        A record without ``schema_version`` is version 1; keys this version does
        not know are ignored, keys it added later take their defaults.
        """
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        curve = data["curve"]
        values["curve"] = Curve(**{k: v for k, v in curve.items() if k in _CURVE_FIELDS})
        values.setdefault("schema_version", 1)
        values.setdefault("failed_step", None)  # not required of a version-1 record
        return cls(**values)

    def row(self) -> dict[str, Any]:
        """The record's row of the trials table: ``TRIAL_COLUMNS`` in order (a test holds
        it to the schema), then one ``hp.<name>`` per hyperparameter (lists and mappings
        as JSON)."""
        summary, perturbation = self.summary, self.perturbation
        row = {
            "trial_id": self.trial_id, "agent": self.agent, "env": self.env,
            "config_id": self.config_id, "seed": self.seed, "status": self.status,
            "error": self.error, "reason": self.reason,
            "final_return": summary["final_return"], "auc": summary["auc"],
            "best_return": summary["best_return"], "threshold_step": summary["threshold_step"],
            "threshold_episodes": summary["threshold_episodes"], "wall_time": self.wall_time,
            "card": self.card, "perturbation": perturbation_label(perturbation),
            "perturb_kind": perturbation.get("kind", "base"),
            "perturb_param": perturbation.get("param"),
            "perturb_factor": perturbation.get("factor"),
            "threshold": self.threshold, "budget_steps": self.budget_steps,
            "started": self.started, "ended": self.ended,
            "provenance": json.dumps(self.provenance, sort_keys=True),
            "phase": self.phase,
        }  # fmt: skip
        for name, value in self.hparams.items():
            row[f"hp.{name}"] = value if not isinstance(value, (list, dict)) else json.dumps(value)
        return row


_CURVE_FIELDS = {f.name for f in fields(Curve)}


def perturbation_label(perturbation: dict[str, Any]) -> str:
    """A short label of a config's perturbation: base, step_sizex0.5, a=1,b=2, random#3."""
    kind = perturbation.get("kind", "base")
    if kind == "one-at-a-time":
        return f"{perturbation['param']}x{perturbation['factor']:g}"
    if kind == "grid":
        return ",".join(f"{k}={v}" for k, v in perturbation.items() if k != "kind")
    if kind == "random":
        return f"random#{perturbation['index']}"
    if kind == "tune":
        return f"tune#{perturbation['number']}"
    return "base"


def trials_frame(records: Iterable[TrialRecord]) -> pd.DataFrame:
    """The trials table of some records: one `TrialRecord.row` each, typed and sorted
    by (agent, env, config_id, seed)."""
    import numpy as np
    import pandas as pd

    rows = [record.row() for record in records]
    if not rows:
        return pd.DataFrame(rows, columns=TRIAL_COLUMNS)
    trials = pd.DataFrame(rows)
    for col in ("final_return", "auc", "best_return", "wall_time", "perturb_factor", "threshold"):
        trials[col] = trials[col].astype(np.float64)
    return ordered_trials(trials)


def ordered_trials(frame: pd.DataFrame) -> pd.DataFrame:
    """A trials table in its one form, from records or from a runs table (`rlbench.tables`):
    counts as nullable integers, ``TRIAL_COLUMNS`` first, rows by (agent, env, config_id, seed)."""
    for col in ("threshold_step", "threshold_episodes"):
        frame[col] = frame[col].astype("Int64")
    columns = TRIAL_COLUMNS + [c for c in frame.columns if c not in TRIAL_COLUMNS]
    frame = frame[columns].sort_values(["agent", "env", "config_id", "seed"], kind="stable")
    return frame.reset_index(drop=True)


def curves_frame(records: Iterable[TrialRecord]) -> pd.DataFrame:
    """The curves table: one row per (trial, evaluation step), ``CURVE_COLUMNS`` then
    one ``metric.<name>`` column per env-card metric (empty where a trial lacks it)."""
    import pandas as pd

    columns: dict[str, list[Any]] = {c: [] for c in CURVE_COLUMNS}
    for record in records:
        curve = record.curve
        n = len(curve.step)
        if not n:
            continue
        for key in ("trial_id", "agent", "env", "config_id", "seed", "status"):
            columns[key].extend([getattr(record, key)] * n)
        for key in ("step", "episodes", "return_mean", "return_std"):
            columns[key].extend(getattr(curve, key))
        for name, values in curve.extra.items():
            column = columns.setdefault(f"metric.{name}", [None] * (len(columns["step"]) - n))
            column.extend(values)
        for column in columns.values():
            if len(column) < len(columns["step"]):  # metrics absent in this trial
                column.extend([None] * (len(columns["step"]) - len(column)))
    return pd.DataFrame(columns)


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
    version = record.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return f"not a trial record (schema_version {version!r})"
    if version > SCHEMA_VERSION:
        return (
            f"a record of a newer rlbench (schema_version {version}; "
            f"this one reads up to {SCHEMA_VERSION})"
        )
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
