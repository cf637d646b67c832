"""The layering of docs/architecture.md, enforced: which package may import which.

Imports are read with ``ast`` from every module of ``rlbench/``, those inside
functions included (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rlbench"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str | None = None) -> set[str]:
    """Every module ``path`` imports (absolute names; relative imports resolved)."""
    tree = ast.parse(path.read_text())
    here = (name or module_name(path)).split(".")
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                keep = here[: len(here) - node.level + (path.name == "__init__.py")]
                base = ".".join([*keep, base] if base else keep)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def importing(prefix: str, modules: dict[str, set[str]] = MODULES) -> dict[str, set[str]]:
    return {m: deps for m, deps in modules.items() if m == prefix or m.startswith(prefix + ".")}


def offenders(
    prefix: str, forbidden: tuple[str, ...], modules: dict[str, set[str]] = MODULES
) -> list[str]:
    bad = []
    for module, deps in importing(prefix, modules).items():
        for dep in deps:
            if any(dep == f or dep.startswith(f + ".") for f in forbidden):
                bad.append(f"{module} imports {dep}")
    return sorted(bad)


RUNNING = ("rlbench.runner", "rlbench.driver", "rlbench.executors", "rlbench.algos")
HEAVY = ("torch", "stable_baselines3", "sb3_contrib", "gymnasium", "mujoco", "ray")


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # statistics are pure functions of arrays and tables
        ("rlbench.stats", (*RUNNING, "rlbench.store", "rlbench.figures", "rlbench.report",
                           "rlbench.commands", "rlbench.sensitivity", *HEAVY)),
        ("rlbench.sensitivity", (*RUNNING, "rlbench.figures", "rlbench.report",
                                 "rlbench.commands", *HEAVY)),
        # figures draw estimates; they never run anything nor compute a statistic
        ("rlbench.figures", (*RUNNING, "rlbench.commands", "rlbench.stats.resampling",
                             "scipy", *HEAVY)),
        # loading and checking a suite never imports torch, an env or an agent
        ("rlbench.spec", (*RUNNING, *HEAVY)),
        ("rlbench.cards", (*RUNNING, *HEAVY)),
        ("rlbench.errors", ("rlbench.spec", "rlbench.cards", *RUNNING, *HEAVY)),
        # agents know the protocol, not the driver, the store or the executors
        ("rlbench.algos", ("rlbench.driver", "rlbench.store", "rlbench.executors",
                           "rlbench.commands", "rlbench.report")),
    ],
)  # fmt: skip
def test_layering(package, forbidden):
    assert importing(package), f"{package} is not in the package"
    assert offenders(package, forbidden) == []


def test_only_the_cli_imports_the_commands():
    users = {
        m
        for m, deps in MODULES.items()
        if not m.startswith("rlbench.commands")
        and any(d == "rlbench.commands" or d.startswith("rlbench.commands.") for d in deps)
    }
    assert users <= {"rlbench.cli"}


def test_the_rule_finds_a_violation(tmp_path):
    """The checker itself: lazy and relative imports are seen."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from rlbench.runner import run_trial\n"
        "    from ..driver import run_suite\n    import torch\n"
    )
    modules = {"rlbench.stats.probe": imports(probe, "rlbench.stats.probe")}
    assert offenders("rlbench.stats", (*RUNNING, *HEAVY), modules) == [
        "rlbench.stats.probe imports rlbench.driver",
        "rlbench.stats.probe imports rlbench.driver.run_suite",
        "rlbench.stats.probe imports rlbench.runner",
        "rlbench.stats.probe imports rlbench.runner.run_trial",
        "rlbench.stats.probe imports torch",
    ]


def test_the_table_schema_is_pure_data_with_one_definition():
    """Every module reads the runs table's columns and metrics from ``table_schema``."""
    assert not {d for d in MODULES["rlbench.table_schema"] if d.startswith("rlbench")}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "table_schema.py":
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            assert not names & {"TRIAL_COLUMNS", "CURVE_COLUMNS", "METRICS", "METRIC_LABELS"}, path


def test_statistics_import_only_statistics_errors_and_the_schema():
    allowed = ("rlbench.stats", "rlbench.errors", "rlbench.table_schema")
    for module, deps in importing("rlbench.stats").items():
        outside = {d for d in deps if d.startswith("rlbench") and d != "rlbench"}
        assert not {d for d in outside if not d.startswith(allowed)}, module


RESAMPLING_ONLY = {"binomtest", "trim_mean", "proportion_ci", "proportion_confint"}


def test_intervals_and_trimmed_means_have_one_home():
    """Binomial intervals and scipy's trimmed mean are called in `stats/resampling` only."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "stats" / "resampling.py":
            continue
        tree = ast.parse(path.read_text())
        called = {
            node.attr if isinstance(node, ast.Attribute) else node.id
            for node in ast.walk(tree)
            if isinstance(node, (ast.Attribute, ast.Name))
        }
        assert not called & RESAMPLING_ONLY, path
