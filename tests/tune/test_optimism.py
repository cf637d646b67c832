"""Optimism is real: selecting on tuning seeds inflates the in-sample score, not the held-out one.

A synthetic agent whose score on a seed is a config effect plus seed noise,
tuned many times in-process with the same selection code as ``rlbench tune``
(the Optuna `Search`, `run_search`, `select_top` via ``Search.top``, the
objective `statistic` and the held-out `interval`); only the trials are
simulated.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from rlbench.spec import parse_suite
from rlbench.tune.scores import interval, optimism, statistic
from rlbench.tune.spec import draw_seeds, resolve
from rlbench.tune.study import Search, run_search
from tests.tune.conftest import tune_suite

NOISE = 1.0  # std of a seed's score around its config's effect


def effect(params: dict) -> float:
    """True score of a config: peaks at step_size = 0.01; noise does not matter."""
    return -0.5 * (math.log10(params["step_size"]) + 2.0) ** 2


def seed_score(rep: int, number: int, seed: int, params: dict, noise: float = NOISE) -> float:
    rng = np.random.default_rng([rep, number, seed])
    return effect(params) + noise * float(rng.standard_normal())


def tune_once(plan, rep: int, noise: float = NOISE):
    spec = plan.spec.model_copy(update={"seed": rep})
    tuning, test = draw_seeds(rep, spec.tuning_seeds, spec.test_seeds)
    plan = dataclasses.replace(plan, spec=spec, tuning_seeds=tuning, test_seeds=test)
    search = Search(plan, storage=None)

    def evaluate(batch):
        out = []
        for c in batch:
            scores = np.array([seed_score(rep, c.number, s, c.params, noise) for s in tuning])
            out.append((statistic(scores, spec.objective.stat), {}))
        return out

    run_search(search, evaluate)
    chosen = search.top(1)[0]
    in_sample = np.array([seed_score(rep, chosen.number, s, chosen.params) for s in tuning])
    held_out = np.array([seed_score(rep, chosen.number, s, chosen.params) for s in test])
    truth = effect(chosen.params)
    held = interval(held_out, "mean", reps=200, seed=rep)
    gap = optimism(in_sample, held_out, "mean", reps=200, seed=rep)
    return chosen.value - truth, held["value"] - truth, gap["value"], search


def test_in_sample_is_biased_upward_and_held_out_is_not():
    body = tune_suite(
        sampler="random", trials=16, batch=4, tuning_seeds=3, test_seeds=12, retest_top=1
    )
    plan = resolve(parse_suite(body))
    runs = [tune_once(plan, rep) for rep in range(60)]
    bias_in = np.array([r[0] for r in runs])
    bias_out = np.array([r[1] for r in runs])
    gaps = np.array([r[2] for r in runs])
    se_in = bias_in.std(ddof=1) / math.sqrt(len(bias_in))
    se_out = bias_out.std(ddof=1) / math.sqrt(len(bias_out))
    # the in-sample score of the selected config is optimistic, clearly (the max of 16
    # noisy means of 3 seeds: about +1 noise SE of a 3-seed mean, 0.58, in expectation)
    assert bias_in.mean() - 3 * se_in > 0.2, (bias_in.mean(), se_in)
    # the held-out estimate on disjoint seeds is unbiased: its mean error is within 3 SE of 0
    assert abs(bias_out.mean()) < 3 * se_out, (bias_out.mean(), se_out)
    # and the measured optimism estimates the in-sample bias
    assert abs(gaps.mean() - (bias_in - bias_out).mean()) < 1e-9
    assert gaps.mean() > 0.2


def test_importance_finds_the_parameter_that_matters():
    plan = resolve(parse_suite(tune_suite(sampler="random", trials=30, batch=5,
                                          tuning_seeds=3, retest_top=1)))  # fmt: skip
    *_, search = tune_once(plan, 7, noise=0.02)  # the effect spans 0.25: it dominates
    importance = search.importance()
    assert importance["fanova"]["step_size"] > importance["fanova"]["noise"]
    assert importance["ped_anova"]["step_size"] > importance["ped_anova"]["noise"]


def test_same_seed_same_configurations_in_memory():
    plan = resolve(parse_suite(tune_suite(sampler="tpe", trials=8, batch=3)))
    first = tune_once(plan, 3)[3]
    again = tune_once(plan, 3)[3]
    assert [t.params for t in first.kept()] == [t.params for t in again.kept()]
