"""What a results folder is, which files in it count, and where rlbench refuses to write.

A results folder names itself in ``manifest.json`` (``"format": "rlbench-results"``,
``"format_version"``) and lists the trial ids of its suite (``"trials"``) and its
study (`rlbench.study`). Folders written before the marker existed (a manifest
with a ``runs`` list, a ``records/`` folder) are read as *legacy* folders and
get the marker at their next run.

- ``run`` writes only into a new or empty folder or a results folder; it refuses
  a folder that holds anything else, a file, a read-only place, and a suite that
  changes the folder's study (unless told to supersede the changed records).
- A record counts when its file is ``records/<trial id>.json``, it parses, holds
  that trial id, and the trial is one of the folder's suite. Everything else is
  named in a warning and ignored; ``run`` moves it into ``quarantine/``.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlbench.errors import FolderWarning, InputError
from rlbench.records import record_problem
from rlbench.study import (
    Change,
    Study,
    describe_changes,
    merge_studies,
    study_changes,
    study_of,
    study_of_records,
)

if TYPE_CHECKING:
    from rlbench.store import Store
    from rlbench.trials import Plan

FORMAT = "rlbench-results"
FORMAT_VERSION = 1
QUARANTINE = "quarantine"
"""Where ``run`` moves record files that cannot count (never deleted)."""
SUPERSEDED = "superseded"
"""Where ``run --allow-changed-suite`` moves the records of the settings it changed."""
_OWN = {".lock"}  # left by a run killed before it wrote anything else
_WARN_AT_MOST = 10


def _manifest(root: Path) -> Any:
    """The parsed manifest, or None when absent or unreadable."""
    try:
        return json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def is_legacy_manifest(manifest: Any) -> bool:
    """A manifest written before the format marker: ``{"runs": [{"command", "started", ...}]}``."""
    return (
        isinstance(manifest, dict)
        and "format" not in manifest
        and isinstance(manifest.get("runs"), list)
        and all(isinstance(r, dict) and "command" in r and "started" in r for r in manifest["runs"])
    )


def folder_kind(root: Path) -> str:
    """``absent``, ``empty``, ``results`` or ``legacy``.

    Raises:
        InputError: ``root`` is a file, a results folder of a newer format, or a
            non-empty folder that rlbench did not write.
    """
    if not root.exists() and not root.is_symlink():
        return "absent"
    if not root.is_dir():
        raise InputError(f"{root}: is a file, not a results folder; pass --out a folder")
    try:
        names = sorted(os.listdir(root))
    except OSError as exc:
        raise InputError(f"{root}: cannot read the folder ({exc.strerror})") from None
    if not set(names) - _OWN:
        return "empty"
    manifest = _manifest(root)
    if isinstance(manifest, dict) and manifest.get("format") == FORMAT:
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InputError(
                f"{root}: a results folder of format version {version!r}, newer than this "
                f"rlbench reads ({FORMAT_VERSION}); upgrade rlbench"
            )
        return "results"
    if is_legacy_manifest(manifest):
        return "legacy"
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    if manifest is not None:
        why = "its manifest.json is not rlbench's"
    elif (root / "manifest.json").exists():
        why = "its manifest.json is unreadable or not JSON"
    else:
        why = "no manifest.json"
    raise InputError(
        f"{root}: not an rlbench results folder ({why}; it holds {shown}); rlbench writes "
        "only into a new or empty folder or its own results folder: pass --out another folder"
    )


def check_target(root: Path) -> str:
    """Refuse a results folder ``run`` must not write into, before anything is written.

    Returns:
        The folder's kind (see `folder_kind`).

    Raises:
        InputError: a file, a foreign folder, or a place that is not writable.
    """
    kind = folder_kind(root)
    if kind == "absent":
        parent = root.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(f"{root}: cannot create it: {parent} is a file, not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(
                f"{root}: cannot create it: {parent} is read-only; pass --out a writable place"
            )
        return kind
    for sub in ("", "records", "logs", QUARANTINE, SUPERSEDED):
        path = root / sub if sub else root
        if path.exists() and not (path.is_dir() and os.access(path, os.W_OK | os.X_OK)):
            what = "is not a folder" if not path.is_dir() else "is read-only"
            raise InputError(
                f"{path}: {what}; rlbench cannot store results there (fix it, or pass --out "
                "another folder)"
            )
    return kind


def ensure_dir(path: Path, what: str = "output folder") -> Path:
    """Create ``path`` (and parents) or say in one line why it cannot be.

    Raises:
        InputError: ``path`` (or a parent) is a file, or the place is read-only.
    """
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: a file is in the way of the {what}; move it or pass --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the {what} ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"{path}: the {what} is read-only; pass --out a writable place")
    return path


@dataclass
class Scan:
    """The record files of a folder, sorted out.

    Attributes:
        records: trial id -> record, for files that hold a valid record under its own id.
        problems: (file, reason) of every other ``records/*.json``.
    """

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)


def scan_records(root: Path) -> Scan:
    """Read every ``records/*.json``; never raises on a bad file."""
    scan = Scan()
    records_dir = root / "records"
    if not records_dir.is_dir():
        return scan
    for entry in sorted(os.scandir(records_dir), key=lambda e: e.name):
        if not entry.name.endswith(".json") or entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            record = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            scan.problems.append((path, f"unreadable or not JSON (truncated?): {exc}"))
            continue
        problem = record_problem(record)
        if problem is None and record["trial_id"] != path.stem:
            problem = f"holds trial {record['trial_id']}, not {path.stem} (a copy?)"
        if problem is not None:
            scan.problems.append((path, problem))
        else:
            scan.records[path.stem] = record
    return scan


def _legacy_members(root: Path, scan: Scan) -> set[str]:
    """Ids of a legacy folder's records that fit its suite.yaml's agents, envs and seeds."""
    from rlbench.spec import load_suite

    try:
        suite = load_suite(str(root / "suite.yaml"))
    except (InputError, OSError):
        return set(scan.records)  # no readable suite: every well-formed record counts
    agents = {suite.agent_label(i) for i in range(len(suite.agents))}
    envs = {e.id for e in suite.env_entries()}
    seeds = set(suite.seed_list())
    return {
        tid
        for tid, r in scan.records.items()
        if r["agent"] in agents and r["env"] in envs and r["seed"] in seeds
    }


def folder_trials(root: Path, scan: Scan, manifest: Any) -> set[str]:
    """The trial ids of the folder's suite (its manifest's list; for legacy folders, the
    records that fit its suite.yaml)."""
    listed = manifest.get("trials") if isinstance(manifest, dict) else None
    if isinstance(manifest, dict) and manifest.get("format") == FORMAT and isinstance(listed, list):
        return {t for t in listed if isinstance(t, str)}
    return _legacy_members(root, scan)


def load_records(root: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The records that count, and a line for each file that was ignored (also warned)."""
    scan = scan_records(root)
    members = folder_trials(root, scan, _manifest(root))
    ignored = [f"{path}: {why}; ignored" for path, why in scan.problems]
    for tid in sorted(set(scan.records) - members):
        ignored.append(
            f"{root / 'records' / f'{tid}.json'}: not a trial of this folder's suite "
            "(copied from another study?); ignored"
        )
        del scan.records[tid]
    warn_lines(ignored, f"{root}: {{n}} more record files ignored")
    return scan.records, ignored


def warn_lines(lines: list[str], more: str) -> None:
    """One `FolderWarning` per line, the first few; then how many more."""
    for line in lines[:_WARN_AT_MOST]:
        warnings.warn(line, FolderWarning, stacklevel=3)
    if len(lines) > _WARN_AT_MOST:
        warnings.warn(more.format(n=len(lines) - _WARN_AT_MOST), FolderWarning, stacklevel=3)


@dataclass
class RunStart:
    """What `open_for_run` found, for `record_run` to write.

    Attributes:
        stored: trial id -> (status, error) of the records that count for this run.
        trials: the folder's trial ids after this run (kept ones and the plan's).
        study: the folder's study after this run.
        replace_suite: whether this run's suite covers every trial of the folder.
        moved: (file, moved to, reason) of every file set aside.
    """

    stored: dict[str, tuple[str, str | None]]
    trials: set[str]
    study: Study
    replace_suite: bool
    moved: list[dict[str, str]]


def _refusal(root: Path, changes: list[Change], n_affected: int) -> InputError:
    return InputError(
        f"{root}: this suite changes the study the folder holds ({describe_changes(changes)}); "
        "its records would be pooled with the old ones. Pass --out another folder, or "
        f"--allow-changed-suite to move the {n_affected} records of the old settings into "
        f"{root / SUPERSEDED} and follow the new suite"
    )


def assess_folder(
    root: Path, plan: Plan, allow_changed_suite: bool = False
) -> tuple[RunStart, list[tuple[Path, str, str]]]:
    """What a run of ``plan`` would find in ``root``, reading only.

    Returns:
        The RunStart (``moved`` empty) and the files to set aside as (file,
        folder, reason).

    Raises:
        InputError: the folder is not one to write into, or the suite changes its study
            and ``allow_changed_suite`` is false.
    """
    kind = check_target(root)
    manifest = _manifest(root) if kind in ("results", "legacy") else {}
    scan = scan_records(root)
    members = folder_trials(root, scan, manifest)
    if kind == "results":
        old_study = manifest.get("study")
    else:
        old_study = study_of_records(r for t, r in scan.records.items() if t in members)
    new_study = study_of(plan)
    changes = study_changes(old_study, new_study)
    affected = {
        tid
        for tid in members & scan.records.keys()
        if any(c.affects(scan.records[tid]["agent"], scan.records[tid]["env"]) for c in changes)
    }
    if changes and not allow_changed_suite:
        raise _refusal(root, changes, len(affected))
    if changes:  # the new suite defines the folder now; pending ids of the old one go
        members = (members & scan.records.keys()) - affected
    planned = {t.trial_id for t in plan.trials}
    keep = members | planned
    aside = [(path, QUARANTINE, why) for path, why in scan.problems]
    # an affected record may keep its id (a changed threshold): it is rerun all the same
    for tid in sorted((scan.records.keys() - keep) | affected):
        path = root / "records" / f"{tid}.json"
        if tid in affected:
            aside.append((path, SUPERSEDED, "made under the old settings"))
        else:
            aside.append((path, QUARANTINE, "not a trial of this folder's suite"))
    stored = {
        t: (r["status"], r["error"])
        for t, r in scan.records.items()
        if t in keep and t not in affected
    }
    study = new_study if changes else merge_studies(old_study, new_study)
    return RunStart(stored, keep, study, members <= planned, []), aside


def open_for_run(store: Store, plan: Plan, allow_changed_suite: bool = False) -> RunStart:
    """Check the folder against a plan and set aside what cannot count (lock held).

    Raises:
        InputError: as `assess_folder`; nothing is written then.
    """
    start, aside = assess_folder(store.root, plan, allow_changed_suite)
    start.moved = [_move_aside(store.root, *item) for item in aside]
    warn_lines(
        [f"{m['file']}: {m['reason']}; moved to {m['moved_to']}" for m in start.moved],
        f"{store.root}: {{n}} more record files moved aside",
    )
    return start


def _move_aside(root: Path, path: Path, folder: str, reason: str) -> dict[str, str]:
    """Rename ``path`` into ``root/folder`` (never over another file)."""
    target_dir = root / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    n = 0
    while target.exists():
        n += 1
        target = target_dir / f"{path.stem}.{n}{path.suffix}"
    os.rename(path, target)
    return {"file": str(path), "moved_to": str(target), "reason": reason}


def record_run(store: Store, start: RunStart, suite_yaml: str, entry: dict[str, Any]) -> None:
    """Write the folder's marker, study, trial list and this run's entry (with its
    resolved suite); suite.yaml only when this run's suite covers every trial of the
    folder, so that it never stops describing records it held."""
    import yaml

    from rlbench.store import atomic_write

    manifest = _manifest(store.root)
    runs = list(manifest["runs"]) if isinstance(manifest, dict) else []
    if runs and "suite" not in runs[-1] and (store.root / "suite.yaml").is_file():
        # a legacy folder: keep its suite.yaml in the history before it can be replaced
        runs[-1]["suite"] = yaml.safe_load((store.root / "suite.yaml").read_text())
    run = {**entry, "suite": yaml.safe_load(suite_yaml), "suite_replaced": start.replace_suite}
    if start.moved:
        run["moved_aside"] = start.moved
    if start.replace_suite:
        store.write_suite(suite_yaml)
    body = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "study": start.study,
        "runs": [*runs, run],
        "trials": sorted(start.trials),
    }
    atomic_write(store.root / "manifest.json", json.dumps(body, indent=1))


def add_trials(store: Store, trial_ids: Iterable[str]) -> None:
    """Mark the folder as rlbench's and count ``trial_ids`` among its trials (lock held).

    For drivers that plan their trials as they go (``rlbench tune``): called
    before a batch runs, so a record written by it is never taken for a stray.
    """
    from rlbench.store import atomic_write

    manifest = _manifest(store.root)
    body = dict(manifest) if isinstance(manifest, dict) else {}
    listed = body.get("trials")
    known: list[Any] = listed if isinstance(listed, list) else []
    body.update(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        trials=sorted({*map(str, known), *trial_ids}),
    )
    atomic_write(store.root / "manifest.json", json.dumps(body, indent=1))
