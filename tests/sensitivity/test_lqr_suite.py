"""End to end: ARS on LQR with step size and noise perturbed one at a time."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

import rlbench
from rlbench.commands.sensitivity_cmd import sensitivity_command
from rlbench.errors import InputError
from rlbench.sensitivity import analyse

SUITE = """\
name: lqr-sens
envs: [{id: rlbench/LQR-v0, horizon: 100}]
agents:
  - card: ars
    hparams: {variant: V1, step_size: 0.002, noise: 0.01, n_directions: 8, top_directions: 8}
    perturb: {plan: one-at-a-time, params: [step_size, noise], factors: [0.5, 2.0]}
seeds: 3
budget: {steps: 20000}
eval: {every: 5000, episodes: 2}
"""


@pytest.fixture(scope="module")
def lqr_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("lqr")
    (root / "suite.yaml").write_text(SUITE)
    out = root / "results"
    rlbench.run_suite(rlbench.load_suite(str(root / "suite.yaml")), out, workers=2, progress=False)
    return out


def _app():
    app = typer.Typer()
    app.command("sensitivity")(sensitivity_command)
    app.command("noop")(lambda: None)  # two commands: the name stays on the command line
    return app


def test_lqr_analysis(lqr_results):
    trials = rlbench.load(lqr_results).trials
    result = analyse(trials, reps=200)
    (group,) = result.groups
    assert (group.n_configs, len(group.seeds), group.n_done) == (5, 3, 15)
    assert sorted(c.param for c in result.curves) == ["noise", "step_size"]
    for curve in result.curves:
        assert [p.x for p in curve.points] == [0.5, 1.0, 2.0]
        assert all(p.metric is not None for p in curve.points)
    (variance,) = result.variance
    assert variance.n_configs == 5 and 0 <= variance.icc.upper <= 1
    assert not result.success
    assert any("no threshold" in note for note in result.notes)
    assert result.robustness[0].scale == "normalised"  # the LQR card has reference scores
    assert {t.param for t in result.tunability} == {"step_size", "noise", "all"}


def test_lqr_cli_tables_and_json(lqr_results):
    runner = CliRunner()
    out = runner.invoke(_app(), ["sensitivity", str(lqr_results), "--reps", "200"])
    assert out.exit_code == 0, out.output
    for title in ("Sensitivity curves", "Tunability", "Variance decomposition", "Robustness"):
        assert title in out.output
    assert "percentile bootstrap over seeds, 200 resamples, seed 0" in out.output
    assert "no threshold" in out.output
    out = runner.invoke(_app(), ["sensitivity", str(lqr_results), "--reps", "50", "--json"])
    assert json.loads(out.output)["reps"] == 50


def test_cli_bad_input(tmp_path, lqr_results):
    runner = CliRunner()
    out = runner.invoke(_app(), ["sensitivity", str(tmp_path / "nope")])
    assert isinstance(out.exception, InputError) and "no such results folder" in str(out.exception)
    out = runner.invoke(_app(), ["sensitivity", str(lqr_results), "--stat", "mode"])
    assert isinstance(out.exception, InputError)
    assert "unknown statistic 'mode'" in str(out.exception)
