"""CLI smoke runs into tmp_path with tiny budgets."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

import rlbench
from tests.conftest import run_cli


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from rlbench.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "mods = ('torch', 'stable_baselines3', 'gymnasium', 'pandas', 'scipy')\n"
        "heavy = [m for m in mods if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out, out


def test_run_status_export(tmp_path, suite_file):
    path = suite_file(seeds=2, envs=["Pendulum-v1", "CartPole-v1"])
    out = tmp_path / "r"
    dry = run_cli("run", path, "--out", out, "--dry-run")
    assert dry.returncode == 0 and "total: 4 trials, 1,600 env steps" in dry.stdout
    assert not out.exists()
    proc = run_cli("run", path, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "4 trials (4 done)" in proc.stderr
    assert (out / "suite.yaml").exists() and (out / "manifest.json").exists()
    res = rlbench.load(out)
    assert len(res.trials) == 4 and set(res.trials["status"]) == {"done"}
    assert len(res.curves) == 4 * 3
    assert {
        "trial_id",
        "agent",
        "env",
        "config_id",
        "seed",
        "final_return",
        "auc",
        "best_return",
        "threshold_step",
        "wall_time",
    } <= set(res.trials.columns)
    cart = res.trials[res.trials["env"] == "CartPole-v1"]
    assert cart["threshold_step"].isna().all()  # random never reaches 475
    for fmt in ("csv", "parquet"):
        target = tmp_path / f"trials.{fmt}"
        e = run_cli("export", out, "--format", fmt, "--out", target)
        assert e.returncode == 0, e.stderr
        frame = pd.read_csv(target) if fmt == "csv" else pd.read_parquet(target)
        assert sorted(frame["trial_id"]) == sorted(res.trials["trial_id"])
    curves = tmp_path / "curves.csv"
    assert run_cli("export", out, "--out", curves, "--table", "curves").returncode == 0
    assert len(pd.read_csv(curves)) == 12
    st = run_cli("status", out)
    assert st.returncode == 0 and "Pendulum-v1" in st.stdout


def test_status_shows_pending(tmp_path, suite_file):
    out = tmp_path / "r"
    path = suite_file(seeds=2)
    assert run_cli("run", path, "--out", out, "--no-progress").returncode == 0
    # grow the stored suite by hand: the new seed is pending
    text = (out / "suite.yaml").read_text().replace("seeds: 2", "seeds: 3")
    (out / "suite.yaml").write_text(text)
    st = run_cli("status", out)
    assert st.returncode == 0
    row = next(line for line in st.stdout.splitlines() if "Pendulum-v1" in line)
    assert row.split("│")[3:6] == [" 2    ", " 0      ", " 1       "] or "1" in row.split("│")[5]


def test_list(tmp_path):
    for kind, expected in (("agents", "random"), ("envs", "Swimmer-v5"), ("suites", "quickstart")):
        proc = run_cli("list", kind)
        assert proc.returncode == 0 and expected in proc.stdout, proc.stderr
    assert run_cli("list", "cards").returncode == 2


def test_load_missing_folder(tmp_path):
    proc = run_cli("status", tmp_path / "nope")
    assert proc.returncode == 2 and "no such results folder" in proc.stderr


def test_dry_run_lists_configs(tmp_path):
    proc = run_cli("run", "quickstart", "--dry-run", "--out", tmp_path / "q")
    assert proc.returncode == 0, proc.stderr
    assert "total: 25 trials, 750,000 env steps" in proc.stdout
    assert "step_sizex0.5" in proc.stdout and "step_size=0.01" in proc.stdout
    assert not (tmp_path / "q").exists()


def test_compare_grid_without_base_config(tmp_path, suite_file):
    """A grid plan has no base config: compare shows each config as agent[config]
    (printed literally, not eaten as Rich markup)."""
    from tests.conftest import CARDS

    grid = {"plan": "grid", "values": {"sleep": [0.0, 0.01]}}
    path = suite_file(seeds=3, agents=[{"card": "slow", "perturb": grid}], cards=[str(CARDS)])
    out = tmp_path / "r"
    assert run_cli("run", path, "--out", out, "--no-progress").returncode == 0
    proc = run_cli("compare", out)
    assert proc.returncode == 0, proc.stderr
    assert "slow[sleep=0.0]" in proc.stdout and "slow[sleep=0.01]" in proc.stdout
    assert "compared config by config" in proc.stderr


def test_analysis_options_have_one_default_and_one_help():
    """Every command's analysis flag takes its default and help from `AnalysisOptions`."""
    import dataclasses
    import inspect

    import typer.main

    from rlbench import defaults
    from rlbench.analysis_options import DEFAULTS, AnalysisOptions, help_of
    from rlbench.cli import app

    names = {f.name for f in dataclasses.fields(AnalysisOptions)}
    assert (DEFAULTS.reps, DEFAULTS.seed, DEFAULTS.confidence) == (
        defaults.RESAMPLES, defaults.SEED, defaults.CONFIDENCE,
    )  # fmt: skip
    seen = set()
    for command in typer.main.get_command(app).commands.values():
        for param in command.params:
            if param.name in names:
                seen.add(param.name)
                assert param.default == getattr(DEFAULTS, param.name), (command.name, param.name)
                assert param.help == help_of(param.name), (command.name, param.name)
    assert seen == names
    assert "reps" in inspect.signature(AnalysisOptions).parameters


def test_analysis_options_name_the_flag():
    import pytest

    from rlbench.analysis_options import AnalysisOptions
    from rlbench.errors import InputError

    with pytest.raises(InputError, match=r"--metric: unknown metric 'final_retrun'; did you mean"):
        AnalysisOptions(metric="final_retrun")
    with pytest.raises(InputError, match="--reps: must be a positive number"):
        AnalysisOptions(reps=0)
    with pytest.raises(InputError, match=r"--confidence: must be in \(0, 1\)"):
        AnalysisOptions(confidence=1.0)
    with pytest.raises(InputError, match="--failed: 'drop' is not allowed"):
        AnalysisOptions(failed="drop")
