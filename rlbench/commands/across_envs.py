"""``rlbench sensitivity PATH --across-envs``: the cross-env table (terminal or JSON).

Called from `rlbench.commands.sensitivity`; the numbers come from
`rlbench.sensitivity.across_envs`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import typer


def _ci(row: Any, name: str, digits: str = ".3g") -> str:
    value = row[name]
    if value != value:
        return "-"
    low, high = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    text = format(value, digits)
    return text if low != low else f"{text} [{format(low, digits)}, {format(high, digits)}]"


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value.item() if hasattr(value, "item") else value


def rows_json(frame: Any) -> str:
    """The rows as JSON (NaN as null), with the settings and notes."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    settings = {k: v for k, v in frame.attrs.items() if k not in ("notes", "bounds", "draws")}
    return json.dumps(
        {**settings, "bounds": frame.attrs.get("bounds"), "rows": rows,
         "notes": frame.attrs.get("notes", [])},
        indent=2,
    )  # fmt: skip


def print_table(frame: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    attrs = frame.attrs
    console = Console(highlight=False, markup=False)
    table = Table(
        title=f"Cross-env sensitivity of {attrs['metric']} ({attrs['normalize']} normalisation)"
    )
    for column in (
        "agent", "envs", "configs (shared)", "seeds", "per-env tuned [CI]",
        "cross-env tuned [CI]", "sensitivity [CI]", "effective dim [CI]", "cross-env config",
        "tuned per env",
    ):  # fmt: skip
        table.add_column(column)
    for _, row in frame.iterrows():
        config = row["cross_env_config"] or {}
        table.add_row(
            row["agent"], str(row["n_envs"]), f"{row['n_configs']} ({row['n_shared_configs']})",
            str(row["max_seeds"]), _ci(row, "per_env_tuned"), _ci(row, "cross_env_tuned"),
            _ci(row, "sensitivity"), _ci(row, "effective_dim", "g"),
            ", ".join(f"{k}={v}" for k, v in config.items()) or "-",
            ", ".join(row["effective_hparams"] or ()) or "-",
        )  # fmt: skip
    table.caption = (
        f"{attrs['confidence']:.0%} CI: percentile bootstrap, seeds resampled within each env "
        f"and config, {attrs['reps']} resamples, seed {attrs['seed']}; effective dim: fewest "
        f"hyperparameters tuned per env to reach {attrs['target']:g} x per-env tuned "
        "(Adkins, Bowling, White 2024)"
    )
    console.print(table)
    for note in attrs.get("notes", []):
        console.print(f"note: {note}")


def across_envs_command(
    path: Any, metric: str, normalize: str, target: float, reps: int, seed: int,
    json_output: bool,
) -> None:  # fmt: skip
    import rlbench
    from rlbench.sensitivity.across_envs import across_envs

    frame = across_envs(
        rlbench.load(path).trials, metric=metric, normalize=normalize, target=target,
        reps=reps, seed=seed,
    )  # fmt: skip
    if json_output:
        typer.echo(rows_json(frame))
    else:
        print_table(frame)
