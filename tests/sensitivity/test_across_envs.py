"""Cross-env sensitivity (Adkins et al. 2024) against a brute-force reading of its definitions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from rlbench.sensitivity.across_envs import across_envs
from tests.conftest import run_cli

ENVS = ("e0", "e1", "e2")
REFS = ({"e0": 0.0, "e1": -5.0, "e2": 1.0}, {"e0": 10.0, "e1": 20.0, "e2": 31.0})


def brute_force(trials, metric="final_return", normalize="percentile", target=0.95, refs=REFS):
    """The issue's definitions, written with groupby and itertools (no shared code)."""
    done = trials[trials["status"] == "done"].copy()
    if normalize == "percentile":
        p5 = done.groupby("env")[metric].quantile(0.05)
        p95 = done.groupby("env")[metric].quantile(0.95)
        pairs = zip(done[metric], done["env"], strict=True)
        done["g"] = [(s - p5[e]) / (p95[e] - p5[e]) for s, e in pairs]
    elif normalize == "reference":
        done["g"] = [(s - refs[0][e]) / (refs[1][e] - refs[0][e])
                     for s, e in zip(done[metric], done["env"], strict=True)]  # fmt: skip
    else:
        done["g"] = done[metric]
    out = {}
    for agent, rows in done.groupby("agent"):
        hps = [c for c in rows.columns if c.startswith("hp.")]
        swept = [c for c in hps if (rows.groupby("env")[c].nunique() > 1).any()]
        gamma = rows.groupby(["env", *swept])["g"].mean()
        envs = sorted(rows["env"].unique())
        per_env = np.mean([gamma[e].max() for e in envs])
        by_config = gamma.unstack("env") if swept else gamma.to_frame().T
        shared = by_config.dropna()
        means = shared.mean(axis=1)
        cross = means.max()
        best = means.index[int(np.argmax(means.to_numpy()))]
        best = best if isinstance(best, tuple) else (best,)
        dim = math.nan
        for k in range(len(swept) + 1):
            for tuned in itertools.combinations(range(len(swept)), k):
                scores = []
                for e in envs:
                    on_env = gamma[e]
                    keep = [
                        idx
                        for idx in on_env.index
                        if all(
                            (idx if isinstance(idx, tuple) else (idx,))[j] == best[j]
                            for j in range(len(swept))
                            if j not in tuned
                        )
                    ]
                    scores.append(on_env[keep].max())
                if np.mean(scores) >= target * per_env:
                    dim = k
                    break
            if not math.isnan(dim):
                break
        out[agent] = {
            "per_env_tuned": per_env,
            "cross_env_tuned": cross,
            "sensitivity": per_env - cross,
            "effective_dim": dim,
        }
    return out


def grid_table(optimum, seeds=3, noise=0.0, rng_seed=0, agent="a", scale=None):
    """Agent scores on a 3 x 3 grid of (a, b): 10 - 4|a - opt_a| - 10|b - opt_b| (+ noise)."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    for i, env in enumerate(ENVS):
        opt_a, opt_b = optimum(i)
        for a, b in itertools.product([1, 2, 3], [0.1, 0.2, 0.4]):
            for seed in range(seeds):
                score = 10 - 4 * abs(a - opt_a) - 10 * abs(b - opt_b) + noise * rng.normal()
                rows.append({
                    "agent": agent, "env": env, "seed": seed, "status": "done",
                    "config_id": f"{a}-{b}-{env}", "hp.a": a, "hp.b": b,
                    "hp.horizon": 100 * (i + 1),  # a per-env default: not part of a config
                    "final_return": score * (scale or 1 + i),
                })  # fmt: skip
    return pd.DataFrame(rows)


def check_against_brute_force(table, normalize, **kwargs):
    result = across_envs(table, normalize=normalize, reps=200, seed=1, references=REFS, **kwargs)
    expected = brute_force(table, normalize=normalize, **kwargs)
    for _, row in result.iterrows():
        for name, value in expected[row["agent"]].items():
            if math.isnan(value):
                assert math.isnan(row[name]), name
            else:
                assert row[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    return result


@pytest.mark.parametrize("normalize", ["percentile", "reference", "none"])
def test_shared_optimum_has_no_sensitivity(normalize):
    table = grid_table(lambda i: (2, 0.2))
    row = check_against_brute_force(table, normalize).iloc[0]
    assert row["sensitivity"] == pytest.approx(0, abs=1e-12)
    assert row["effective_dim"] == 0
    assert row["cross_env_config"] == {"a": 2, "b": 0.2}
    assert row["effective_hparams"] == ()
    assert row["tuned_hparams"] == ("a", "b")
    assert row["n_shared_configs"] == 9


@pytest.mark.parametrize("normalize", ["percentile", "reference", "none"])
def test_one_env_specific_hyperparameter_gives_dimension_one(normalize):
    table = grid_table(lambda i: (1 + i, 0.2))  # a's optimum moves with the env, b's does not
    row = check_against_brute_force(table, normalize).iloc[0]
    assert row["sensitivity"] > 0
    assert row["effective_dim"] == 1
    assert row["effective_hparams"] == ("a",)
    assert row["cross_env_config"]["b"] == 0.2


@pytest.mark.parametrize("normalize", ["percentile", "reference", "none"])
@pytest.mark.parametrize("target", [0.5, 0.95, 1.0])
def test_noisy_agents_match_brute_force(normalize, target):
    first = grid_table(lambda i: (1 + i, 0.1 * 2**i), noise=2.0, rng_seed=3)
    second = grid_table(lambda i: (2, 0.2), noise=2.0, rng_seed=4, agent="b", scale=1)
    table = pd.concat([first, second], ignore_index=True)
    table.loc[5, "status"] = "failed"  # left out, as in the brute force
    result = check_against_brute_force(table, normalize, target=target)
    assert list(result["agent"]) == ["a", "b"]
    assert any("failed" in note for note in result.attrs["notes"])


def test_without_seeds_no_intervals():
    table = grid_table(lambda i: (1 + i, 0.2), seeds=1).drop(columns=["seed"])
    result = check_against_brute_force(table, "none")
    assert result[[c for c in result.columns if c.endswith("_ci_low")]].isna().all().all()
    assert any("no seed column" in note for note in result.attrs["notes"])


def test_configs_missing_on_an_env_are_not_cross_env_candidates():
    table = grid_table(lambda i: (2, 0.2))
    # the shared optimum (2, 0.2) not run on e1: the cross-env config must be another
    table = table[~((table["env"] == "e1") & (table["hp.a"] == 2) & (table["hp.b"] == 0.2))]
    row = check_against_brute_force(table, "none").iloc[0]
    assert row["cross_env_config"] != {"a": 2, "b": 0.2}
    assert row["n_shared_configs"] == 8
    assert row["sensitivity"] > 0


def test_intervals_cover_the_estimate_and_are_reproducible():
    table = grid_table(lambda i: (1 + i, 0.1 * 2**i), seeds=5, noise=1.0)
    first = across_envs(table, reps=300, seed=7)
    again = across_envs(table, reps=300, seed=7)
    pd.testing.assert_frame_equal(first, again)
    row = first.iloc[0]
    for name in ("per_env_tuned", "cross_env_tuned", "sensitivity", "effective_dim"):
        assert row[f"{name}_ci_low"] <= row[name] <= row[f"{name}_ci_high"], name
    assert row["sensitivity_ci_high"] > row["sensitivity_ci_low"]
    other = across_envs(table, reps=300, seed=8).iloc[0]
    assert other["sensitivity_ci_low"] != row["sensitivity_ci_low"]


def test_bootstrap_matches_a_plain_resampling_loop():
    """The banked resampling against a loop that redraws every cell's seeds."""
    table = grid_table(lambda i: (1 + i, 0.2), seeds=4, noise=1.5, rng_seed=9)
    fast = across_envs(table, normalize="none", reps=2000, seed=0).iloc[0]
    rng = np.random.default_rng(5)
    values = []
    cells = {k: g["final_return"].to_numpy() for k, g in table.groupby(["env", "hp.a", "hp.b"])}
    for _ in range(400):
        gamma = {k: rng.choice(v, size=len(v)).mean() for k, v in cells.items()}
        frame = pd.Series(gamma).unstack(0)
        values.append(frame.max(axis=0).mean() - frame.mean(axis=1).max())
    low, high = np.quantile(values, [0.025, 0.975])
    width = high - low
    assert fast["sensitivity_ci_low"] == pytest.approx(low, abs=0.15 * width)
    assert fast["sensitivity_ci_high"] == pytest.approx(high, abs=0.15 * width)


def test_bad_settings_are_input_errors():
    table = grid_table(lambda i: (2, 0.2))
    from rlbench.errors import InputError

    with pytest.raises(InputError, match="unknown normalisation 'percentil'"):
        across_envs(table, normalize="percentil")
    with pytest.raises(InputError, match="lacks column"):
        across_envs(table, metric="auc")
    with pytest.raises(InputError, match=r"target must be in \(0, 1\]"):
        across_envs(table, target=1.5)
    flat = table.assign(final_return=1.0)
    with pytest.raises(InputError, match="env e0: the scores mapped to 0 and 1 are equal"):
        across_envs(flat)


def test_cli_table_and_json(tmp_path):
    path = tmp_path / "runs.csv"
    grid_table(lambda i: (1 + i, 0.2)).to_csv(path, index=False)
    out = run_cli("sensitivity", path, "--across-envs", "--json", "--reps", "100")
    assert out.returncode == 0, out.stderr
    import json

    rows = json.loads(out.stdout)["rows"]
    assert rows[0]["effective_dim"] == 1 and rows[0]["effective_hparams"] == ["a"]
    out = run_cli("sensitivity", path, "--across-envs", "--reps", "100", "--normalize", "none")
    assert out.returncode == 0, out.stderr
    assert "Cross-env sensitivity" in out.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("env,seed,final_return\ne0,0,1\n", "no 'agent' column"),
        ("agent,seed,final_return\na,0,1\n", "no 'env' column"),
        ("agent,env,seed,return\na,e0,0,1\n", "no metric column"),
        ("agent,env,seed,final_return\na,e0,0,1\na,e0,1,oops\n",
         "column 'final_return' must be numeric; line 3 holds 'oops'"),
    ],
)  # fmt: skip
def test_bad_tables_exit_2(tmp_path, text, message):
    path = tmp_path / "runs.csv"
    path.write_text(text)
    for command in (["sensitivity", path, "--across-envs"], ["compare", path]):
        out = run_cli(*command)
        assert out.returncode == 2
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], out.stderr


def test_draws_are_the_resamples_behind_the_intervals():
    first = grid_table(lambda i: (1 + i, 0.2), noise=1.0, rng_seed=1)
    second = grid_table(lambda i: (2, 0.2), noise=1.0, rng_seed=2, agent="b", scale=1)
    frame = across_envs(pd.concat([first, second], ignore_index=True), reps=300, seed=0)
    draws = frame.attrs["draws"]
    assert set(draws) == {"a", "b"}
    for _, row in frame.iterrows():
        values = draws[row["agent"]]["sensitivity"]
        assert values.shape == (300,)
        low, high = np.quantile(values, [0.025, 0.975])
        assert (row["sensitivity_ci_low"], row["sensitivity_ci_high"]) == (low, high)
    # the shared-optimum agent b is the less sensitive one, and the difference says so
    difference = draws["a"]["sensitivity"] - draws["b"]["sensitivity"]
    assert np.quantile(difference, 0.025) > 0
