"""Runs tables (CSV, parquet) read by rlbench.load like a results folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import rlbench
from rlbench.errors import InputError
from tests.conftest import run_cli

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference" / "mania2018-lqr-small"


def test_an_exported_folder_analyses_like_the_folder(tmp_path):
    for fmt in ("csv", "parquet"):
        table = tmp_path / f"trials.{fmt}"
        done = run_cli("export", REFERENCE, "--out", table, "--format", fmt)
        assert done.returncode == 0, done.stderr
        from_folder = run_cli("compare", REFERENCE, "--json", "--reps", "200")
        from_table = run_cli("compare", table, "--json", "--reps", "200")
        assert from_table.returncode == 0, from_table.stderr
        assert json.loads(from_table.stdout) == json.loads(from_folder.stdout)


def test_defaults_for_what_a_table_leaves_out(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame({
        "agent": ["a", "a", "a", "a"], "env": ["e1", "e1", "e2", "e1"],
        "hp.lr": [0.1, 0.1, 0.1, 0.2], "final_return": [1.0, 2.0, 3.0, 4.0],
    }).to_csv(path, index=False)  # fmt: skip
    results = rlbench.load(path)
    trials = results.trials
    assert set(trials["status"]) == {"done"}
    # one config per distinct hp assignment, the same id on every env
    same = trials[trials["hp.lr"] == 0.1]["config_id"]
    assert same.nunique() == 1 and trials["config_id"].nunique() == 2
    # no seed column: runs numbered within (agent, env, config), and the manifest says so
    assert sorted(trials[(trials["env"] == "e1") & (trials["hp.lr"] == 0.1)]["seed"]) == [0, 1]
    assert "no seed column" in results.manifest["seeds"]
    assert (trials["provenance"] == "null").all() and results.curves.empty


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agent,env,final_return,status\na,e,1,ok\n", "column 'status' holds 'ok'; allowed: done"),
        ("agent,env,final_return,seed\na,e,1,0.5\n", "column 'seed' must hold whole numbers"),
        ("agent,env,final_return\na,,1\n", "column 'env' is empty in row 0"),
    ],
)
def test_bad_tables(tmp_path, text, message):
    path = tmp_path / "runs.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        rlbench.load(path)


def test_a_file_that_is_not_a_table(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a results folder nor a runs table"):
        rlbench.load(path)
