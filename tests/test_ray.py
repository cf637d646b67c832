"""The Ray executor against a real local Ray instance (loopback only)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import rlbench
from rlbench.records import strip_timing
from rlbench.spec import load_suite
from rlbench.store import Store
from tests.conftest import CARDS

ray = pytest.importorskip("ray", reason="the ray extra is part of the dev set-up")


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def records(path):
    return {r["trial_id"]: strip_timing(r) for r in Store(path).iter_records()}


def test_local_and_ray_give_identical_records(tmp_path, suite_file, ray_instance):
    suite = load_suite(str(suite_file(seeds=3, envs=["Pendulum-v1", "CartPole-v1"])))
    local, remote = tmp_path / "local", tmp_path / "ray"
    assert rlbench.run_suite(suite, local, workers=2, progress=False).exit_code == 0
    assert rlbench.run_suite(suite, remote, executor="ray", progress=False).exit_code == 0
    assert len(records(local)) == 6
    assert records(local) == records(remote)


def test_sequential_study_decides_the_same_on_ray(tmp_path, suite_file, ray_instance):
    """The stopping decisions are the driver's: Ray's completion order cannot change them."""
    from rlbench import sequential

    agents = [{"card": "random"}, {"card": "constant", "hparams": {"action": 1}}]
    rule = {"sequential": {"batch": 2, "max": 4, "permutations": 100}}
    path = suite_file(envs=["CartPole-v1"], agents=agents, seeds=rule, cards=[str(CARDS)])
    suite = load_suite(str(path))
    local, remote = tmp_path / "local", tmp_path / "ray"
    rlbench.run_suite(suite, local, workers=2, progress=False)
    rlbench.run_suite(suite, remote, executor="ray", progress=False)
    assert sequential.read(local) == sequential.read(remote)
    assert records(local) == records(remote)


def test_resume_across_executors(tmp_path, suite_file, ray_instance):
    out = tmp_path / "r"
    small = load_suite(str(suite_file("a.yaml", seeds=2)))
    big = load_suite(str(suite_file("b.yaml", seeds=4)))
    rlbench.run_suite(small, out, progress=False)  # local first
    summary = rlbench.run_suite(big, out, executor="ray", progress=False)  # then Ray
    assert (summary.skipped, summary.ran, summary.exit_code) == (2, 2, 0)
    back = rlbench.run_suite(big, out, progress=False)  # and back: nothing left
    assert back.ran == 0 and len(Store(out).record_ids()) == 4


def test_killed_worker_is_retried_then_failed(tmp_path, suite_file, ray_instance):
    markers = tmp_path / "markers"
    markers.mkdir()
    suite = load_suite(
        str(
            suite_file(
                seeds=2,
                agents=[
                    {"card": "dies_once", "hparams": {"marker_dir": str(markers)}},
                    {"card": "exits", "hparams": {"bad_seed": 1}},
                ],
                cards=[str(CARDS)],
            )
        )
    )
    out = tmp_path / "r"
    summary = rlbench.run_suite(suite, out, executor="ray", max_retries=1, progress=False)
    res = rlbench.load(out).trials.set_index(["agent", "seed"])
    assert len(res) == 4 and len(Store(out).record_ids()) == 4  # nothing lost or duplicated
    # the worker killed on the first attempt: retried, and the retry finished the trial
    assert (res.loc["dies_once", "status"] == "done").all()
    # a worker that dies on every attempt: failed after the retries
    assert res.loc[("exits", 1), "status"] == "failed"
    assert res.loc[("exits", 1), "reason"] == "crashed"
    assert "after 1 retries" in res.loc[("exits", 1), "error"]
    assert res.loc[("exits", 0), "status"] == "done"
    assert summary.exit_code == 1


def test_trial_timeout_on_ray(tmp_path, suite_file, ray_instance):
    suite = load_suite(
        str(
            suite_file(
                seeds=2, agents=[{"card": "hangs", "hparams": {"bad_seed": 0}}], cards=[str(CARDS)]
            )
        )
    )
    out = tmp_path / "r"
    # the clock starts at the task's start marker, so the worker's start does not
    # count; the good trial itself (its imports, its env) took 12 s at load 6 on
    # 2 cores, hence the margin
    rlbench.run_suite(suite, out, executor="ray", trial_timeout=45, progress=False)
    res = rlbench.load(out).trials.set_index("seed")
    assert res.loc[0, "reason"] == "timeout" and res.loc[1, "status"] == "done"


def test_missing_ray_is_a_clear_error(tmp_path, suite_file):
    code = (
        "import sys; sys.modules['ray'] = None\n"
        "from rlbench.cli import main\n"
        f"sys.argv = ['rlbench', 'run', {str(suite_file())!r}, '--executor', 'ray', '--out', "
        f"{str(tmp_path / 'r')!r}]\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rlbench: error: --executor ray needs Ray, which is not installed; install it with "
        "pip install 'rlbench[ray]' (or pip install 'ray[default]')"
    ]
    assert not (tmp_path / "r").exists()
