"""From a trials DataFrame to one (configs x seeds) matrix per (agent, env).

Every config of an agent runs on the same seeds, so the matrix is paired by
column. A cell is NaN unless its trial is ``done`` with a finite metric; the
``status`` matrix says why (non-finite metric, failed, or not run yet), so that
every exclusion is counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rlbench.errors import InputError, UnknownNameError
from rlbench.table_schema import METRICS, STATISTICS

STATS = STATISTICS
REQUIRED = (
    "agent", "env", "config_id", "seed", "status", "perturbation", "perturb_kind",
    "perturb_param", "perturb_factor", "threshold", "threshold_step",
)  # fmt: skip

DONE, NONFINITE, FAILED, MISSING = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class ConfigTable:
    """The trials of one (agent, env) as a (configs x seeds) matrix.

    Attributes:
        config_ids, labels, kinds: per config; base first, then by label.
        params: per config, the one-at-a-time hyperparameter (None otherwise).
        factors: per config, the one-at-a-time factor (1.0 for base, NaN otherwise).
        hparams: per config, ``{name: value}`` of every ``hp.<name>`` column.
        seeds: ``(n_seeds,)`` sorted.
        scores: ``(n_configs, n_seeds)`` metric; NaN unless done and finite.
        status: ``(n_configs, n_seeds)`` codes DONE, NONFINITE, FAILED, MISSING.
        reached: ``(n_configs, n_seeds)`` bool: done and threshold_step set.
        threshold: the env's threshold (NaN when none).
        base: index of the base config, or None.
    """

    agent: str
    env: str
    config_ids: tuple[str, ...]
    labels: tuple[str, ...]
    kinds: tuple[str, ...]
    params: tuple[str | None, ...]
    factors: np.ndarray
    hparams: tuple[dict[str, Any], ...]
    seeds: tuple[int, ...]
    scores: np.ndarray
    status: np.ndarray
    reached: np.ndarray
    threshold: float
    base: int | None

    def varying(self) -> tuple[str, ...]:
        """Hyperparameters taking more than one value across the configs."""
        names = sorted({name for hp in self.hparams for name in hp})
        return tuple(name for name in names if len({_key(hp.get(name)) for hp in self.hparams}) > 1)

    def counts(self) -> dict[str, int]:
        return {
            "done": int((self.status == DONE).sum()),
            "nonfinite": int((self.status == NONFINITE).sum()),
            "failed": int((self.status == FAILED).sum()),
            "missing": int((self.status == MISSING).sum()),
        }


def _key(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return repr(value)


def check_settings(trials: pd.DataFrame, metric: str, stat: str) -> None:
    """Raises InputError on a table without the columns, or an unknown metric or stat."""
    if not isinstance(trials, pd.DataFrame):
        raise InputError(f"trials must be a pandas DataFrame, got {type(trials).__name__}")
    if metric not in METRICS:
        raise UnknownNameError("metric", metric, METRICS)
    if stat not in STATS:
        raise UnknownNameError("statistic", stat, STATS)
    missing = [c for c in (*REQUIRED, metric) if c not in trials.columns]
    if missing:
        raise InputError(
            f"the trials table lacks column(s) {', '.join(missing)}; pass rlbench.load(path).trials"
        )
    if trials.empty:
        raise InputError("the trials table is empty: no trials to analyse")


def _config_order(rows: pd.DataFrame) -> list[str]:
    first = rows.drop_duplicates("config_id")
    base = first["perturb_kind"] == "base"
    ordered = pd.concat([first[base], first[~base].sort_values("perturbation", kind="stable")])
    return list(ordered["config_id"])


def config_tables(trials: pd.DataFrame, metric: str) -> list[ConfigTable]:
    """One `ConfigTable` per (agent, env), sorted by agent then env.

    Raises:
        InputError: two trials of one (config, seed).
    """
    hp_columns = [c for c in trials.columns if str(c).startswith("hp.")]
    out = []
    for (agent, env), rows in trials.groupby(["agent", "env"], sort=True):
        duplicated = rows.duplicated(["config_id", "seed"])
        if duplicated.any():
            row = rows[duplicated].iloc[0]
            raise InputError(
                f"agent {agent!r} on {env!r}: config {row['config_id']} has several trials "
                f"with seed {row['seed']}; expected one trial per (config, seed)"
            )
        ids = _config_order(rows)
        seeds = sorted(int(s) for s in rows["seed"].unique())
        row_of = {cid: i for i, cid in enumerate(ids)}
        col_of = {s: j for j, s in enumerate(seeds)}
        shape = (len(ids), len(seeds))
        scores = np.full(shape, np.nan)
        status = np.full(shape, MISSING, dtype=np.int8)
        reached = np.zeros(shape, dtype=bool)
        i = rows["config_id"].map(row_of).to_numpy()
        j = rows["seed"].astype(int).map(col_of).to_numpy()
        value = rows[metric].to_numpy(dtype=np.float64)
        done = (rows["status"] == "done").to_numpy()
        finite = np.isfinite(value)
        status[i, j] = np.where(done, np.where(finite, DONE, NONFINITE), FAILED)
        scores[i, j] = np.where(done & finite, value, np.nan)
        reached[i, j] = done & rows["threshold_step"].notna().to_numpy()
        first = rows.drop_duplicates("config_id").set_index("config_id").loc[ids]
        kinds = tuple(str(k) for k in first["perturb_kind"])
        params = tuple(
            str(p) if k == "one-at-a-time" and isinstance(p, str) else None
            for k, p in zip(kinds, first["perturb_param"], strict=True)
        )
        factors = np.array(
            [
                1.0 if k == "base" else (float(f) if k == "one-at-a-time" else np.nan)
                for k, f in zip(kinds, first["perturb_factor"], strict=True)
            ]
        )
        hparams = tuple(
            {c[3:]: _plain(v) for c, v in zip(hp_columns, row, strict=True)}
            for row in first[hp_columns].itertuples(index=False)
        )
        thresholds = rows["threshold"].astype(float).dropna().unique()
        base = [k for k, kind in enumerate(kinds) if kind == "base"]
        out.append(
            ConfigTable(
                agent=str(agent), env=str(env), config_ids=tuple(ids),
                labels=tuple(str(p) for p in first["perturbation"]), kinds=kinds,
                params=params, factors=factors, hparams=hparams, seeds=tuple(seeds),
                scores=scores, status=status, reached=reached,
                threshold=float(thresholds[0]) if thresholds.size else float("nan"),
                base=base[0] if base else None,
            )
        )  # fmt: skip
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
