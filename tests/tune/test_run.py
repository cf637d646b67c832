"""Tuning runs into results folders: determinism, resume after SIGKILL, seeds, held-out numbers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import rlbench
from rlbench.records import strip_timing
from rlbench.spec import parse_suite
from rlbench.store import Store
from rlbench.tune.run import run_tune
from tests.tune.conftest import tune_suite


def _records(path: Path) -> dict[str, dict]:
    return {r["trial_id"]: strip_timing(r) for r in Store(path).iter_records()}


def _configs_in_order(path: Path) -> list[tuple[int, dict]]:
    summary = json.loads((path / "tune.json").read_text())
    return [(h["trial"], h["params"]) for h in summary["history"]]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """One finished tiny tune (4 configs x 2 seeds, 2 retested + default on 2 test seeds)."""
    out = tmp_path_factory.mktemp("tuned") / "run"
    outcome = run_tune(parse_suite(tune_suite()), out, workers=2, progress=False)
    assert outcome.exit_code == 0
    return out, outcome


def test_same_suite_and_seed_give_the_same_configs_and_records(tuned, tmp_path):
    first, _ = tuned
    again = run_tune(parse_suite(tune_suite()), tmp_path / "again", workers=1, progress=False)
    assert _configs_in_order(first) == _configs_in_order(tmp_path / "again")
    assert _records(first) == _records(tmp_path / "again")
    assert len(_records(first)) == 4 * 2 + 3 * 2  # tune + (2 retested + default) x test seeds
    run_tune(parse_suite(tune_suite(seed=1)), tmp_path / "other", workers=2,
             progress=False)  # fmt: skip
    assert _configs_in_order(first) != _configs_in_order(tmp_path / "other")
    assert again.summary["retest"] == json.loads((first / "tune.json").read_text())["retest"]


def test_records_prove_the_seed_sets_disjoint(tuned):
    out, outcome = tuned
    trials = rlbench.load(out).trials
    assert set(trials["phase"]) == {"tune", "test"}
    tune_seeds = set(trials.loc[trials["phase"] == "tune", "seed"])
    test_seeds = set(trials.loc[trials["phase"] == "test", "seed"])
    assert not tune_seeds & test_seeds
    assert sorted(tune_seeds) == sorted(outcome.summary["seeds"]["tuning"])
    assert sorted(test_seeds) == sorted(outcome.summary["seeds"]["test"])
    # every tuning config ran on every tuning seed, every retested one on every test seed
    for _, group in trials.groupby(["phase", "config_id"]):
        assert set(group["seed"]) in (tune_seeds, test_seeds)


def test_held_out_and_optimism_recomputed_from_the_records(tuned):
    out, _ = tuned
    trials = rlbench.load(out).trials
    summary = json.loads((out / "tune.json").read_text())
    assert set(summary) >= {"best", "retest", "cost", "importance"}
    assert len(summary["retest"]) == 2
    for entry in summary["retest"]:
        mine = trials[trials["config_id"] == entry["config_id"]]
        test = mine.loc[mine["phase"] == "test", "final_return"].to_numpy()
        tune = mine.loc[mine["phase"] == "tune", "final_return"].to_numpy()
        assert len(test) == entry["held_out"]["seeds"] == 2
        assert entry["held_out"]["value"] == pytest.approx(test.mean(), rel=1e-12)
        assert entry["in_sample"]["value"] == pytest.approx(tune.mean(), rel=1e-12)
        assert entry["optimism"]["value"] == pytest.approx(tune.mean() - test.mean(), rel=1e-9)
        low, high = entry["held_out"]["ci"]
        assert min(test) <= low <= entry["held_out"]["value"] <= high <= max(test)
    # the retested configs are the best two in-sample, the best is the best held-out
    history = [h for h in summary["history"] if h["value"] is not None]
    top = sorted(history, key=lambda h: -h["value"])[:2]
    assert [e["trial"] for e in summary["retest"]] == [h["trial"] for h in top]
    best = max(summary["retest"], key=lambda e: e["held_out"]["value"])
    assert summary["best"]["config_id"] == best["config_id"]
    cost = summary["cost"]
    assert cost["configs"] == 4 and cost["trials"] == {"tune": 8, "test": 6}
    assert cost["env_steps"] == {"tune": 8 * 2400, "test": 6 * 2400}
    assert set(summary["importance"]) == {"fanova", "ped_anova"}
    for values in summary["importance"].values():  # 4 configs: fANOVA may see no variance
        assert set(values) == {"step_size", "noise"} or values.startswith("not computed")


def test_folder_works_with_status_compare_and_report(tuned):
    from tests.conftest import run_cli

    out, _ = tuned
    for command in (("status", out), ("compare", out)):
        proc = run_cli(*command)
        assert proc.returncode == 0, proc.stderr
    proc = run_cli("report", out)
    assert proc.returncode == 0, proc.stderr
    html = (out / "report" / "index.html").read_text()
    assert "Tuning" in html and "tune_history.png" in html and "tune_optimism.png" in html
    assert "tune_curves.png" in html


def test_killed_run_resumes_to_exactly_the_configured_trials(tuned, tmp_path, write_suite):
    """SIGKILL the driver (and its workers) mid-run; the rerun ends as an uninterrupted run."""
    reference, _ = tuned
    path = write_suite(tune_suite())
    out = tmp_path / "killed"
    env = {**os.environ, "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "rlbench.cli", "tune", str(path), "--out", str(out),
           "--workers", "1", "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 240
    while len(Store(out).record_ids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 3 <= len(Store(out).record_ids()) < 14
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _records(out) == _records(reference)
    assert _configs_in_order(out) == _configs_in_order(reference)
    summary = json.loads((out / "tune.json").read_text())
    assert summary["cost"]["configs"] == 4 and len(summary["history"]) == 4
    # a finished run rerun runs nothing and writes no record
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "records").iterdir()}
    runs = len(json.loads((out / "manifest.json").read_text())["runs"])
    outcome = run_tune(parse_suite(tune_suite()), out, workers=1, progress=False)
    assert outcome.ran == 0
    assert stamps == {p.name: p.stat().st_mtime_ns for p in (out / "records").iterdir()}
    assert len(json.loads((out / "manifest.json").read_text())["runs"]) == runs


def test_infeasible_configs_are_told_failed_and_counted(tmp_path):
    """A sampled n_directions below top_directions breaks the card constraint."""
    body = tune_suite(trials=4, retest_top=1, test_seeds=1, tuning_seeds=1, sampler="random",
                      space={"n_directions": {"low": 1, "high": 8, "scale": "int"}})  # fmt: skip
    body["agents"][0]["hparams"].update(n_directions=4, top_directions=4)
    outcome = run_tune(parse_suite(body), tmp_path / "inf", workers=1, progress=False)
    cost = outcome.summary["cost"]
    feasible = [h for h in outcome.summary["history"] if h["params"]["n_directions"] >= 4]
    assert cost["configs"] == 4
    assert cost["configs_infeasible"] == 4 - len(feasible)
    for h in outcome.summary["history"]:
        if h["params"]["n_directions"] < 4:
            assert h["state"] == "FAIL" and "top_directions <= n_directions" in h["note"]
    assert np.isfinite([h["value"] for h in feasible]).all()


def test_ray_executor_gives_the_same_configs_and_records(tuned, tmp_path):
    ray = pytest.importorskip("ray", reason="the ray extra is part of the dev set-up")
    reference, _ = tuned
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        run_tune(parse_suite(tune_suite()), tmp_path / "ray", workers=2, executor="ray",
                 progress=False)  # fmt: skip
    finally:
        ray.shutdown()
    assert _records(tmp_path / "ray") == _records(reference)
    assert _configs_in_order(tmp_path / "ray") == _configs_in_order(reference)
