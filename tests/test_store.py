"""A results folder is never lost, never mixed, never blocked.

Each test damages a folder the way a user might (a truncated or foreign file, a
copied record, a changed suite, a foreign folder) and checks that nothing is
lost, the numbers do not change, and the message names the file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import warnings
from pathlib import Path

import pandas as pd
import pytest

import rlbench
from rlbench.errors import FolderWarning, InputError
from rlbench.folder import FORMAT, FORMAT_VERSION
from rlbench.spec import load_suite
from rlbench.store import Store
from tests.conftest import CARDS, run_cli

TIMING = ["wall_time", "started", "ended", "provenance"]


def numbers(path: Path) -> pd.DataFrame:
    """The trials table without the columns that vary between runs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FolderWarning)
        return rlbench.load(path).trials.drop(columns=TIMING).reset_index(drop=True)


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (relative name -> bytes)."""
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def one_line_error(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("rlbench: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture
def done_folder(tmp_path, suite_file):
    """A folder with 3 done trials of the default tiny suite, and its suite file."""
    path = suite_file(seeds=3)
    out = tmp_path / "r"
    rlbench.run_suite(load_suite(str(path)), out, workers=2, progress=False)
    return out, path


# -- the folder identifies itself ----------------------------------------------------


def test_folder_marks_itself_and_respects_umask(tmp_path, suite_file):
    out = tmp_path / "r"
    old = os.umask(0o002)
    try:
        proc = run_cli("run", suite_file(), "--out", out, "--no-progress")
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == FORMAT == "rlbench-results"
    assert manifest["format_version"] == FORMAT_VERSION == 1
    assert manifest["study"]["envs"]["Pendulum-v1"]["budget.steps"] == 400
    assert sorted(manifest["trials"]) == sorted(p.stem for p in (out / "records").glob("*.json"))
    assert manifest["runs"][-1]["suite"]["budget"] == {"steps": 400}
    assert not (out / ".lock").exists()  # a clean run takes its lock file with it
    for name in ("manifest.json", "suite.yaml", *(f"records/{t}.json" for t in manifest["trials"])):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o664, name


@pytest.mark.parametrize(
    "files",
    [
        {"suite.yaml": "my own notes\n", "manifest.json": '{"mine": true}'},
        {"notes.txt": "thesis draft"},
        {"manifest.json": '{"runs": "not rlbench"}', "records": None},
    ],
    ids=["own-suite-and-manifest", "any-file", "lookalike"],
)
def test_foreign_folder_is_refused(tmp_path, suite_file, files):
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, text in files.items():
        if text is None:
            (folder / name).mkdir()
        else:
            (folder / name).write_text(text)
    before = snapshot(folder)
    line = one_line_error(run_cli("run", suite_file(), "--out", folder, "--no-progress"))
    assert f"{folder}: not an rlbench results folder" in line and "--out" in line
    assert snapshot(folder) == before and sorted(os.listdir(folder)) == sorted(files)
    assert one_line_error(run_cli("run", suite_file(), "--out", folder, "--dry-run")) == line


def test_out_is_a_file_and_report_in_the_way(tmp_path, done_folder, suite_file):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    line = one_line_error(run_cli("run", suite_file(), "--out", target, "--no-progress"))
    assert f"{target}: is a file, not a results folder" in line
    under = one_line_error(run_cli("run", suite_file(), "--out", target / "sub", "--no-progress"))
    assert f"{target} is a file" in under
    assert target.read_text() == "keep me"
    out, _ = done_folder
    (out / "report").write_text("my report")
    line = one_line_error(run_cli("report", out))
    assert f"{out / 'report'}: a file is in the way of the report" in line
    assert (out / "report").read_text() == "my report"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_places_are_refused(tmp_path, done_folder, suite_file):
    out, path = done_folder
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    os.chmod(out / "records", 0o555)
    try:
        line = one_line_error(run_cli("run", path, "--out", locked / "r", "--no-progress"))
        assert f"{locked} is read-only" in line
        line = one_line_error(run_cli("run", path, "--out", out, "--no-progress"))
        assert f"{out / 'records'}: is read-only" in line
    finally:
        os.chmod(locked, 0o755)
        os.chmod(out / "records", 0o755)


def test_read_only_records_message(monkeypatch, done_folder):
    """The same check as above, for a root user: the permission answer is simulated."""
    import rlbench.folder

    out, path = done_folder
    before = snapshot(out)
    real = os.access
    monkeypatch.setattr(
        rlbench.folder.os, "access", lambda p, mode: real(p, mode) and Path(p).name != "records"
    )
    with pytest.raises(InputError, match=r"records: is read-only; rlbench cannot store"):
        rlbench.run_suite(load_suite(str(path)), out, progress=False)
    assert snapshot(out) == before


# -- a changed suite never silently reuses a folder ----------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"budget": {"steps": 800}}, "Pendulum-v1: budget.steps 400 -> 800"),
        ({"eval": {"every": 200, "episodes": 3}}, "Pendulum-v1: eval.episodes 2 -> 3"),
        ({"envs": [{"id": "Pendulum-v1", "horizon": 100}]}, "Pendulum-v1: horizon 200 -> 100"),
        (
            {"agents": [{"card": "slow", "hparams": {"sleep": 0.01}}]},
            "agent 'slow' on Pendulum-v1: sleep 0.0 -> 0.01",
        ),
    ],
    ids=["budget", "eval", "per-env-override", "agent-hparams"],
)
def test_changed_suite_is_refused(tmp_path, suite_file, change, expected):
    base = {"agents": [{"card": "slow", "hparams": {"sleep": 0.0}}], "cards": [str(CARDS)]}
    out = tmp_path / "r"
    first = suite_file("first.yaml", seeds=2, **base)
    assert run_cli("run", first, "--out", out, "--no-progress").returncode == 0
    before, files = numbers(out), snapshot(out)
    changed = suite_file("changed.yaml", seeds=3, **{**base, **change})
    line = one_line_error(run_cli("run", changed, "--out", out, "--no-progress"))
    assert expected in line, line
    assert "--out another folder" in line and "--allow-changed-suite" in line
    assert snapshot(out) == files  # nothing written, suite.yaml kept
    pd.testing.assert_frame_equal(numbers(out), before)
    proc = run_cli("run", changed, "--out", out, "--no-progress", "--allow-changed-suite")
    assert proc.returncode == 0, proc.stderr
    assert "ran 3, skipped 0" in proc.stderr and "moved to" in proc.stderr
    assert len(list((out / "superseded").glob("*.json"))) == 2  # kept, not deleted
    after = rlbench.load(out)
    assert len(after.trials) == 3 and not after.ignored
    assert load_suite(str(out / "suite.yaml")).seed_list() == [0, 1, 2]
    history = [run["suite"] for run in after.manifest["runs"]]
    assert history[0] != history[1]  # both suites stay in the manifest


def test_growing_and_partial_runs_keep_suite_yaml(tmp_path, suite_file):
    out = tmp_path / "r"
    big = suite_file("big.yaml", seeds=3, envs=["Pendulum-v1", "CartPole-v1"])
    small = suite_file("small.yaml", seeds=2)
    other = suite_file("other.yaml", seeds=[5])
    assert run_cli("run", small, "--out", out, "--no-progress").returncode == 0
    proc = run_cli("run", big, "--out", out, "--no-progress")
    assert proc.returncode == 0 and "ran 4, skipped 2" in proc.stderr
    grown = (out / "suite.yaml").read_text()
    for part in (small, other):  # a part of the study, or seeds of its own
        proc = run_cli("run", part, "--out", out, "--no-progress")
        assert proc.returncode == 0, proc.stderr
        assert (out / "suite.yaml").read_text() == grown
    res = rlbench.load(out)
    assert len(res.trials) == 7 and not res.ignored
    assert [r["suite_replaced"] for r in res.manifest["runs"]] == [True, True, False, False]


# -- damaged records ------------------------------------------------------------------


def _damage(out: Path, how: str, tmp_path: Path, suite_file) -> tuple[Path, str]:
    """Damage the folder; returns the bad file and the reason an analysis gives."""
    names = sorted((out / "records").glob("*.json"))
    if how == "truncated":
        names[0].write_bytes(names[0].read_bytes()[:100])
        return names[0], "unreadable or not JSON (truncated?)"
    if how == "foreign-json":
        bad = out / "records" / "notes.json"
        bad.write_text('{"hello": "world"}')
        return bad, "not a trial record (no trial_id"
    if how == "duplicate":
        shutil.copy(names[0], names[1])
        return names[1], f"holds trial {names[0].stem}, not {names[1].stem} (a copy?)"
    other = tmp_path / "other"
    rlbench.run_suite(load_suite(str(suite_file("o.yaml", seeds=[7]))), other, progress=False)
    stray = next((other / "records").glob("*.json"))
    shutil.copy(stray, out / "records" / stray.name)
    return out / "records" / stray.name, "not a trial of this folder's suite"


@pytest.mark.parametrize("how", ["truncated", "foreign-json", "duplicate", "other-suite"])
def test_damaged_records(tmp_path, suite_file, done_folder, how):
    out, path = done_folder
    before = numbers(out)
    bad, reason = _damage(out, how, tmp_path, suite_file)
    evidence = bad.read_bytes()
    with pytest.warns(FolderWarning, match=re.escape(f"{bad.name}: {reason}") + ".*ignored"):
        res = rlbench.load(out)
    lost = 1 if how in ("truncated", "duplicate") else 0
    assert len(res.trials) == 3 - lost and res.trials["trial_id"].is_unique
    assert len(res.ignored) == 1 and res.ignored[0].startswith(f"{bad}: {reason}")
    kept = before[before["trial_id"] != bad.stem].reset_index(drop=True)
    pd.testing.assert_frame_equal(numbers(out), kept if lost else before)
    proc = run_cli("status", out)  # analysis commands name the file and go on
    assert proc.returncode == 0, proc.stderr
    assert f"rlbench: warning: {bad}: {reason}" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("run", path, "--out", out, "--no-progress")  # resume reruns the trial
    assert proc.returncode == 0, proc.stderr
    assert f"ran {lost}, skipped {3 - lost}" in proc.stderr
    assert f"moved to {out / 'quarantine' / bad.name}" in proc.stderr
    assert (out / "quarantine" / bad.name).read_bytes() == evidence  # never deleted
    pd.testing.assert_frame_equal(numbers(out), before)
    assert not rlbench.load(out).ignored


def test_compare_and_report_ignore_a_duplicate(tmp_path, suite_file, done_folder):
    out, _ = done_folder
    names = sorted((out / "records").glob("*.json"))
    shutil.copy(names[0], names[1])
    proc = run_cli("compare", out)
    assert proc.returncode == 0, proc.stderr
    assert f"{names[1]}: holds trial {names[0].stem}" in proc.stderr
    assert "2 runs per task" in proc.stdout  # the copy is not counted as a third seed
    proc = run_cli("report", out)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


# -- folders written before the format marker ---------------------------------------

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference"


def test_reference_folders_load_unchanged():
    for folder in sorted(p for p in REFERENCE.iterdir() if p.is_dir()):
        with warnings.catch_warnings():
            warnings.simplefilter("error", FolderWarning)
            res = rlbench.load(folder)
        assert len(res.trials) == len(list((folder / "records").glob("*.json"))) > 0


def test_legacy_folder_is_upgraded_and_checked(tmp_path, suite_file, done_folder):
    out, _ = done_folder
    manifest = json.loads((out / "manifest.json").read_text())
    legacy = {"runs": [{k: v for k, v in r.items() if k != "suite"} for r in manifest["runs"]]}
    (out / "manifest.json").write_text(json.dumps(legacy))  # as rlbench wrote it before
    before = numbers(out)
    line = one_line_error(
        run_cli("run", suite_file("b.yaml", budget={"steps": 800}), "--out", out, "--no-progress")
    )
    assert "Pendulum-v1: budget.steps 400 -> 800" in line
    proc = run_cli("run", suite_file("g.yaml", seeds=4), "--out", out, "--no-progress")
    assert proc.returncode == 0 and "ran 1, skipped 3" in proc.stderr, proc.stderr
    upgraded = json.loads((out / "manifest.json").read_text())
    assert upgraded["format"] == FORMAT and len(upgraded["trials"]) == 4
    assert upgraded["runs"][0]["suite"]["seeds"] == 3  # the legacy suite.yaml, kept
    pd.testing.assert_frame_equal(numbers(out)[numbers(out)["seed"] < 3].reset_index(drop=True),
                                  before)  # fmt: skip


# -- the study and the lock, as functions ---------------------------------------------


def _plan(suite_file, name="s.yaml", **fields):
    from rlbench.suite_compiler import expand

    return expand(load_suite(str(suite_file(name, **fields))))


def test_study_changes_name_what_changed(suite_file):
    from rlbench.study import merge_studies, study_changes, study_of

    slow = {"agents": [{"card": "slow", "hparams": {"sleep": 0.0}}], "cards": [str(CARDS)]}
    old = study_of(_plan(suite_file, seeds=2, **slow))
    grown = study_of(
        _plan(suite_file, "g.yaml", seeds=5, envs=["Pendulum-v1", "CartPole-v1"], **slow)
    )
    assert study_changes(old, grown) == [] and study_changes(grown, old) == []
    assert set(merge_studies(old, grown)["envs"]) == {"Pendulum-v1", "CartPole-v1"}
    changed = study_of(
        _plan(
            suite_file, "c.yaml", seeds=2, budget={"steps": 800}, cards=[str(CARDS)],
            agents=[{"card": "slow", "hparams": {"sleep": 0.5}}],
        )
    )  # fmt: skip
    texts = [c.text for c in study_changes(old, changed)]
    assert texts == [
        "Pendulum-v1: budget.steps 400 -> 800",
        "agent 'slow' on Pendulum-v1: sleep 0.0 -> 0.5",
    ]
    budget, sleep = study_changes(old, changed)
    assert budget.affects("anyone", "Pendulum-v1") and not budget.affects("slow", "CartPole-v1")
    assert sleep.affects("slow", "Pendulum-v1") and not sleep.affects("random", "Pendulum-v1")
    assert study_changes(None, changed) == []


def test_lock_file_goes_and_comes_back(tmp_path):
    from rlbench.errors import StoreBusyError
    from rlbench.store import Store

    store = Store(tmp_path / "r")
    with store:
        assert (tmp_path / "r" / ".lock").exists()
        with pytest.raises(StoreBusyError, match="another rlbench run"):
            Store(tmp_path / "r").lock()
    assert not (tmp_path / "r" / ".lock").exists()
    with Store(tmp_path / "r"):  # a later run locks again
        assert (tmp_path / "r" / ".lock").exists()
    assert os.listdir(tmp_path / "r") == []


def test_many_bad_files_are_summarised(done_folder):
    out, _ = done_folder
    for i in range(12):
        (out / "records" / f"junk{i:02d}.json").write_text("[1, 2")
    with pytest.warns(FolderWarning) as caught:
        res = rlbench.load(out)
    assert len(res.trials) == 3 and len(res.ignored) == 12
    assert len(caught) == 11 and "2 more record files ignored" in str(caught[-1].message)


def test_export_to_a_folder_is_refused(tmp_path, done_folder):
    out, _ = done_folder
    line = one_line_error(run_cli("export", out, "--out", tmp_path))
    assert f"--out {tmp_path}: is a folder" in line


def test_second_writer_refuses(tmp_path, suite_file):
    out = tmp_path / "r"
    with Store(out):
        proc = run_cli("run", suite_file(), "--out", out)
    assert proc.returncode == 2
    assert "another rlbench run" in proc.stderr and "--out" in proc.stderr
    assert Store(out).record_ids() == set()
