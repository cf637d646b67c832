"""The DataFrame front and the typer commands."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import rlbench
from rlbench.commands.compare_cmd import compare_command, power_command
from rlbench.errors import InputError
from rlbench.stats import aggregate_intervals, holm, probability_of_improvement, welch_test
from rlbench.stats.frame import compare, power
from rlbench.stats.trial_scores import score_matrices

RANDOM = {"Hop": 0.0, "Swim": 10.0}
REFERENCE = {"Hop": 100.0, "Swim": 110.0}


def _trials() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for agent, shift in (("ars", 10.0), ("ddpg", 0.0)):
        for env, base in (("Hop", 50.0), ("Swim", 60.0)):
            for seed in range(6):
                score = base + shift + rng.normal(0, 5)
                rows.append(
                    (agent, env, f"{agent}-{env}", seed, "done", score, score / 2, score + 1)
                )
    rows.append(("ars", "Hop", "ars-Hop", 6, "failed", np.nan, np.nan, np.nan))
    rows.append(("ddpg", "Swim", "ddpg-Swim", 6, "failed", np.nan, np.nan, np.nan))
    rows.append(("ddpg", "Swim", "ddpg-Swim", 7, "failed", np.nan, np.nan, np.nan))
    columns = ["agent", "env", "config_id", "seed", "status", "final_return", "auc", "best_return"]
    return pd.DataFrame(rows, columns=columns).sample(frac=1.0, random_state=1)


def test_score_matrices_count_failed_and_keep_seed_order():
    matrices = score_matrices(_trials(), failed_policy="exclude")
    assert list(matrices) == ["ars", "ddpg"]
    ars = matrices["ars"]
    assert ars.envs == ("Hop", "Swim") and ars.seeds[0] == tuple(range(6))
    assert ars.not_done == ({"failed": 1}, {})
    assert matrices["ddpg"].not_done == ({}, {"failed": 2})
    assert ars.matrix().shape == (6, 2) and ars.n_failed_scored == (0, 0)


def test_failed_runs_score_the_envs_lowest_observed_score():
    trials = _trials()
    matrices = score_matrices(trials)  # default policy: worst
    done = trials[trials.status == "done"]
    lowest = done.groupby("env")["final_return"].min()  # over every agent
    ars, ddpg = matrices["ars"], matrices["ddpg"]
    assert ars.seeds[0] == tuple(range(7)) and ars.n_failed_scored == (1, 0)
    assert ars.runs[0][6] == lowest["Hop"] and ars.failed_policy == "worst"
    assert ddpg.seeds[1] == tuple(range(8)) and list(ddpg.runs[1][6:]) == [lowest["Swim"]] * 2
    assert ars.not_done == ({"failed": 1}, {})  # still counted
    with pytest.raises(InputError, match="failed policy must be 'worst'"):
        score_matrices(trials, failed_policy="drop")


def _twins(fraction_failed: float, seed: int) -> pd.DataFrame:
    """Two agents with the same score distribution; one fails on a fraction of its seeds."""
    rng = np.random.default_rng(seed)
    rows = []
    for agent in ("steady", "diverging"):
        for run in range(20):
            fails = agent == "diverging" and run < fraction_failed * 20
            score = np.nan if fails else rng.normal(100.0, 10.0)
            status = "failed" if fails else "done"
            rows.append((agent, "Hop", agent, run, status, score, score, score))
    columns = ["agent", "env", "config_id", "seed", "status", "final_return", "auc", "best_return"]
    return pd.DataFrame(rows, columns=columns)


@pytest.mark.parametrize("seed", range(5))
def test_an_agent_that_diverges_half_the_time_never_beats_its_twin(seed):
    trials = _twins(0.5, seed)
    result = compare(trials, agents=["diverging", "steady"], reps=300, seed=seed)
    improvement = result.pairs[0].probability_of_improvement
    # P(diverging > steady) by hand: a failed run loses to every steady run but the
    # lowest (a tie, counting 1/2), so it is at most half of the survivors' share
    x, y = score_matrices(trials)["diverging"].runs[0], score_matrices(trials)["steady"].runs[0]
    by_hand = np.mean((x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :]))
    assert improvement.estimate == pytest.approx(by_hand)
    assert improvement.estimate < 0.5
    welch = result.pairs[0].tasks[0].welch
    assert welch is not None and welch.statistic < 0
    (mean_x,), (mean_y,) = result.agents[0].task_means, result.agents[1].task_means
    assert mean_x.estimate < mean_y.estimate
    # survivors only: today's behaviour, the failures vanish
    survivors = compare(trials, agents=["diverging", "steady"], reps=300, seed=seed,
                        failed_policy="exclude")  # fmt: skip
    assert survivors.agents[0].tasks[0].n_runs == 10
    # each failed run adds at most a tie with the lowest steady run: the scored
    # estimate is half the survivors' plus at most 0.5 * 0.5 / 20
    survived = survivors.pairs[0].probability_of_improvement.estimate
    assert survived / 2 <= improvement.estimate <= survived / 2 + 0.5 * 0.5 / 20
    assert survivors.notes[0] == "failed runs excluded (survivors only)"


def test_compare_matches_the_array_functions():
    trials = _trials()
    result = compare(trials, normalize=(RANDOM, REFERENCE), reps=500, seed=3)
    matrices = score_matrices(trials)
    # ragged: the failed runs are scored, so the envs have 6 to 8 runs
    ars = [(r - low) / 100.0 for r, low in zip(matrices["ars"].runs, (0.0, 10.0), strict=True)]
    ddpg = [(r - low) / 100.0 for r, low in zip(matrices["ddpg"].runs, (0.0, 10.0), strict=True)]
    assert [len(r) for r in ars + ddpg] == [7, 6, 6, 8]
    expected = aggregate_intervals(ars, reps=500, seed=3)
    assert {i.statistic: i for i in result.agents[0].aggregates} == expected
    (pair,) = result.pairs
    assert pair.probability_of_improvement == probability_of_improvement(ars, ddpg, 500, 3)
    assert pair.tasks[0].welch == welch_test(ars[0], ddpg[0])
    welch_p = [t.welch.p_value for t in pair.tasks]
    assert [t.welch_p_holm for t in pair.tasks] == holm(welch_p).tolist()
    assert result.holm_family == 2 and result.normalized
    assert result.agents[1].not_done == ({}, {"failed": 2})


def test_compare_without_normalisation_keeps_only_per_env_numbers():
    result = compare(_trials(), reps=200)
    assert result.agents[0].aggregates == ()
    assert result.notes == (
        "failed runs score the env's lowest observed final_return (they rank last)",
        "aggregates over envs need normalised scores (use normalize)",
    )
    assert result.agents[0].task_means[0].method == "percentile, bootstrap"


def test_compare_nan_policy_names_agent_env_and_seed():
    trials = _trials()
    trials.loc[(trials.agent == "ddpg") & (trials.env == "Hop") & (trials.seed == 4), "auc"] = (
        np.nan
    )
    with pytest.raises(InputError) as error:
        compare(trials, metric="auc", reps=100)
    assert str(error.value) == (
        "agent 'ddpg' has 1 done trial(s) with NaN/inf auc on Hop (seeds 4); "
        "pass nan_policy='omit' to exclude them (the count is reported)"
    )
    result = compare(trials, metric="auc", reps=100, nan_policy="omit")
    assert result.agents[1].n_excluded == 1 and result.agents[1].tasks[0].n_runs == 5


def test_frame_errors():
    with pytest.raises(InputError, match="unknown agent 'arss'; did you mean 'ars'"):
        compare(_trials(), agents=["arss", "ddpg"])
    with pytest.raises(InputError, match="unknown metric 'return'"):
        compare(_trials(), metric="return")
    with pytest.raises(InputError, match="the trials table lacks column"):
        compare(_trials().drop(columns="status"))
    trials = _trials()
    with pytest.raises(InputError, match="ran on different envs"):
        compare(trials[~((trials.agent == "ddpg") & (trials.env == "Swim"))])
    trials.loc[(trials.agent == "ars") & (trials.seed == 0), "config_id"] = "other"
    with pytest.raises(InputError, match="agent 'ars' has 2 configs on env 'Hop'"):
        compare(trials)


def test_power_per_env():
    report = power(_trials(), "ars", effect=5.0, failed_policy="exclude")
    assert report.envs == ("Hop", "Swim")
    assert all(r.n_seeds is not None and r.pilot_runs == 6 for r in report.results)
    scored = power(_trials(), "ars", effect=5.0)  # the failed Hop run scored worst
    assert [r.pilot_runs for r in scored.results] == [7, 6]
    assert report.not_done == {"Hop": {"failed": 1}, "Swim": {}}
    default = power(_trials(), "ars")
    assert len(default.results) == 6  # 3 effect sizes x 2 envs


@pytest.fixture
def cli(monkeypatch):
    trials = _trials()
    monkeypatch.setattr(
        rlbench, "load", lambda path: types.SimpleNamespace(trials=trials), raising=False
    )
    from rlbench import cards

    monkeypatch.setattr(cards, "env_reference_scores", lambda envs: (RANDOM, REFERENCE))
    app = typer.Typer()
    app.command("compare")(compare_command)
    app.command("power")(power_command)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_compare_command_table_and_json(cli, tmp_path):
    result = cli("compare", str(tmp_path), "--normalize", "--reps", "300", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert "95% CI: percentile, stratified bootstrap (runs within tasks), 300 resamples" in (
        result.output
    )
    assert "Holm over 2 Welch tests" in result.output
    assert "failed (scored worst)" in result.output
    assert "note: failed runs score the env's lowest observed final_return" in result.output
    result = cli("compare", str(tmp_path), "--reps", "100", "--failed", "exclude")
    assert result.exit_code == 0 and "failed (excluded)" in result.output
    result = cli("compare", str(tmp_path), "--failed", "drop")
    assert str(result.exception) == "--failed: 'drop' is not allowed; expected worst or exclude"
    result = cli("compare", str(tmp_path), "--agents", "ars,ddpg", "--reps", "100", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pairs"][0]["probability_of_improvement"]["reps"] == 100
    assert data["agents"][1]["not_done"] == [{}, {"failed": 2}]
    assert data["agents"][1]["n_failed_scored"] == [0, 2] and data["failed_policy"] == "worst"


def test_power_command(cli, tmp_path):
    result = cli("power", str(tmp_path), "--agent", "ars", "--effect", "5")
    assert result.exit_code == 0, result.output
    assert "two-sided Welch t-test, noncentral t, alpha 0.05" in result.output
    result = cli("power", str(tmp_path), "--agent", "ars", "--effect", "5", "--sided", "one")
    assert result.exit_code == 0, result.output
    assert "Colas et al. 2018 compute_beta: one-sided" in result.output
    result = cli("power", str(tmp_path), "--agent", "ars", "--sided", "three")
    assert str(result.exception) == "--sided: 'three' is not allowed; expected one or two"
    result = cli("power", "--help")
    assert "[default: two]" in result.output
    result = cli("power", str(tmp_path), "--agent", "nope", "--json")
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == "unknown agent 'nope' (known: ars, ddpg)"


def test_commands_do_not_import_torch():
    code = (
        "import sys, rlbench.commands.compare_cmd, rlbench.stats.frame; "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_power_curves_against_the_best_agent_by_hand():
    """Each env: the agent with the lower mean against the best one, with Welch's
    power at the observed difference and the observed stds (worst-scored failures)."""
    from rlbench.stats import welch_power
    from rlbench.stats.frame import power_curves

    comparison = compare(_trials(), reps=50)
    curves = power_curves(comparison, alpha=0.1, max_seeds=12)
    assert list(curves) == ["Hop", "Swim"]
    for column, env in enumerate(comparison.envs):
        tasks = {a.agent: a.tasks[column] for a in comparison.agents}
        (curve,) = curves[env]
        best = max(tasks, key=lambda name: tasks[name].mean)
        other = next(name for name in tasks if name != best)
        assert (curve.reference, curve.agent) == (best, other)
        effect = tasks[best].mean - tasks[other].mean
        assert curve.effect == pytest.approx(effect)
        assert curve.n_seeds == tuple(range(2, 13)) and curve.alpha == 0.1
        expected = welch_power(np.arange(2, 13), effect, tasks[best].std, tasks[other].std, 0.1)
        np.testing.assert_allclose(curve.power, expected)
        assert curve.observed_seeds == tasks[other].n_runs
