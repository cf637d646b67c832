"""``rlbench import``: other tools' logs as an rlbench import folder.

Sources (``kind``):

* ``zoo``: an rl-baselines3-zoo logs folder, ``<algo>/<env>_<n>/evaluations.npz``
  per run (EvalCallback's ``timesteps`` and ``results``, episodes x evaluations)
  with the run's ``<env>/args.yml`` (algo, env, seed) and ``<env>/config.yml``
  (its hyperparameters, which become ``hp.*`` columns; ``n_timesteps`` is the
  budget, not a hyperparameter);
* ``monitor``: SB3 ``Monitor`` CSV files (``*.monitor.csv``; training episodes'
  returns ``r`` and lengths ``l``; the env from the file's JSON header);
* ``tensorboard``: TensorBoard event files, one run per folder holding them,
  one scalar ``tag`` (read with tensorboard's ``EventAccumulator``: ``pip
  install rlbench[import]``).

Alignment onto one step grid ``0, every, 2 every, ...``: a run's value at grid
step g is the last value it logged at a step <= g (for Monitor files, the mean
of the 10 episodes ending last at or before g); before its first and after its
last logged step it has no value (NaN): nothing is extrapolated. Summaries per
run: ``final_return`` is its last logged value, ``best_return`` its best,
``auc`` the mean of its grid values, ``budget_steps`` its last logged step.

The output folder holds ``trials.csv`` (a runs table), ``curves.csv`` and
``import.json`` (``format: rlbench-import``: where the runs came from and the
rule above). It claims no provenance: rlbench did not run these trials.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from rlbench.errors import InputError, MissingDependencyError
from rlbench.tables import IMPORT_FORMAT, IMPORT_MANIFEST, table_config_id

KINDS = ("auto", "zoo", "monitor", "tensorboard")
NOT_HPARAMS = ("n_timesteps",)
"""Entries of a zoo config.yml that are not hyperparameters (the budget)."""
MONITOR_WINDOW = 10
"""Episodes averaged into a Monitor file's value at a step."""


@dataclass
class Run:
    """One imported run: its logged ``(step, value)`` series and what is known of it."""

    file: str
    agent: str
    env: str
    seed: int | None
    steps: np.ndarray
    values: np.ndarray
    spread: np.ndarray | None = None
    episodes: np.ndarray | None = None
    hparams: dict[str, Any] = field(default_factory=dict)


class _ZooLoader(yaml.SafeLoader):
    """safe_load plus the OrderedDict that rl_zoo3 writes with ``yaml.dump``."""


def _ordered_dict(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> dict[str, Any]:
    pairs = loader.construct_sequence(node, deep=True)
    if len(pairs) == 1 and isinstance(pairs[0], list):  # apply: [[[k, v], ...]]
        pairs = pairs[0]
    return {str(k): v for k, v in pairs}


_ZooLoader.add_constructor(
    "tag:yaml.org,2002:python/object/apply:collections.OrderedDict", _ordered_dict
)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(), Loader=_ZooLoader)  # a SafeLoader subclass
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not readable YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping, got {type(data).__name__}")
    return data


def _hp_value(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return json.dumps(value, default=str, sort_keys=True)


def zoo_runs(root: Path) -> list[Run]:
    """Every run (``evaluations.npz``) under an rl-baselines3-zoo logs folder."""
    runs = []
    for npz in sorted(root.rglob("evaluations.npz")):
        run_dir = npz.parent
        saved = sorted(run_dir.glob("*/args.yml"))
        if not saved:
            raise InputError(
                f"{run_dir}: no saved config (<env>/args.yml beside evaluations.npz); "
                "is this an rl-baselines3-zoo run folder?"
            )
        args = _read_yaml(saved[0])
        config_file = saved[0].parent / "config.yml"
        config = _read_yaml(config_file) if config_file.exists() else {}
        for key in ("algo", "env", "seed"):
            if key not in args:
                raise InputError(f"{saved[0]}: no {key!r} entry")
        with np.load(npz) as log:
            if "timesteps" not in log or "results" not in log:
                raise InputError(f"{npz}: no 'timesteps'/'results' arrays (not EvalCallback's)")
            results = np.asarray(log["results"], dtype=float).reshape(len(log["timesteps"]), -1)
            steps = np.asarray(log["timesteps"], dtype=np.int64)
        runs.append(Run(
            file=str(npz.relative_to(root)), agent=str(args["algo"]), env=str(args["env"]),
            seed=int(args["seed"]), steps=steps, values=results.mean(axis=1),
            spread=results.std(axis=1),
            hparams={k: _hp_value(v) for k, v in config.items() if k not in NOT_HPARAMS},
        ))  # fmt: skip
    return runs


def monitor_runs(root: Path, agent: str) -> list[Run]:
    """Every SB3 Monitor file under ``root`` (or ``root`` itself)."""
    files = [root] if root.is_file() else sorted(root.rglob("*monitor.csv"))
    runs = []
    for path in files:
        with open(path) as fh:
            header = fh.readline()
        if not header.startswith("#"):
            raise InputError(f"{path}: no Monitor header line (#{{...}}); not an SB3 Monitor file")
        try:
            env = json.loads(header[1:]).get("env_id") or "unknown"
            frame = pd.read_csv(path, skiprows=1)
        except (json.JSONDecodeError, pd.errors.ParserError) as exc:
            raise InputError(f"{path}: not an SB3 Monitor file ({exc})") from None
        missing = [c for c in ("r", "l") if c not in frame.columns]
        if missing:
            raise InputError(f"{path}: no {missing[0]!r} column (Monitor files have r, l, t)")
        steps = frame["l"].to_numpy(dtype=np.int64).cumsum()
        smoothed = frame["r"].rolling(MONITOR_WINDOW, min_periods=1).mean().to_numpy()
        runs.append(Run(
            file=str(path.relative_to(root) if root.is_dir() else path.name), agent=agent,
            env=str(env), seed=None, steps=steps, values=smoothed,
            episodes=np.arange(1, len(frame) + 1),
        ))  # fmt: skip
    return runs


def tensorboard_runs(root: Path, tag: str, agent: str, env: str | None) -> list[Run]:
    """One run per folder holding event files; ``tag`` is the scalar read."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        raise MissingDependencyError(
            "reading TensorBoard files needs tensorboard: pip install 'rlbench[import]'"
        ) from None
    folders = sorted({p.parent for p in root.rglob("events.out.tfevents*")})
    runs = []
    for folder in folders:
        events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
        events.Reload()
        tags = events.Tags().get("scalars", [])
        if tag not in tags:
            raise InputError(
                f"{folder}: no scalar {tag!r}; --tag is one of: {', '.join(sorted(tags)) or '-'}"
            )
        scalars = events.Scalars(tag)
        runs.append(Run(
            file=str(folder.relative_to(root)), agent=agent, env=env or folder.name, seed=None,
            steps=np.array([s.step for s in scalars], dtype=np.int64),
            values=np.array([s.value for s in scalars], dtype=float),
        ))  # fmt: skip
    return runs


def detect(root: Path) -> str:
    """The kind of a source folder (or file), by the files it holds."""
    if root.is_file():
        return "monitor" if root.name.endswith("monitor.csv") else "tensorboard"
    for kind, pattern in (
        ("zoo", "evaluations.npz"), ("monitor", "*monitor.csv"),
        ("tensorboard", "events.out.tfevents*"),
    ):  # fmt: skip
        if next(root.rglob(pattern), None) is not None:
            return kind
    raise InputError(
        f"{root}: found no evaluations.npz (rl-baselines3-zoo), *.monitor.csv (SB3 Monitor) "
        "or events.out.tfevents* (TensorBoard) inside"
    )


def read_runs(source: Path, kind: str, tag: str, agent: str | None, env: str | None) -> list[Run]:
    """The runs of a source; ``agent``/``env`` override what the source says (or lacks)."""
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if kind not in KINDS:
        from rlbench.errors import UnknownNameError

        raise UnknownNameError("import format", kind, KINDS, where="--format")
    kind = detect(source) if kind == "auto" else kind
    if kind == "zoo":
        runs = zoo_runs(source)
    elif kind == "monitor":
        runs = monitor_runs(source, agent or "unknown")
    else:
        runs = tensorboard_runs(source, tag, agent or "unknown", env)
    if not runs:
        raise InputError(f"{source}: no {kind} runs found")
    for run in runs:
        run.agent, run.env = agent or run.agent, env or run.env
        order = np.argsort(run.steps, kind="stable")
        run.steps, run.values = run.steps[order], run.values[order]
        if run.spread is not None:
            run.spread = run.spread[order]
        if run.episodes is not None:
            run.episodes = run.episodes[order]
    return runs


def at_grid(steps: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The last value logged at a step <= each grid step; NaN before the first and after
    the last logged step (no extrapolation). Shapes: ``(n,)``, ``(n,)``, ``(g,)`` -> ``(g,)``."""
    index = np.searchsorted(steps, grid, side="right") - 1
    out = values[np.maximum(index, 0)].astype(float)
    out[(index < 0) | (grid > steps[-1])] = np.nan
    return out


def step_grid(runs: list[Run], every: int | None, until: int | None) -> np.ndarray:
    """``0, every, 2 every, ...`` up to the last logged step (or ``until``), which it includes."""
    last = max(int(r.steps[-1]) for r in runs if len(r.steps))
    last = min(last, until) if until is not None else last
    if every is None:
        gaps = [np.median(np.diff(r.steps)) for r in runs if len(r.steps) > 1]
        every = max(1, int(np.median(gaps))) if gaps else max(1, last)
    grid = np.arange(0, last + 1, every, dtype=np.int64)
    return grid if grid[-1] == last else np.append(grid, last)


def tables_of(runs: list[Run], kind: str, grid: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(trials, curves)``: one row per run, one per (run, grid step)."""
    from rlbench.trials import short_hash

    trials, curves = [], []
    numbered: dict[tuple[str, str, str], int] = {}
    for run in runs:
        config = table_config_id(run.hparams)
        key = (run.agent, run.env, config)
        seed = run.seed if run.seed is not None else numbered.get(key, 0)
        numbered[key] = seed + 1
        values = at_grid(run.steps, run.values, grid)
        trial_id = short_hash([kind, run.file], 16)
        trials.append({
            "trial_id": trial_id, "agent": run.agent, "env": run.env, "seed": seed,
            "config_id": config, "status": "done", "final_return": float(run.values[-1]),
            "auc": float(np.nanmean(values)) if np.isfinite(values).any() else np.nan,
            "best_return": float(np.max(run.values)), "budget_steps": int(run.steps[-1]),
            "source_file": run.file, **{f"hp.{k}": v for k, v in sorted(run.hparams.items())},
        })  # fmt: skip
        spread = at_grid(run.steps, run.spread, grid) if run.spread is not None else None
        episodes = at_grid(run.steps, run.episodes, grid) if run.episodes is not None else None
        for j, step in enumerate(grid):
            if np.isnan(values[j]):
                continue
            curves.append({
                "trial_id": trial_id, "agent": run.agent, "env": run.env, "config_id": config,
                "seed": seed, "status": "done", "step": int(step),
                "episodes": None if episodes is None else int(episodes[j]),
                "return_mean": float(values[j]),
                "return_std": None if spread is None else float(spread[j]),
            })  # fmt: skip
    return pd.DataFrame(trials), pd.DataFrame(curves)


def import_runs(
    source: Path,
    out: Path,
    kind: str = "auto",
    tag: str = "eval/mean_reward",
    agent: str | None = None,
    env: str | None = None,
    every: int | None = None,
    until: int | None = None,
) -> tuple[Path, int]:
    """Write ``out`` (a new folder) with the source's runs; returns it and the run count.

    Raises:
        InputError: ``out`` exists, an unreadable source, no runs, bad ``every``/``until``.
    """
    from rlbench import __version__

    if out.exists():
        raise InputError(f"--out {out}: already exists; import into a new folder")
    for name, value in (("--every", every), ("--until", until)):
        if value is not None and value < 1:
            raise InputError(f"{name}: must be a positive number of env steps, got {value}")
    detected = detect(source) if kind == "auto" and source.exists() else kind
    runs = read_runs(source, detected, tag, agent, env)
    if until is not None:
        for run in runs:
            keep = run.steps <= until
            run.steps, run.values = run.steps[keep], run.values[keep]
            run.spread = run.spread[keep] if run.spread is not None else None
            run.episodes = run.episodes[keep] if run.episodes is not None else None
        runs = [r for r in runs if len(r.steps)]
        if not runs:
            raise InputError(f"--until {until}: no run logged a value at or before it")
    grid = step_grid(runs, every, until)
    trials, curves = tables_of(runs, detected, grid)
    manifest = {
        "format": IMPORT_FORMAT, "rlbench": __version__, "kind": detected,
        "source": str(source.resolve()), "tag": tag if detected == "tensorboard" else None,
        "grid": {"every": int(grid[1] - grid[0]) if len(grid) > 1 else None,
                 "last": int(grid[-1]), "until": until},
        "alignment": "value at grid step g = the last value logged at a step <= g; none before "
                     "a run's first or after its last logged step (no extrapolation)"
                     + (f"; Monitor: mean of the last {MONITOR_WINDOW} episodes"
                        if detected == "monitor" else ""),
        "seeds": "from args.yml" if detected == "zoo" else "run numbers (the source has none)",
        "provenance": None,
        "note": "imported by rlbench import: rlbench did not run these trials and knows "
                "nothing of their software versions, host or code revision",
    }  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        trials.to_csv(staging / "trials.csv", index=False)
        curves.to_csv(staging / "curves.csv", index=False)
        (staging / IMPORT_MANIFEST).write_text(json.dumps(manifest, indent=1))
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out, len(runs)
