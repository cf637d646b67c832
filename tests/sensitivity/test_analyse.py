"""`analyse` on synthetic trials with planted structure."""

from __future__ import annotations

import numpy as np
import pytest

from rlbench.errors import InputError
from rlbench.sensitivity import analyse
from tests.sensitivity.synthetic import fragile_and_sturdy, frame, grid_trials, oat_trials

REFERENCES = ({"E": 0.0}, {"E": 1.0})


def _planted_grid(seed=0):
    rng = np.random.default_rng(seed)
    a = np.array([0.0, 3.0, 6.0])  # strong
    b = np.array([0.0, 1.0, 2.0])  # weak
    c = np.array([0.0, 0.0, 0.0])  # inert
    surface = a[:, None, None] + b[None, :, None] + c[None, None, :]
    values = {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}
    return surface, grid_trials(surface, values, seed_sd=1.0, n_seeds=12, rng=rng)


def test_planted_grid_variance_shares_and_importance():
    surface, trials = _planted_grid()
    result = analyse(trials, stat="mean", reps=300)
    (variance,) = result.variance
    var_config = surface.ravel().var(ddof=1)
    planted = var_config / (var_config + 1.0**2)
    assert variance.icc.lower <= planted <= variance.icc.upper
    assert variance.design == "two-way" and variance.icc.statistic.startswith("ICC(A,1)")
    # no seed main effect was planted: its component is near 0, the residual near 1
    assert abs(variance.var_seed) < 0.15 and variance.var_residual == pytest.approx(1, abs=0.2)
    # a failed run leaves the table incomplete: the one-way ICC(1), labelled so
    broken = trials.copy()
    broken.loc[broken.index[0], ["status", "final_return"]] = ["failed", np.nan]
    (one_way,) = analyse(broken, stat="mean", reps=50).variance
    assert one_way.design == "one-way" and "one-way" in one_way.icc.statistic
    # exactly additive in configs and seeds: no residual, no two-way F test
    additive = trials.copy()
    index = {c: i for i, c in enumerate(sorted(additive["config_id"].unique()))}
    additive["final_return"] = additive["config_id"].map(index) + 0.5 * additive["seed"]
    (fallback,) = analyse(additive, stat="mean", reps=50).variance
    assert fallback.design == "one-way" and np.isfinite(fallback.icc.estimate)
    (importance,) = result.importance
    shares = dict(zip(importance.terms, importance.shares, strict=True))
    assert shares["a"].estimate > shares["b"].estimate > shares["c"].estimate
    # planted main effects: V_a = 6, V_b = 2/3, V_c = 0 of 6 + 2/3; the seed noise in
    # the cell means (variance 1/12 each) is subtracted from every term
    assert shares["a"].estimate == pytest.approx(6 / (6 + 2 / 3), abs=0.02)
    assert shares["b"].estimate == pytest.approx((2 / 3) / (6 + 2 / 3), abs=0.02)
    assert abs(shares["c"].estimate) < 0.01 and shares["c"].lower < 0 < shares["c"].upper
    assert importance.method == "fANOVA, full grid, seed noise subtracted"
    assert any("no base config" in note for note in result.notes)
    assert any("no threshold" in note for note in result.notes)


@pytest.mark.parametrize("seed", range(2))
def test_fanova_interaction_share_of_main_effect_plus_noise_is_zero(seed):
    """A main effect of a, nothing else, loud seed noise: the corrected a:b share is
    below the uncorrected one and its interval reaches below 0."""
    from rlbench.sensitivity import estimators as est

    rng = np.random.default_rng(seed)
    surface = np.array([0.0, 3.0, 6.0])[:, None] + np.zeros((1, 3))
    trials = grid_trials(surface, {"a": [1, 2, 3], "b": [1, 2, 3]}, 3.0, 6, rng)
    (importance,) = analyse(trials, stat="mean", reps=1000).importance
    shares = dict(zip(importance.terms, importance.shares, strict=True))
    noise = dict(zip(importance.terms, importance.noise_shares, strict=True))
    # the uncorrected fANOVA of the cell means (config ids sort in grid order)
    means = trials.groupby("config_id", sort=True)["final_return"].mean().to_numpy()
    raw = est.fanova_shares(means.reshape(3, 3), 2)
    # noise per cell 9 / 6, on 4 of the 8 df: about 0.67 of a total near 7.3
    assert noise["a:b"] > 0 and shares["a:b"].estimate < raw[(0, 1)]
    assert shares["a:b"].lower < 0.0  # consistent with no interaction (the average
    # over many such grids is checked in test_estimators)
    assert shares["a"].upper > 0.95


def test_one_at_a_time_agents_curves_success_and_ranking():
    rows = fragile_and_sturdy()
    result = analyse(frame(rows), reps=400, references=REFERENCES)
    curve = next(c for c in result.curves if (c.agent, c.param) == ("fragile", "lr"))
    assert [p.x for p in curve.points] == [0.5, 1.0, 2.0]
    assert [p.is_base for p in curve.points] == [False, True, False]
    assert curve.points[2].n_failed == 1 and curve.points[2].metric.runs_per_task == (7,)
    assert curve.points[2].difference.upper < -0.6  # planted -0.8, paired by seed
    success = next(s for s in result.success if s.agent == "fragile")
    lrx2 = next(c for c in success.configs if c.label == "lrx2")
    assert lrx2.rate.trials == 8 and lrx2.rate.successes == 0  # the failed seed counts
    assert success.median_success.estimate == pytest.approx(1 / 5)  # only base succeeds
    ranking = result.ranking
    assert [a.agent for a in ranking.agents] == ["sturdy", "fragile"]
    (pair,) = ranking.pairs
    assert (pair.agent_x, pair.agent_y) == ("fragile", "sturdy") and pair.difference.lower > 0.3
    robust = next(r for r in result.robustness if r.agent == "fragile")
    assert robust.worst.estimate == pytest.approx(0.2, abs=0.1) and robust.scale == "normalised"
    assert any("1 failed" in note for note in result.notes)
    tuned = {t.param: t for t in result.tunability if t.agent == "sturdy"}
    assert set(tuned) == {"lr", "noise", "all"} and tuned["all"].n_candidates == 5


def test_ranking_separates_movement_from_drop():
    """An agent whose perturbations help moves as much as one whose perturbations hurt:
    the same |change| (0.2, by hand), opposite signed drops (-0.2 and +0.2)."""
    rng = np.random.default_rng(8)
    helped = {"lr": {0.5: 0.2, 2.0: 0.2}}
    hurt = {"lr": {0.5: -0.2, 2.0: -0.2}}
    rows = oat_trials("helped", "E", 0.5, helped, 1e-6, 6, rng)
    rows += oat_trials("hurt", "E", 0.5, hurt, 1e-6, 6, rng)
    ranking = analyse(frame(rows), stat="mean", reps=200, references=REFERENCES).ranking
    by_agent = {a.agent: a for a in ranking.agents}
    for agent, drop in (("helped", -0.2), ("hurt", 0.2)):
        assert by_agent[agent].sensitivity.estimate == pytest.approx(0.2, abs=1e-4)
        assert by_agent[agent].drop.estimate == pytest.approx(drop, abs=1e-4)
    assert by_agent["hurt"].sensitivity.statistic == "mean |normalised change| from base"
    assert by_agent["hurt"].drop.statistic.startswith("mean normalised drop from base")


def test_single_config_says_what_it_cannot_compute():
    rng = np.random.default_rng(6)
    rows = oat_trials("solo", "E", 1.0, {}, 0.1, 5, rng)
    result = analyse(frame(rows), reps=100, references=REFERENCES)
    assert not result.curves and not result.tunability and result.ranking is None
    assert any("single config" in note for note in result.notes)


def test_random_plan_importance_is_binned():
    rng = np.random.default_rng(7)
    rows = []
    from tests.sensitivity.synthetic import _row

    for k in range(30):
        hp = {"lr": float(rng.uniform(0, 1)), "noise": float(rng.uniform(0, 1))}
        for seed in range(4):
            value = 5 * hp["lr"] + 0.1 * rng.standard_normal()
            rows.append(_row("r", "E", f"c{k}", seed, value, "random", f"random#{k}", hp))
    result = analyse(frame(rows), reps=200)
    (importance,) = result.importance
    shares = dict(zip(importance.terms, importance.shares, strict=True))
    assert shares["lr"].estimate > 0.7 and shares["noise"].estimate < 0.2
    assert [c.kind for c in result.curves] == ["random", "random"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metric": "return"}, "unknown metric 'return'"),
        ({"stat": "mode"}, "unknown statistic 'mode'"),
        ({"tuning_seeds": 0}, "tuning_seeds must be a positive int, got 0"),
        ({"reps": 0}, "reps must be a positive int, got 0"),
    ],
)
def test_bad_input_is_an_input_error(kwargs, message):
    _, trials = _planted_grid()
    with pytest.raises(InputError, match=message):
        analyse(trials, **kwargs)


def test_missing_columns_named():
    _, trials = _planted_grid()
    with pytest.raises(InputError, match="lacks column\\(s\\) perturb_kind"):
        analyse(trials.drop(columns=["perturb_kind"]))


def test_json_roundtrip_is_plain():
    import json

    rng = np.random.default_rng(8)
    rows = oat_trials("a", "E", 1.0, {"lr": {0.5: 0.0}}, 0.1, 4, rng, threshold=0.5)
    result = analyse(frame(rows), reps=50, references=REFERENCES)
    assert json.loads(json.dumps(result.to_dict()))["stat"] == "iqm"


def test_all_failed_is_reported_not_computed(recwarn):
    rng = np.random.default_rng(9)
    failed = {(label, seed) for label in ("base", "lrx0.5", "lrx2") for seed in range(4)}
    rows = oat_trials("a", "E", 1.0, {"lr": {0.5: 0.0, 2.0: 0.0}}, 0.1, 4, rng, failed=failed)
    rows += oat_trials("b", "E", 1.0, {"lr": {0.5: 0.0}}, 0.1, 4, rng)
    result = analyse(frame(rows), reps=50, references=REFERENCES)
    assert not [t for t in result.tunability if t.agent == "a"]
    assert not [r for r in result.robustness if r.agent == "a"]
    assert result.ranking is None
    assert any("a on E: 12 failed" in note for note in result.notes)
    assert any("base config has no finite run" in note for note in result.notes)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
