"""The results store: a folder of records, written atomically by the driver only.

Layout of ``results/<suite name>/`` (see `rlbench.folder` for what counts)::

    suite.yaml          the resolved suite; replaced only by a run whose suite
                        covers every trial of the folder (a grown suite)
    manifest.json       format marker and version, the study, the trial ids of
                        the folder's suite, and one entry per run (provenance and
                        that run's resolved suite)
    records/<id>.json   one record per trial, written via temp file + rename
    quarantine/         files ``run`` set aside: unreadable, misnamed or stray records
    superseded/         records of settings a ``--allow-changed-suite`` run changed
    logs/               stderr of the worker processes (MuJoCo warnings etc.)
    .lock               held (flock) by the running driver; a second run refuses

A record file exists only once complete. Resume = skip the ids already there.
Files are created with the process's umask (a shared folder stays group-readable).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlbench.errors import InputError, StoreBusyError
from rlbench.records import (
    TrialRecord,
    curves_frame,
    provenance,
    trials_frame,
)

__all__ = ["Results", "Store", "atomic_write", "load", "run_entry"]

if TYPE_CHECKING:
    import pandas as pd


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # os.open with 0o666 lets the umask decide the mode (mkstemp would force 0600)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """A results folder. Open it with ``Store(path).lock()`` to write."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.records_dir = self.root / "records"
        self._lock_fd: int | None = None

    # -- writing (driver only) -------------------------------------------
    def lock(self) -> Store:
        """Take the folder for this process; refuse if another run holds it.

        Raises:
            StoreBusyError: another rlbench run writes this folder now.
        """
        path = self.root / ".lock"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            while True:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise StoreBusyError(
                        f"{self.root}: another rlbench run (pid {holder}) is writing this "
                        "results folder; wait for it to finish, or pass --out to write elsewhere"
                    ) from None
                # the holder before us may have removed the file as it finished: lock anew
                if path.exists() and os.stat(path).st_ino == os.fstat(fd).st_ino:
                    break
                os.close(fd)
        except OSError as exc:
            raise InputError(
                f"{self.root}: cannot write the results folder ({exc.strerror}); "
                "pass --out a writable place"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd
        self._remove_stale_temp_files()
        return self

    def _remove_stale_temp_files(self) -> None:
        """Temp files of a writer that was killed mid-write (only the lock holder writes)."""
        for folder in (self.root, self.records_dir):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)

    def unlock(self) -> None:
        """Release the folder; the .lock file goes (removed while still held)."""
        if self._lock_fd is not None:
            (self.root / ".lock").unlink(missing_ok=True)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Store:
        return self.lock() if self._lock_fd is None else self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    def write_record(self, record: dict[str, Any]) -> None:
        assert self._lock_fd is not None, "only the driver holding the lock writes"
        atomic_write(self.records_dir / f"{record['trial_id']}.json", json.dumps(record))

    def write_suite(self, suite_yaml: str) -> None:
        atomic_write(self.root / "suite.yaml", suite_yaml)

    def add_run(self, entry: dict[str, Any]) -> None:
        """Append one run's provenance to the manifest."""
        manifest = self.manifest()
        manifest.setdefault("runs", []).append(entry)
        atomic_write(self.root / "manifest.json", json.dumps(manifest, indent=1))

    def update_last_run(self, **fields: Any) -> None:
        manifest = self.manifest()
        if manifest.get("runs"):
            manifest["runs"][-1].update(fields)
            atomic_write(self.root / "manifest.json", json.dumps(manifest, indent=1))

    # -- reading ---------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The manifest ({} when absent or not a JSON object)."""
        try:
            manifest = json.loads((self.root / "manifest.json").read_text())
        except (OSError, ValueError):
            return {}
        return manifest if isinstance(manifest, dict) else {}

    def record_ids(self) -> set[str]:
        """Names of the record files (``records/<id>.json``), read or not."""
        if not self.records_dir.is_dir():
            return set()
        return {
            e.name[:-5]
            for e in os.scandir(self.records_dir)
            if e.name.endswith(".json") and not e.name.startswith(".")
        }

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """The records that count (see `rlbench.folder`); ignored files are warned of."""
        from rlbench.folder import load_records

        records, _ = load_records(self.root)
        yield from records.values()

    def statuses(self) -> dict[str, tuple[str, str | None]]:
        """trial id -> (status, error) of every record that counts."""
        return {r["trial_id"]: (r["status"], r["error"]) for r in self.iter_records()}


@dataclass
class Results:
    """Everything in a results folder as tidy DataFrames.

    Attributes:
        trials: one row per trial (``TRIAL_COLUMNS`` plus ``hp.<name>`` columns).
            ``perturbation`` is a label ("base", "step_sizex0.5", "a=1,b=2",
            "random#3"); ``perturb_kind`` is base / one-at-a-time / grid /
            random, and one-at-a-time rows name ``perturb_param`` and
            ``perturb_factor``. ``provenance`` is the record's provenance as
            canonical JSON (versions, git commit, host); ``started`` and
            ``ended`` are Unix times. ``phase`` is ``tune`` or ``test`` in a
            folder written by ``rlbench tune`` (empty otherwise).
        curves: one row per (trial, evaluation step); a failed trial keeps the
            partial curve it reached (filter on ``status``).
        path: the folder.
        manifest: the folder's provenance manifest.
        ignored: one line per record file left out (unreadable, misnamed, a
            duplicate, or not a trial of the folder's suite), also warned.
    """

    trials: pd.DataFrame
    curves: pd.DataFrame
    path: Path
    manifest: dict[str, Any]
    ignored: list[str] = field(default_factory=list)

    def done(self) -> pd.DataFrame:
        return self.trials[self.trials["status"] == "done"]


def load(path: Path | str) -> Results:
    """Load a results folder, or a runs table (CSV/parquet, see `rlbench.tables`), into pandas.

    From a folder, each trial of the folder's suite comes once: record files that
    cannot count (unreadable, holding another trial's id, or a trial of another
    suite) are left out, each named in a `FolderWarning` and in ``Results.ignored``.

    Raises:
        InputError: the folder does not exist or holds no records; a bad table.
    """
    from rlbench import tables

    if tables.is_table_source(Path(path)):
        return tables.load_table(Path(path))
    store = Store(path)
    if not store.root.is_dir():
        raise InputError(f"{store.root}: no such results folder")
    if not store.records_dir.is_dir():
        raise InputError(
            f"{store.root}: not a results folder (no records/ inside); run a suite first"
        )
    from rlbench.folder import load_records

    stored, ignored = load_records(store.root)
    records = [TrialRecord.from_dict(data) for data in stored.values()]
    trials, curves = trials_frame(records), curves_frame(records)
    manifest = store.manifest()
    return Results(trials, curves, store.root, manifest, ignored)


def run_entry(command: str, n_trials: int) -> dict[str, Any]:
    """A manifest entry describing one run."""
    return {"command": command, "started": time.time(), "trials": n_trials, **provenance()}
