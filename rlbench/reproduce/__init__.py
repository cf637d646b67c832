"""Reproductions of the papers rlbench builds on, one command each.

``rlbench reproduce NAME --scale smoke|small|full`` runs the reproduction's
suite (resumable like any suite), analyses the results, and writes, beside the
records, ``comparison.md`` / ``comparison.csv`` (each paper number, its source,
ours with its CI, and whether the paper's number lies inside our interval) and
the HTML report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlbench.errors import InputError, UnknownNameError
from rlbench.reproduce.common import SCALES, Reproduction, Row, comparison_csv, comparison_markdown


def registry() -> dict[str, Reproduction]:
    from rlbench.reproduce import (
        colas2018,
        henderson2018,
        mania2018,
        mania2018_table1_analysis,
    )

    items = (
        mania2018_table1_analysis.REPRODUCTIONS
        + mania2018.REPRODUCTIONS
        + henderson2018.REPRODUCTIONS
        + colas2018.REPRODUCTIONS
    )
    return {r.name: r for r in items}


@dataclass
class ReproductionResult:
    name: str
    scale: str
    path: Path
    rows: list[Row]
    exit_code: int
    report: Path | None


def reproduce(
    name: str,
    scale: str = "small",
    out: Path | str | None = None,
    *,
    workers: int | None = None,
    executor: str = "local",
    address: str | None = None,
    progress: bool = True,
    report: bool = True,
    allow_changed_suite: bool = False,
) -> ReproductionResult:
    """Run one reproduction and write its comparison table (and report).

    Raises:
        InputError: unknown reproduction or scale.
    """
    from rlbench.driver import run_suite
    from rlbench.spec import parse_suite
    from rlbench.store import load

    repros = registry()
    if name not in repros:
        raise UnknownNameError("reproduction", name, repros, hint="see rlbench reproduce --list")
    if scale not in SCALES:
        raise InputError(f"--scale: {scale!r} is not allowed; scales are {', '.join(SCALES)}")
    repro = repros[name]
    suite = parse_suite(repro.suite(scale), f"<reproduction {name}, scale {scale}>")
    root = Path(out) if out is not None else Path("results") / "reproduce" / f"{name}-{scale}"
    summary = run_suite(
        suite, root, workers=workers, executor=executor, address=address, progress=progress,
        allow_changed_suite=allow_changed_suite,
    )  # fmt: skip
    exit_code = summary.exit_code
    if repro.followup is not None:
        _keep_suite(root, "suite-stage1.yaml")
        for i, body in enumerate(repro.followup(load(root), scale)):
            stage = parse_suite(body, f"<reproduction {name}, scale {scale}, stage {i + 2}>")
            more = run_suite(
                stage, root, workers=workers, executor=executor, address=address,
                progress=progress, allow_changed_suite=allow_changed_suite,
            )  # fmt: skip
            exit_code = max(exit_code, more.exit_code)
            _keep_suite(root, f"suite-stage{i + 2}.yaml")
    results = load(root)
    rows, preamble = repro.analyse(results, scale, root / "analysis")
    preamble = f"{preamble}\n\nScale `{scale}`: {repro.scales.get(scale, '')}."
    (root / "comparison.md").write_text(comparison_markdown(repro.title, rows, preamble))
    (root / "comparison.csv").write_text(comparison_csv(rows))
    report_path = _report(root) if report else None
    return ReproductionResult(name, scale, root, rows, exit_code, report_path)


def _keep_suite(root: Path, name: str) -> None:
    """Keep a stage's resolved suite: the next stage's run rewrites suite.yaml."""
    from rlbench.store import atomic_write

    atomic_write(root / name, (root / "suite.yaml").read_text())


def _report(root: Path) -> Path:
    from rlbench.report import build_report

    return build_report(root, root / "report")


def describe() -> list[dict[str, Any]]:
    """Name, title and what each scale runs, for ``--list``."""
    return [{"name": r.name, "title": r.title, **r.scales} for r in registry().values()]
