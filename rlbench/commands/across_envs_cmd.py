"""``rlbench sensitivity PATH --across-envs``: the cross-env table (terminal or JSON).

Called from `rlbench.commands.sensitivity_cmd`; the numbers come from
`rlbench.sensitivity.across_envs`, the table view from `rlbench.sensitivity.views`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import typer


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


def across_envs_command(
    path: Any, options: Any, normalize: str, target: float, json_output: bool
) -> None:
    """Prints the cross-env table of ``path`` under ``options`` (an `AnalysisOptions`)."""
    import rlbench
    from rlbench.commands.render import print_views
    from rlbench.sensitivity.across_envs import across_envs
    from rlbench.sensitivity.views import across_envs_view

    frame = across_envs(
        rlbench.load(path).trials, metric=options.metric, normalize=normalize, target=target,
        reps=options.reps, seed=options.seed, confidence=options.confidence,
    )  # fmt: skip
    if json_output:
        typer.echo(rows_json(frame))
    else:
        print_views([across_envs_view(frame)], frame.attrs.get("notes", []))
