"""``rlbench import`` on sources written by the real libraries (SB3's EvalCallback,
Monitor and TensorBoard logger; the rl-baselines3-zoo run layout), then read back."""

from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
import yaml

import rlbench
from rlbench.importers import at_grid
from tests.conftest import run_cli

RUNS = [("CartPole-v1", 0, 256), ("CartPole-v1", 1, 192), ("Pendulum-v1", 0, 256)]


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """A2C runs written as a zoo logs folder, Monitor files and TensorBoard events."""
    pytest.importorskip("tensorboard")
    import gymnasium as gym
    from stable_baselines3 import A2C
    from stable_baselines3.common.callbacks import EvalCallback
    from stable_baselines3.common.monitor import Monitor

    root = tmp_path_factory.mktemp("sources")
    hparams = {"learning_rate": 0.0007, "n_steps": 8, "policy": "MlpPolicy",
               "policy_kwargs": "dict(net_arch=[16])"}  # fmt: skip
    for env_id, seed, steps in RUNS:
        run_dir = root / "zoo" / "a2c" / f"{env_id}_{seed + 1}"
        (run_dir / env_id).mkdir(parents=True)
        (root / "monitor").mkdir(exist_ok=True)
        env = Monitor(gym.make(env_id), str(root / "monitor" / f"{env_id}-{seed}"))
        model = A2C(
            "MlpPolicy", env, n_steps=8, seed=seed, policy_kwargs={"net_arch": [16]},
            tensorboard_log=str(root / "tb"), device="cpu",
        )  # fmt: skip
        callback = EvalCallback(
            Monitor(gym.make(env_id)), eval_freq=64, n_eval_episodes=2, log_path=str(run_dir),
            verbose=0,
        )  # fmt: skip
        model.learn(steps, callback=callback, tb_log_name=f"{env_id}-{seed}")
        # what rl_zoo3's ExpManager saves beside each run (yaml.dump of OrderedDicts)
        (run_dir / env_id / "config.yml").write_text(
            yaml.dump(OrderedDict(sorted({**hparams, "n_timesteps": steps}.items())))
        )
        args = {"algo": "a2c", "env": env_id, "seed": seed, "n_timesteps": -1, "eval_freq": 64}
        (run_dir / env_id / "args.yml").write_text(yaml.dump(OrderedDict(sorted(args.items()))))
    return root


def test_at_grid_carries_the_last_value_and_never_extrapolates():
    steps, values = np.array([10, 20, 40]), np.array([1.0, 2.0, 4.0])
    got = at_grid(steps, values, np.array([0, 10, 15, 20, 39, 40, 41, 80]))
    np.testing.assert_array_equal(got, [np.nan, 1, 1, 2, 2, 4, np.nan, np.nan])


def test_zoo_logs(sources, tmp_path):
    out = tmp_path / "zoo"
    done = run_cli("import", sources / "zoo", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "imported 3 runs" in done.stderr
    results = rlbench.load(out)
    trials = results.trials
    assert sorted(zip(trials["env"], trials["seed"], strict=True)) == [
        ("CartPole-v1", 0), ("CartPole-v1", 1), ("Pendulum-v1", 0)
    ]  # fmt: skip
    assert set(trials["agent"]) == {"a2c"}
    assert set(trials["hp.n_steps"]) == {8}
    assert set(trials["hp.policy_kwargs"]) == {"dict(net_arch=[16])"}
    for _, row in trials.iterrows():
        env_id, seed = row["env"], row["seed"]
        log = np.load(sources / "zoo" / "a2c" / f"{env_id}_{seed + 1}" / "evaluations.npz")
        means = log["results"].mean(axis=1)
        assert row["final_return"] == pytest.approx(means[-1])
        assert row["best_return"] == pytest.approx(means.max())
        assert row["budget_steps"] == log["timesteps"][-1]
        curve = results.curves[results.curves["trial_id"] == row["trial_id"]]
        # grid steps equal to logged steps carry exactly that evaluation
        logged = dict(zip(log["timesteps"], means, strict=True))
        for step, value in zip(curve["step"], curve["return_mean"], strict=True):
            assert step <= log["timesteps"][-1]  # nothing past the run's last evaluation
            if step in logged:
                assert value == pytest.approx(logged[step])
    # the shorter run (192 steps) has no value on the grid beyond its end
    short = trials[(trials["env"] == "CartPole-v1") & (trials["seed"] == 1)].iloc[0]
    assert results.curves[results.curves["trial_id"] == short["trial_id"]]["step"].max() <= 192
    manifest = json.loads((out / "import.json").read_text())
    assert manifest["format"] == "rlbench-import" and manifest["provenance"] is None
    assert (results.trials["provenance"] == "null").all()
    # every analysis command reads the folder
    for command in (
        ["compare", out],
        ["sensitivity", out, "--across-envs", "--reps", "50", "--normalize", "reference"],
    ):
        done = run_cli(*command)
        assert done.returncode == 0, done.stderr


def test_monitor_files(sources, tmp_path):
    out = tmp_path / "monitor"
    done = run_cli("import", sources / "monitor", "--out", out, "--agent", "a2c", "--every", "50")
    assert done.returncode == 0, done.stderr
    results = rlbench.load(out)
    assert sorted(results.trials["env"]) == ["CartPole-v1", "CartPole-v1", "Pendulum-v1"]
    monitor = pd.read_csv(sources / "monitor" / "CartPole-v1-0.monitor.csv", skiprows=1)
    row = results.trials[(results.trials["env"] == "CartPole-v1")].iloc[0]
    assert row["final_return"] == pytest.approx(monitor["r"].tail(10).mean())
    assert row["budget_steps"] == monitor["l"].sum()
    steps = results.curves["step"]
    assert ((steps % 50 == 0) | (steps == steps.max())).all()  # the grid, and its last step
    assert results.curves["episodes"].max() >= 1


def test_tensorboard_scalars_match_the_eval_callback(sources, tmp_path):
    out = tmp_path / "tb"
    done = run_cli("import", sources / "tb", "--out", out, "--agent", "a2c")
    assert done.returncode == 0, done.stderr
    trials = rlbench.load(out).trials
    assert len(trials) == 3
    for _, row in trials.iterrows():
        env_id, seed = row["source_file"].rsplit("_", 1)[0].rsplit("-", 1)
        log = np.load(sources / "zoo" / "a2c" / f"{env_id}_{int(seed) + 1}" / "evaluations.npz")
        assert row["final_return"] == pytest.approx(log["results"].mean(axis=1)[-1], rel=1e-6)


def test_bad_sources_exit_2(sources, tmp_path):
    cases = [
        (["import", sources / "zoo", "--out", sources], "already exists"),
        (["import", tmp_path / "nowhere", "--out", tmp_path / "x"], "no such file or folder"),
        (["import", sources / "tb", "--out", tmp_path / "y", "--tag", "eval/nope"],
         "no scalar 'eval/nope'; --tag is one of:"),
        (["import", sources / "zoo", "--out", tmp_path / "z", "--format", "zo"],
         "did you mean 'zoo'"),
    ]  # fmt: skip
    broken = tmp_path / "broken" / "a2c" / "CartPole-v1_1"
    broken.mkdir(parents=True)
    np.savez(broken / "evaluations.npz", timesteps=np.array([1]), results=np.zeros((1, 1)))
    cases.append((["import", tmp_path / "broken", "--out", tmp_path / "w"], "no saved config"))
    for args, message in cases:
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], done.stderr
    assert not (tmp_path / "y").exists() and not (tmp_path / "w").exists()
