"""Every reproduction runs at smoke scale and writes its comparison table."""

from __future__ import annotations

import csv

import pytest

from rlbench.reproduce import registry, reproduce
from tests.conftest import run_cli


@pytest.mark.parametrize("name", sorted(registry()))
def test_smoke(tmp_path, name):
    result = reproduce(name, "smoke", tmp_path / name, workers=2, progress=False, report=False)
    assert result.rows, "no comparison rows"
    md = (result.path / "comparison.md").read_text()
    assert md.startswith("# ") and "| quantity | paper |" in md and "Scale `smoke`" in md
    rows = list(csv.DictReader((result.path / "comparison.csv").open()))
    assert len(rows) == len(result.rows)
    assert all(r["source"] for r in rows)


def test_cli_list_and_errors(tmp_path):
    proc = run_cli("reproduce", "--list")
    assert proc.returncode == 0 and "mania2018-lqr" in proc.stdout
    proc = run_cli("reproduce", "mania2018-lqrr", "--out", tmp_path / "x")
    assert proc.returncode == 2 and "did you mean 'mania2018-lqr'" in proc.stderr
    proc = run_cli("reproduce", "mania2018-lqr", "--scale", "huge", "--out", tmp_path / "y")
    assert proc.returncode == 2 and "scales are smoke, small, full" in proc.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_full_scale_suites_validate():
    from rlbench.spec import parse_suite
    from rlbench.suite_compiler import expand

    for repro in registry().values():
        for scale in ("small", "full"):
            plan = expand(parse_suite(repro.suite(scale), repro.name))
            assert plan.trials
