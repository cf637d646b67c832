"""The tune section: bad input is one line and exit 2 with nothing written; disjoint seeds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlbench.spec import parse_suite
from rlbench.tune.spec import draw_seeds, resolve, unique_draws
from tests.conftest import run_cli
from tests.tune.conftest import tune_suite


def _space(**entries):
    return {"space": entries}


CASES = [
    ("unknown-agent", {"agent": "ars-v2"},
     ["tune.agent", "unknown agent label 'ars-v2'", "did you mean 'ars-v1'"]),
    ("outside-bounds", _space(step_size={"low": -0.1, "high": 0.1}),
     ["tune.space.step_size.low", "-0.1 is not allowed", "> 0"]),
    ("unknown-param", _space(stepsize={"low": 0.01, "high": 0.1}),
     ["tune.space.stepsize", "unknown hyperparameter", "did you mean 'step_size'"]),
    ("test-seeds-zero", {"test_seeds": 0}, ["tune.test_seeds", "greater than 0"]),
    ("retest-top-too-large", {"retest_top": 5, "trials": 4},
     ["retest_top (5) is larger than trials (4)"]),
    ("unknown-sampler", {"sampler": "cmaes"},
     ["tune.sampler", "unknown sampler 'cmaes'", "'tpe'", "'random'", "'grid'"]),
    ("unknown-stat", {"objective": {"metric": "auc", "stat": "max"}},
     ["tune.objective.stat", "unknown stat 'max'", "mean, iqm, median, lower_ci"]),
    ("grid-without-points", {"sampler": "grid"}, ["tune.space.step_size", "points: N"]),
    ("grid-too-small", {"sampler": "grid", "trials": 5, "space": {
        "step_size": {"low": 0.001, "high": 0.1, "scale": "log", "points": 2}}},
     ["trials (5) is larger than the grid (2 points)"]),
    ("no-space", {"params": ["variant"], "space": None}, ["variant has no perturbation space"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "tune", "needles"), CASES, ids=[c[0] for c in CASES])
def test_bad_tune_section_is_one_line_exit_2_nothing_written(
    case, tune, needles, write_suite, tmp_path
):
    path = write_suite(tune_suite(**tune))
    out = tmp_path / "out"
    proc = run_cli("tune", path, "--out", out)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"rlbench: error: {path}: ")
    for needle in needles:
        assert needle in lines[0]
    assert not out.exists()


def test_seeds_with_a_tune_section_is_bad_input(write_suite, tmp_path):
    body = {**tune_suite(), "seeds": 3}
    proc = run_cli("tune", write_suite(body), "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "a tuning suite draws its seeds from tune.tuning_seeds" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_run_refuses_a_tuning_suite(write_suite, tmp_path):
    proc = run_cli("run", write_suite(tune_suite()), "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "run it with `rlbench tune`" in proc.stderr


def test_a_suite_without_seeds_or_tune_still_needs_seeds():
    body = {k: v for k, v in tune_suite().items() if k != "tune"}
    with pytest.raises(Exception, match="seeds: required key is missing"):
        parse_suite(body)


def test_default_space_is_the_cards_perturbation_spaces():
    body = tune_suite(space=None, params=["step_size", "noise"])
    plan = resolve(parse_suite(body))
    assert plan.space["step_size"].low == 0.001 and plan.space["step_size"].high == 0.2
    assert plan.space["step_size"].log and plan.space["noise"].high == 0.3


@given(seed=st.integers(0, 2**32 - 1), n_tuning=st.integers(1, 40), n_test=st.integers(1, 40))
def test_seed_sets_are_disjoint_distinct_and_stable(seed, n_tuning, n_test):
    tuning, test = draw_seeds(seed, n_tuning, n_test)
    assert len(set(tuning)) == n_tuning and len(set(test)) == n_test
    assert not set(tuning) & set(test)
    # more test seeds never change the tuning seeds, and extend the test seeds
    tuning2, test2 = draw_seeds(seed, n_tuning, n_test + 5)
    assert tuning2 == tuning and test2[:n_test] == test
    assert all(0 <= s < 2**31 for s in tuning + test)


def test_colliding_and_repeated_draws_are_skipped():
    class Scripted:
        def __init__(self, values):
            self.values = list(values)

        def integers(self, low, high):
            return self.values.pop(0)

    assert unique_draws(Scripted([5, 7, 5, 9, 11]), 3, {7}) == (5, 9, 11)
