"""Stopping a sweep: Ctrl-C and SIGTERM keep what finished, stop every worker, resume cleanly.

The tests synchronise on states they can observe (a record stored, a trial
waiting at a gate file, the folder's lock taken), never on sleeps, so they
hold on a loaded machine. Each runs with SIGINT at its default disposition and
with SIGINT ignored, as a background job of a non-interactive shell inherits it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rlbench.records import strip_timing
from rlbench.store import Store
from tests.conftest import CARDS, run_cli

SIGNALS = [signal.SIGINT, signal.SIGTERM]


def wait_for(condition: Callable[[], bool], what: str, limit: float = 120) -> None:
    """Poll an observable state; the limit only keeps a broken run from hanging the tests."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def start_driver(path: Path, out: Path, ignore_sigint: bool) -> subprocess.Popen:
    def child_setup() -> None:
        if ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(
        [sys.executable, "-m", "rlbench.cli", "run", str(path), "--out", str(out),
         "--workers", "2", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=child_setup,
    )  # fmt: skip


def stop(proc: subprocess.Popen, signum: int) -> str:
    """Send ``signum`` to the driver alone, wait for it; no process of its group may survive."""
    try:
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        wait_for(lambda: not group_alive(proc.pid), "the workers to end", limit=30)
        return err
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def records(path: Path) -> dict[str, dict]:
    return {r["trial_id"]: strip_timing(r) for r in Store(path).iter_records()}


def gated_suite(suite_file, gate: Path, free_below: int, seeds: int = 4) -> Path:
    gate.mkdir()
    return suite_file(
        seeds=seeds,
        agents=[{"card": "gated", "hparams": {"gate_dir": str(gate), "free_below": free_below}}],
        cards=[str(CARDS)],
    )


@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["default", "sigint-ignored"])
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_stop_mid_run_keeps_finished_and_resumes(tmp_path, suite_file, signum, ignore_sigint):
    gate = tmp_path / "gate"
    path = gated_suite(suite_file, gate, free_below=1)
    out = tmp_path / "r"
    proc = start_driver(path, out, ignore_sigint)
    # seed 0 passes the gate and is stored; another trial waits at the gate
    wait_for(lambda: len(Store(out).record_ids()) == 1, "the first record")
    wait_for(lambda: len(list(gate.glob("started-*"))) >= 2, "a second trial to start")
    err = stop(proc, signum)

    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    name = signal.Signals(signum).name
    assert f"interrupted ({name}): finished trials are kept" in err
    assert "ran 1, skipped 0" in err  # what finished, not what was planned
    assert len(Store(out).record_ids()) == 1
    run = json.loads((out / "manifest.json").read_text())["runs"][-1]
    assert run["interrupted"] is True and run["signal"] == signum and run["ran"] == 1
    assert run["ended"] >= run["started"]
    assert not list((out / "records").glob("*.tmp"))  # the stop waited for the write

    (gate / "open").touch()
    resumed = run_cli("run", path, "--out", out, "--workers", "2", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "ran 3, skipped 1 already stored" in resumed.stderr
    clean = tmp_path / "clean"
    assert run_cli("run", path, "--out", clean, "--no-progress").returncode == 0
    assert records(out) == records(clean) and len(records(out)) == 4


@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["default", "sigint-ignored"])
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_stop_during_start_up(tmp_path, suite_file, signum, ignore_sigint):
    """A stop while the driver takes the folder and spawns its workers."""
    gate = tmp_path / "gate"
    path = gated_suite(suite_file, gate, free_below=0)  # no trial can finish
    out = tmp_path / "r"
    proc = start_driver(path, out, ignore_sigint)
    wait_for(lambda: (out / ".lock").exists(), "the driver to take the folder")
    err = stop(proc, signum)

    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and "interrupted" in err
    assert Store(out).record_ids() == set()
    manifest = out / "manifest.json"
    if manifest.exists():  # the run was recorded: then it is closed
        run = json.loads(manifest.read_text())["runs"][-1]
        assert run["interrupted"] is True and "ended" in run


def test_worker_ends_with_its_driver(tmp_path, suite_file):
    """SIGKILL leaves the driver no chance to clean up: its busy workers end on their own."""
    gate = tmp_path / "gate"
    path = gated_suite(suite_file, gate, free_below=0)
    out = tmp_path / "r"
    proc = start_driver(path, out, ignore_sigint=False)
    wait_for(lambda: len(list(gate.glob("started-*"))) == 2, "two trials at the gate")
    pids = [int(p.read_text()) for p in gate.glob("started-*")]
    proc.kill()
    proc.wait()

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie waits for its new parent to reap it: it runs no more
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")

    try:
        wait_for(lambda: all(gone(pid) for pid in pids), "the orphaned workers to end", 30)
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_stop_before_the_run_starts_is_reported(monkeypatch, capsys, suite_file, signum):
    """A signal while the driver takes the folder (before its own handling) still exits 128+N.

    Typer turns a KeyboardInterrupt into a silent exit 130; the entry point
    must say what stopped the command, and exit 143 for SIGTERM.
    """
    import rlbench.driver
    from rlbench import cli, signals

    def stopped_while_locking(*args, **kwargs):
        os.kill(os.getpid(), signum)  # through the real handler
        time.sleep(5)  # never reached: the handler raises first
        raise AssertionError("the signal did not stop the run")

    monkeypatch.setattr(rlbench.driver, "run_suite", stopped_while_locking)
    monkeypatch.setattr(signals, "_received", [])
    monkeypatch.setattr(signals, "_reported", [False])
    monkeypatch.setattr(sys, "argv", ["rlbench", "run", str(suite_file()), "--no-progress"])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 128 + signum
    err = capsys.readouterr().err
    assert err.strip() == f"rlbench: interrupted ({signal.Signals(signum).name})"
