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
        ("rlbench.models", ("rlbench.spec", "rlbench.cards", *RUNNING, *HEAVY)),
        ("rlbench.plans", ("rlbench.spec", "rlbench.cards", *RUNNING, *HEAVY)),
        # compiling a suite into trials runs nothing (--dry-run stays fast)
        ("rlbench.suite_compiler", (*RUNNING, "rlbench.store", *HEAVY)),
        ("rlbench.perturbations", (*RUNNING, "rlbench.store", *HEAVY)),
        ("rlbench.trials", (*RUNNING, "rlbench.store", "rlbench.suite_compiler", *HEAVY)),
        # a record is data: it knows the table schema, not who writes or reads it
        ("rlbench.records", (*RUNNING, "rlbench.store", "rlbench.folder", *HEAVY)),
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


ANALYSIS = ("rlbench.stats", "rlbench.sensitivity")
STATS_FRONT = (
    "rlbench.stats",  # the package's public names
    "rlbench.stats.frame",  # the DataFrame front: compare, power
    "rlbench.stats.views",  # its results as table views
    "rlbench.stats.trial_scores",  # which configs a comparison uses
    "rlbench.sensitivity",  # analyse and its result objects
    "rlbench.sensitivity.across_envs",  # the cross-env table
    "rlbench.sensitivity.views",  # their table views
)


def front_offenders(modules: dict[str, set[str]] = MODULES) -> list[str]:
    """Command modules' imports of statistics modules (or private names) outside the front."""
    bad = []
    for module, deps in importing("rlbench.commands", modules).items():
        for dep in deps:
            if not any(dep == p or dep.startswith(p + ".") for p in ANALYSIS):
                continue
            parent, name = dep.rsplit(".", 1)
            public_name = dep not in MODULES and parent in STATS_FRONT and not name.startswith("_")
            if dep not in STATS_FRONT and not public_name:
                bad.append(f"{module} imports {dep}")
    return sorted(bad)


def test_commands_use_only_the_public_front_of_the_statistics():
    """Command modules parse options and render views; no statistics internals."""
    assert front_offenders() == []


def test_the_front_rule_finds_a_violation(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from rlbench.stats import _data\nfrom rlbench.stats.frame import compare\n"
        "def f():\n    from rlbench.sensitivity.table import config_tables\n"
    )
    modules = {"rlbench.commands.probe": imports(probe, "rlbench.commands.probe")}
    assert front_offenders(modules) == [
        "rlbench.commands.probe imports rlbench.sensitivity.table",
        "rlbench.commands.probe imports rlbench.sensitivity.table.config_tables",
        "rlbench.commands.probe imports rlbench.stats._data",
    ]


def test_the_report_package_neither_re_exports_nor_calls_private_functions():
    """``rlbench.report`` defines what it exports; no module reaches into another's privates."""
    for path in sorted((PACKAGE / "report").rglob("*.py")):
        text = path.read_text()
        assert "noqa: F401" not in text, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                assert not [a.name for a in node.names if a.name.startswith("_")], path
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                private = node.attr.startswith("_") and not node.attr.startswith("__")
                assert not private or node.value.id == "self", (path, node.attr)


def _calls(path: Path, names: set[str]) -> set[str]:
    """The names among ``names`` that ``path`` calls (``Name(...)`` or ``Name.attr(...)``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func.value if isinstance(node.func, ast.Attribute) else node.func
            if isinstance(func, ast.Name) and func.id in names:
                found.add(func.id)
    return found


def test_one_home_builds_trials_and_records():
    """Trials are built by the suite compiler only; records by the runner and read by the
    store's ``load`` only, through ``TrialRecord`` (no hand-made mapping elsewhere)."""
    builders: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in _calls(path, {"Trial", "TrialRecord"}):
            builders.setdefault(name, set()).add(module_name(path))
    assert builders.get("Trial") == {"rlbench.suite_compiler"}
    assert builders.get("TrialRecord") <= {"rlbench.runner", "rlbench.store", "rlbench.records"}


def test_statistics_import_only_statistics_errors_and_the_schema():
    allowed = ("rlbench.stats", "rlbench.errors", "rlbench.table_schema", "rlbench.defaults")
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
