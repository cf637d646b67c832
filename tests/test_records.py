"""The record schema: one definition, its JSON form, its version and its table row."""

from __future__ import annotations

import json
from pathlib import Path

from rlbench.records import SCHEMA_VERSION, Curve, TrialRecord, record_problem
from rlbench.table_schema import TRIAL_COLUMNS

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference"


def _a_reference_record() -> dict:
    path = sorted((REFERENCE / "colas2018-power-small" / "records").glob("*.json"))[0]
    return json.loads(path.read_text())


def test_records_on_disk_are_version_1_and_round_trip():
    """A committed record has no schema_version: it reads as version 1, field for field."""
    data = _a_reference_record()
    assert "schema_version" not in data and record_problem(data) is None
    record = TrialRecord.from_dict(data)
    assert record.schema_version == 1 and record.phase is None
    written = record.to_dict()
    assert written.pop("schema_version") == 1
    assert set(written) - set(data) <= {"clip_actions", "steps_used"}  # defaults of version 1
    assert {k: written[k] for k in data if k != "curve"} == {
        k: v for k, v in data.items() if k != "curve"
    }
    assert {k: written["curve"][k] for k in data["curve"]} == data["curve"]


def test_a_new_record_gains_only_schema_version():
    record = TrialRecord.from_dict(_a_reference_record())
    keys = list(record.to_dict())
    assert keys[-1] == "schema_version" and "phase" not in keys
    assert keys[:-1] == [
        "trial_id", "agent", "card", "env", "config_id", "seed", "hparams", "perturbation",
        "budget_steps", "eval_every", "eval_episodes", "threshold", "status", "error",
        "reason", "failed_step", "curve", "summary", "provenance", "started", "ended",
        "wall_time", "clip_actions", "steps_used",
    ]  # fmt: skip
    record.phase = "tune"
    assert list(record.to_dict())[-2:] == ["phase", "schema_version"]
    assert TrialRecord.from_dict(record.to_dict()) == record


def test_a_newer_schema_is_not_read_as_this_one():
    data = {**_a_reference_record(), "schema_version": SCHEMA_VERSION + 1}
    assert "newer rlbench" in (record_problem(data) or "")
    assert "schema_version" in (record_problem({**data, "schema_version": "1"}) or "")


def test_row_follows_the_table_schema():
    record = TrialRecord.from_dict(_a_reference_record())
    record.hparams = {"lr": 0.1, "net": [64, 64]}
    record.curve = Curve()
    row = record.row()
    assert list(row) == [*TRIAL_COLUMNS, "hp.lr", "hp.net"]
    assert row["hp.net"] == "[64, 64]" and row["perturbation"] == "base"
