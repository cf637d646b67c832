"""Runs tables: results from anywhere, read into the trials schema of `rlbench.load`.

`rlbench.load(PATH)` reads a results folder of records; it hands a *runs
table* to `load_table`:

* a CSV (``.csv``) or parquet (``.parquet``, ``.pq``) file, one row per run:
  ``agent`` and ``env`` (required), ``seed``, ``config_id`` and ``status``
  (optional), ``hp.<name>`` hyperparameter columns, and one or more metric
  columns (``final_return``, ``auc``, ``best_return``; other numeric columns
  are kept and may be named as a metric by the cross-env analysis);
* a folder written by ``rlbench import``: its ``trials.csv`` with the aligned
  learning curves in ``curves.csv`` and what was imported in ``import.json``.

Defaults for what a table leaves out: ``status`` is ``done``; ``config_id`` is
a hash of the row's ``hp.*`` values (one config per distinct assignment, the
same across envs and agents); without a ``seed`` column each run is numbered
0, 1, ... within its (agent, env, config) and ``Results.manifest`` says so. A
table carries no provenance: ``provenance`` is ``null`` in every row.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlbench.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from rlbench.store import Results

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
METRIC_COLUMNS = ("final_return", "auc", "best_return")
IMPORT_MANIFEST = "import.json"
IMPORT_FORMAT = "rlbench-import"
"""The ``format`` field of ``import.json``: marks a folder written by ``rlbench import``."""


def is_table_source(path: Path) -> bool:
    """A runs table file, or a folder written by ``rlbench import``."""
    if path.is_file():
        return True  # load_table names the suffixes it reads
    return (path / IMPORT_MANIFEST).is_file() and not (path / "records").is_dir()


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"{path}: not a results folder nor a runs table; a table is a "
            f"{', '.join(TABLE_SUFFIXES)} file"
        )
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, float_precision="round_trip")  # exact floats
        return pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable runs table ({detail})") from None


def _numeric(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """The column as float64, or InputError naming the first value that is not a number."""
    import pandas as pd

    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        where = f"line {row + 2}" if path.suffix.lower() == ".csv" else f"row {row}"
        raise InputError(
            f"{path}: column {column!r} must be numeric; {where} holds {frame[column].iloc[row]!r}"
        )
    return values.astype("float64")


def _hp_key(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        out[name] = value.item() if hasattr(value, "item") else value
    return out


def table_config_id(hparams: dict[str, Any]) -> str:
    """The config id of a table row: a hash of its (non-missing) hyperparameter values."""
    from rlbench.trials import short_hash

    return short_hash({"hparams": _hp_key(hparams)}, 10)


def _checked_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``agent``/``env`` as text and metric columns as floats, or InputError naming the column."""
    for column in ("agent", "env"):
        if column not in frame.columns:
            raise InputError(
                f"{path}: no {column!r} column; a runs table needs agent, env and a metric "
                f"column ({', '.join(METRIC_COLUMNS)}); it has {', '.join(map(str, frame.columns))}"
            )
        if frame[column].isna().any():
            row = int(frame[column].isna().to_numpy().nonzero()[0][0])
            raise InputError(f"{path}: column {column!r} is empty in row {row}")
        frame[column] = frame[column].astype(str)
    present = [c for c in METRIC_COLUMNS if c in frame.columns]
    if not present:
        raise InputError(
            f"{path}: no metric column; add one of {', '.join(METRIC_COLUMNS)} "
            f"(the table has {', '.join(map(str, frame.columns))})"
        )
    for column in frame.columns:
        if column in (*METRIC_COLUMNS, "wall_time", "threshold") or str(column).startswith(
            "metric."
        ):
            frame[column] = _numeric(frame, column, path)
    return frame


def table_trials(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, bool]:
    """A runs table as a trials table; and whether it had a ``seed`` column.

    Raises:
        InputError: no ``agent``/``env`` column, no metric column, a metric or
            seed column that is not numeric, an unknown status.
    """
    import numpy as np

    from rlbench.records import ordered_trials
    from rlbench.table_schema import TRIAL_COLUMNS
    from rlbench.trials import short_hash

    frame = _checked_columns(frame.copy(), path)
    hp_columns = sorted(c for c in frame.columns if str(c).startswith("hp."))
    if "config_id" not in frame.columns:
        hp_rows = frame[hp_columns].to_dict("records") if hp_columns else [{}] * len(frame)
        frame["config_id"] = [table_config_id({k[3:]: v for k, v in r.items()}) for r in hp_rows]
    frame["config_id"] = frame["config_id"].astype(str)
    has_seed = "seed" in frame.columns
    if has_seed:
        seeds = _numeric(frame, "seed", path)
        if seeds.isna().any() or (seeds != np.round(seeds)).any():
            raise InputError(f"{path}: column 'seed' must hold whole numbers in every row")
        frame["seed"] = seeds.astype("int64")
    else:
        frame["seed"] = frame.groupby(["agent", "env", "config_id"], sort=False).cumcount()
    if "status" not in frame.columns:
        frame["status"] = "done"
    frame["status"] = frame["status"].fillna("done").astype(str)
    unknown = sorted(set(frame["status"]) - {"done", "failed"})
    if unknown:
        raise InputError(f"{path}: column 'status' holds {unknown[0]!r}; allowed: done, failed")
    _labels(frame, hp_columns)
    if "trial_id" not in frame.columns:
        frame["trial_id"] = [
            short_hash([a, e, c, int(s), i], 16)
            for i, (a, e, c, s) in enumerate(
                zip(frame["agent"], frame["env"], frame["config_id"], frame["seed"], strict=True)
            )
        ]
    for column in TRIAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan if column in METRIC_COLUMNS else None
    frame["provenance"] = "null"
    return ordered_trials(frame), has_seed


def _labels(frame: pd.DataFrame, hp_columns: list[str]) -> None:
    """``perturbation``/``perturb_kind``: base where an (agent, env) has one config."""
    if "perturbation" in frame.columns and "perturb_kind" in frame.columns:
        return
    several = frame.groupby(["agent", "env"])["config_id"].transform("nunique") > 1
    labels = []
    for is_several, values in zip(
        several,
        frame[hp_columns].to_dict("records") if hp_columns else [{}] * len(frame),
        strict=True,
    ):
        shown = ",".join(f"{k[3:]}={v}" for k, v in _hp_key(values).items())
        labels.append((shown or "config") if is_several else "base")
    frame["perturbation"] = labels
    frame["perturb_kind"] = ["grid" if s else "base" for s in several]
    # two configs without hp columns have the same label: tell them apart by id
    if not hp_columns:
        frame.loc[several, "perturbation"] = frame.loc[several, "config_id"]


def load_table(path: Path) -> Results:
    """Read a runs table, or a folder written by ``rlbench import``.

    Raises:
        InputError: a bad table (see `table_trials`), or an import folder
            without its ``trials.csv``.
    """
    import pandas as pd

    from rlbench.store import Results
    from rlbench.table_schema import CURVE_COLUMNS

    manifest: dict[str, Any] = {"source": "table", "file": str(path), "runs": []}
    curves = pd.DataFrame({c: [] for c in CURVE_COLUMNS})
    if path.is_dir():
        manifest_file = path / IMPORT_MANIFEST
        try:
            imported = json.loads(manifest_file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{manifest_file}: not readable JSON ({exc})") from None
        if not isinstance(imported, dict) or imported.get("format") != IMPORT_FORMAT:
            raise InputError(
                f"{manifest_file}: not written by rlbench import (format is not {IMPORT_FORMAT!r})"
            )
        table = path / "trials.csv"
        if not table.is_file():
            raise InputError(f"{path}: an import folder without its trials.csv; import again")
        manifest = {**imported, "source": "import", "file": str(table), "runs": []}
        trials, has_seed = table_trials(_read(table), table)
        if (path / "curves.csv").is_file():
            curves = _read(path / "curves.csv")
    else:
        trials, has_seed = table_trials(_read(path), path)
    if not has_seed:
        manifest["seeds"] = "run numbers within (agent, env, config): the table has no seed column"
    return Results(trials=trials, curves=curves, path=path, manifest=manifest)
