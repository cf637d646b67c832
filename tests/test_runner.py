"""The runner: one trial to a record; the same trial twice is the same record, and
faults of the trial become failed records."""

from __future__ import annotations

import rlbench
from rlbench.records import strip_timing
from rlbench.runner import run_trial
from rlbench.spec import load_suite
from rlbench.suite_compiler import expand
from tests.conftest import CARDS, run_cli


def test_same_trial_twice_is_identical(suite_file):
    plan = expand(load_suite(str(suite_file(envs=["Pendulum-v1", "CartPole-v1"]))))
    for trial in plan.trials[:2]:
        a, b = run_trial(trial), run_trial(trial)
        assert a["status"] == "done"
        assert strip_timing(a) == strip_timing(b)
        assert a["curve"]["step"] == [0, 200, 400]


def test_faults_become_failed_records(tmp_path, suite_file):
    path = suite_file(
        seeds=3,
        agents=[
            {"card": "raises", "hparams": {"bad_seed": 1}},
            {"card": "exits", "hparams": {"bad_seed": 2}},
            {"card": "quits_early"},
        ],
        cards=[str(CARDS)],
    )
    out = tmp_path / "r"
    proc = run_cli("run", path, "--out", out, "--workers", "2", "--no-progress")
    assert proc.returncode == 1, proc.stderr
    res = rlbench.load(out)
    t = res.trials.set_index(["agent", "seed"])
    assert len(t) == 9
    assert t.loc[("raises", 1), "status"] == "failed"
    assert "RuntimeError: boom on seed 1" in t.loc[("raises", 1), "error"]
    assert t.loc[("exits", 2), "status"] == "failed"
    assert t.loc[("exits", 2), "reason"] == "crashed"
    assert "worker process died (exit code 3)" in t.loc[("exits", 2), "error"]
    assert (t.loc["quits_early", "reason"] == "error").all()
    assert t.loc["quits_early", "error"].str.contains("agent stopped before the budget").all()
    done = t[t["status"] == "done"]
    assert len(done) == 4  # the other seeds of raises and exits
    assert "failed ×1: RuntimeError: boom on seed 1" in proc.stderr
    # the status command lists the distinct reasons
    st = run_cli("status", out)
    assert (
        st.returncode == 0 and "boom on seed 1" in st.stdout and "worker process died" in st.stdout
    )
