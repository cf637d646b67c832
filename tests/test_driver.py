"""The driver over whole sweeps: timeouts and retries, kill and resume, worker count,
a grown suite."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import rlbench
from rlbench.records import strip_timing
from rlbench.spec import load_suite
from rlbench.store import Store
from tests.conftest import CARDS, run_cli


def records(path: Path) -> dict[str, dict]:
    return {r["trial_id"]: strip_timing(r) for r in Store(path).iter_records()}


def test_timeout_and_retry_failed(tmp_path, suite_file):
    path = suite_file(
        seeds=2, agents=[{"card": "hangs", "hparams": {"bad_seed": 0}}], cards=[str(CARDS)]
    )
    out = tmp_path / "r"
    # the timeout counts the trial, not its worker's start-up; 8 s leave the
    # good seed (well under a second) room on a loaded machine
    proc = run_cli("run", path, "--out", out, "--trial-timeout", "8", "--no-progress")
    assert proc.returncode == 1
    t = rlbench.load(out).trials.set_index("seed")
    assert t.loc[0, "reason"] == "timeout" and "timed out after 8 s" in t.loc[0, "error"]
    assert t.loc[1, "status"] == "done"
    # a plain rerun skips the failure; --retry-failed reruns it (and it fails again)
    again = run_cli("run", path, "--out", out, "--no-progress", "--trial-timeout", "1")
    assert "ran 0" in again.stderr and again.returncode == 1
    retry = run_cli(
        "run", path, "--out", out, "--no-progress", "--trial-timeout", "1", "--retry-failed"
    )
    assert "ran 1" in retry.stderr


def test_results_do_not_depend_on_worker_count(tmp_path, suite_file):
    path = suite_file(seeds=3, envs=["Pendulum-v1", "CartPole-v1"])
    one = tmp_path / "one"
    two = tmp_path / "two"
    rlbench.run_suite(load_suite(str(path)), one, workers=1, progress=False)
    rlbench.run_suite(load_suite(str(path)), two, workers=2, progress=False)
    a, b = records(one), records(two)
    assert len(a) == 6 and a == b


def test_kill_and_resume(tmp_path, suite_file):
    """SIGKILL of driver and workers mid-sweep: the resumed folder equals a clean run."""
    from tests.test_signals import gated_suite, start_driver, wait_for

    gate = tmp_path / "gate"
    path = gated_suite(suite_file, gate, free_below=3, seeds=8)
    out = tmp_path / "killed"
    proc = start_driver(path, out, ignore_sigint=False)
    # three seeds pass the gate and are stored; the next two wait at it
    wait_for(lambda: len(Store(out).record_ids()) == 3, "three records")
    wait_for(lambda: len(list(gate.glob("started-*"))) == 5, "two trials at the gate")
    os.killpg(proc.pid, signal.SIGKILL)  # driver and workers, no chance to clean up
    proc.communicate()
    partial = Store(out).record_ids()
    assert len(partial) == 3
    # a SIGKILL may leave a write's temporary file behind: readers never see it
    # as a record, and the resumed run below removes it
    stray = out / "records" / ".stray.json.tmp"
    stray.write_text('{"trial_id": "half')
    assert Store(out).record_ids() == partial
    (gate / "open").touch()
    resumed = run_cli("run", path, "--out", out, "--workers", "2", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "ran 5, skipped 3 already stored" in resumed.stderr
    clean = tmp_path / "clean"
    assert run_cli("run", path, "--out", clean, "--workers", "2", "--no-progress").returncode == 0
    assert records(out) == records(clean)
    assert len(records(out)) == 8
    for rec_file in (out / "records").glob("*.json"):
        json.loads(rec_file.read_text())  # every stored file is complete
    assert not list((out / "records").glob("*.tmp"))


def test_growing_a_suite_reuses_records(tmp_path, suite_file):
    out = tmp_path / "r"
    small = suite_file("small.yaml", seeds=2)
    big = suite_file("big.yaml", seeds=3, envs=["Pendulum-v1", "CartPole-v1"])
    assert run_cli("run", small, "--out", out, "--no-progress").returncode == 0
    proc = run_cli("run", big, "--out", out, "--no-progress")
    assert proc.returncode == 0 and "ran 4, skipped 2" in proc.stderr
