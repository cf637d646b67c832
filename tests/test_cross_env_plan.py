"""plan: absolute (the same values on every env) and the dry run's cross-env verdict."""

from __future__ import annotations

import re

import pytest

from rlbench.cross_env_check import cross_env_support
from rlbench.errors import InputError
from rlbench.spec import parse_suite
from rlbench.suite_compiler import expand
from tests.conftest import run_cli

GRID = {"plan": "absolute", "values": {"step_size": [0.01, 0.02], "noise": [0.03]}}


FIXED = {"variant": "V1", "n_directions": 8, "top_directions": 8}


def suite(perturb, envs=("rlbench/LQR-v0", "Pendulum-v1"), seeds=2, hparams=FIXED):
    return parse_suite({
        "name": "t", "envs": list(envs), "seeds": seeds, "budget": {"steps": 600},
        "eval": {"every": 300, "episodes": 1},
        "agents": [{"card": "ars", "hparams": hparams, "perturb": perturb}],
    })  # fmt: skip


def swept(plan, env):
    return sorted(
        (c.hparams["step_size"], c.hparams["noise"]) for c in plan.configs if c.env == env
    )


def test_absolute_grid_is_the_same_on_every_env():
    plan = expand(suite(GRID))
    assert swept(plan, "rlbench/LQR-v0") == swept(plan, "Pendulum-v1") == [
        (0.01, 0.03), (0.02, 0.03)
    ]  # fmt: skip
    assert all(c.perturbation["kind"] == "grid" for c in plan.configs)  # no base config added
    assert cross_env_support(plan) == [
        "cross-env analysis, ars: supported: 2 configs of step_size shared by 2 envs"
    ]


def test_absolute_sample_is_the_same_on_every_env_and_follows_its_seed():
    ranges = {"step_size": {"scale": "log", "low": 0.001, "high": 0.1},
              "noise": {"scale": "linear", "low": 0.01, "high": 0.05}}  # fmt: skip
    plan = expand(suite({"plan": "absolute", "ranges": ranges, "n": 4, "seed": 3}))
    lqr = swept(plan, "rlbench/LQR-v0")
    assert lqr == swept(plan, "Pendulum-v1") and len(set(lqr)) == 4
    assert all(0.001 <= s <= 0.1 and 0.01 <= n <= 0.05 for s, n in lqr)
    assert lqr == swept(expand(suite({"plan": "absolute", "ranges": ranges, "n": 4, "seed": 3})),
                        "rlbench/LQR-v0")  # fmt: skip
    other = expand(suite({"plan": "absolute", "ranges": ranges, "n": 4, "seed": 4}))
    assert swept(other, "rlbench/LQR-v0") != lqr


def test_factor_plans_around_per_env_defaults_share_no_config():
    # the card's step sizes on Swimmer and Walker2d (0.02, 0.03): factors scale different bases
    plan = expand(suite({"plan": "one-at-a-time", "params": ["step_size"], "factors": [0.5, 2]},
                        envs=("Swimmer-v5", "Walker2d-v5")))  # fmt: skip
    (line,) = cross_env_support(plan)
    assert "not supported: no config has the same" in line
    assert "factors scale each env's own defaults" in line and "plan: absolute" in line


def test_per_env_defaults_outside_the_plan_are_named():
    plan = expand(suite(GRID, envs=("Swimmer-v5", "Hopper-v5"), hparams={"variant": "V1"}))
    (line,) = cross_env_support(plan)
    assert line.startswith("cross-env analysis, ars: supported: 2 configs of step_size")
    assert "n_directions, shift, top_directions differ between envs (per-env defaults)" in line


def test_one_env_or_one_seed():
    (line,) = cross_env_support(expand(suite(GRID, envs=("Pendulum-v1",))))
    assert line == "cross-env analysis, ars: not supported: one env (Pendulum-v1); it needs several"
    (line,) = cross_env_support(expand(suite(GRID, seeds=1)))
    assert line.endswith("one seed: no intervals")


@pytest.mark.parametrize(
    ("perturb", "message"),
    [
        ({"plan": "absolute"}, "give either values (a grid) or ranges with n"),
        ({"plan": "absolute", "ranges": {"noise": {"scale": "log", "low": 0.1, "high": 1}}},
         "ranges need n"),
        ({"plan": "absolute", "values": {"noise": [0.1]}, "n": 3}, "n goes with ranges"),
        ({"plan": "absolute", "values": {"nois": [0.1]}}, "did you mean 'noise'"),
    ],
)  # fmt: skip
def test_bad_absolute_plans(perturb, message):
    with pytest.raises(InputError, match=re.escape(message)) as error:
        expand(suite(perturb))
    assert "agents.0.perturb" in str(error.value) or "agents[0].perturb" in str(error.value)


def test_dry_run_prints_the_verdict():
    done = run_cli("run", "cross-env", "--dry-run")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert (
        "cross-env analysis, ars-v1: supported: 9 configs of noise, step_size shared by 3" in text
    )
