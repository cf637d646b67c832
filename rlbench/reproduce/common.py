"""What every reproduction shares: scales, the comparison table, its files.

A reproduction is a shipped suite (one per scale) plus an analysis of its
results folder that yields comparison rows: each paper number with its source
and whether it was checked against the paper, ours with its CI, and whether the
paper's number lies inside our interval.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SCALES = ("smoke", "small", "full")


@dataclass(frozen=True)
class Row:
    """One line of a comparison table.

    ``paper`` is None for a qualitative claim (then ``claim`` says it);
    ``inside`` is None when there is nothing to check (no interval, or a claim).
    """

    quantity: str
    paper: float | None
    source: str
    status: str  # "checked" | "unverified" | "claim"
    ours: float | None
    lower: float | None = None
    upper: float | None = None
    method: str = ""
    n: int | None = None
    claim: str = ""
    note: str = ""

    @property
    def inside(self) -> bool | None:
        return inside(self.paper, self.lower, self.upper)


def suite(
    name: str,
    envs: list[Any],
    agents: list[dict[str, Any]],
    seeds: int | list[int],
    steps: int,
    every: int,
    episodes: int,
) -> dict[str, Any]:
    """A suite mapping (validated later by rlbench.spec.parse_suite)."""
    return {
        "name": name,
        "envs": envs,
        "agents": agents,
        "seeds": seeds,
        "budget": {"steps": steps},
        "eval": {"every": every, "episodes": episodes},
    }


def inside(paper: float | None, lower: float | None, upper: float | None) -> bool | None:
    """Whether the paper's number lies in [lower, upper]; None if undecidable."""
    values = (paper, lower, upper)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None
    assert paper is not None and lower is not None and upper is not None
    return bool(lower <= paper <= upper)


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def comparison_markdown(title: str, rows: list[Row], preamble: str = "") -> str:
    """The comparison table as Markdown (comparison.md)."""
    lines = [f"# {title}", ""]
    if preamble:
        lines += [preamble.strip(), ""]
    lines += [
        "| quantity | paper | source | ours | 95% CI | CI method (n) | paper inside CI | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        paper = r.claim if r.paper is None else _fmt(r.paper)
        if r.status == "unverified":
            paper += " (unverified)"
        ci = f"[{_fmt(r.lower)}, {_fmt(r.upper)}]" if r.lower is not None else "–"
        verdict = {True: "yes", False: "**no**", None: "–"}[r.inside]
        method = f"{r.method} (n={r.n})" if r.n is not None else r.method
        lines.append(
            f"| {r.quantity} | {paper} | {r.source} | {_fmt(r.ours)} | {ci} | {method} | "
            f"{verdict} | {r.note} |"
        )
    return "\n".join(lines) + "\n"


def comparison_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    fields = [*Row.__dataclass_fields__, "inside"]
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    for r in rows:
        writer.writerow({**asdict(r), "inside": r.inside})
    return buf.getvalue()


def mean_interval(
    values: np.ndarray, seed: int = 0, reps: int = 10_000
) -> tuple[float, float, float, str]:
    """Mean with a percentile-bootstrap 95% CI (NaN bounds below 3 values, where a
    bootstrap of the mean is degenerate)."""
    from rlbench.stats import sample_interval

    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return math.nan, math.nan, math.nan, "no values"
    if len(values) < 3 or np.all(values == values[0]):
        return float(values.mean()), math.nan, math.nan, "fewer than 3 distinct values: no CI"
    iv = sample_interval(values, "mean", method="percentile", reps=reps, seed=seed)
    return iv.estimate, iv.lower, iv.upper, f"percentile bootstrap of the mean, {reps} resamples"


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (NaN bounds without trials)."""
    from rlbench.stats.resampling import binomial_interval

    if n == 0:
        return math.nan, math.nan
    return binomial_interval(successes, n, confidence, method="wilson")


@dataclass
class Reproduction:
    """A paper result rlbench reproduces.

    Attributes:
        name: command-line name, e.g. ``mania2018-lqr``.
        title: what it reproduces (paper, table/figure).
        suite: scale -> suite mapping (validated by rlbench.spec.parse_suite).
        analyse: (results, scale, out_dir) -> (rows, preamble); may write
            extra figures/tables into out_dir.
        scales: scale -> what that scale runs and what it cuts.
        followup: (results of ``suite``, scale) -> further suites, run into the
            same folder before the analysis (a second stage that depends on
            the first, e.g. held-out seeds for the configs tuning chose).
    """

    name: str
    title: str
    suite: Callable[[str], dict[str, Any]]
    analyse: Callable[[Any, str, Path], tuple[list[Row], str]]
    scales: dict[str, str] = field(default_factory=dict)
    followup: Callable[[Any, str], list[dict[str, Any]]] | None = None
