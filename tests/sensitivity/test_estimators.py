"""Estimators of the sensitivity analysis on hand-computable and planted inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from rlbench.sensitivity import estimators as est


@pytest.mark.parametrize("stat", ["mean", "median", "iqm"])
def test_statistic_ignores_nan_like_scipy(stat):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(6, 9))
    values[0, 3] = np.nan
    values[2, :5] = np.nan
    values[4] = np.nan
    reference = {
        "mean": np.mean,
        "median": np.median,
        "iqm": lambda v: scipy.stats.trim_mean(v, 0.25),
    }[stat]
    expected = [reference(r[np.isfinite(r)]) if np.isfinite(r).any() else np.nan for r in values]
    np.testing.assert_allclose(est.statistic(values, stat), expected)


def test_fanova_on_a_2x2_grid_by_hand():
    y = np.array([[1.0, 3.0], [5.0, 11.0]])
    # grand 5; row effects -3, +3 -> V_a = 9; column effects -2, +2 -> V_b = 4;
    # interaction y - grand - rows - cols = [[1, -1], [-1, 1]] -> V_ab = 1; total 14
    shares = est.fanova_shares(y, 2)
    assert shares[(0,)] == pytest.approx(9 / 14)
    assert shares[(1,)] == pytest.approx(4 / 14)
    assert shares[(0, 1)] == pytest.approx(1 / 14)


def test_fanova_shares_sum_to_one_and_batch():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(7, 2, 3, 4))
    shares = est.fanova_shares(y, 3)
    np.testing.assert_allclose(sum(shares.values()), np.ones(7))
    single = est.fanova_shares(y[3], 3)
    assert all(shares[k][3] == pytest.approx(single[k]) for k in shares)


def test_icc_matches_hand_anova():
    groups = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])]
    anova = est.one_way_anova(groups, 0.95)
    # MSB = 3 * (2 - 3.5)^2 * 2 / 1 = 13.5, MSW = (2 + 2) / 4 = 1, n0 = 3
    assert anova["f"] == pytest.approx(13.5)
    assert anova["icc"] == pytest.approx(12.5 / 15.5)
    assert anova["var_config"] == pytest.approx(12.5 / 3)
    assert anova["lower"] < anova["icc"] < anova["upper"]


def test_tuning_gains_choose_on_tuning_seeds_only():
    scores = np.array([[0.0, 0.0, 0.0, 0.0], [5.0, -9.0, 5.0, -9.0], [1.0, 1.0, 1.0, 1.0]])
    candidates = np.ones(3, dtype=bool)
    gains = est.tuning_gains(scores, 0, candidates, "mean", np.array([[0, 2]]), np.array([[1, 3]]))
    assert gains.tolist() == [-9.0]  # config 1 wins on seeds 0, 2 and loses on 1, 3


def test_tunability_in_sample_is_optimistic_held_out_is_not():
    """All configs equal in truth: in-sample gain > 0 on average, held-out ~ 0."""
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(400, 8, 10))  # 400 replicates, 8 configs, 10 seeds
    in_sample, held_out = est.tunability_estimates(
        scores, 0, np.ones(8, dtype=bool), "mean", 5, 50, rng
    )
    standard_error = held_out.std() / np.sqrt(held_out.size)
    # E[max of 8 means of 10 N(0, 1)] - E[base mean] = 1.42 / sqrt(10) = 0.45
    assert in_sample.mean() == pytest.approx(0.45, abs=0.05)
    assert abs(held_out.mean()) < 3 * standard_error
    assert in_sample.mean() > held_out.mean() + 10 * standard_error


def test_binned_first_order_finds_the_active_parameter():
    rng = np.random.default_rng(4)
    x = rng.random((2, 60))
    y = 4 * x[0] + 0.1 * rng.standard_normal(60)
    shares = []
    for row in x:
        bins = (scipy.stats.rankdata(row, method="ordinal") - 1) * 5 // 60
        shares.append(est.binned_first_order(y[None], bins[None].astype(int), 5)[0])
    assert shares[0] > 0.8 and abs(shares[1]) < 0.15


def _grid_run(rng, effects, noise_sd, n_seeds, reps):
    """Observed and resampled seed means of a grid with independent seed noise."""
    shape = effects.shape
    scores = effects.reshape(-1)[:, None] + noise_sd * rng.normal(size=(effects.size, n_seeds))
    observed = est.statistic(scores, "mean")
    resampled = est.resampled_statistics(scores, "mean", est.seed_resamples(n_seeds, reps, rng))
    return scores, observed.reshape(shape), resampled.T.reshape((reps, *shape))


def test_corrected_fanova_main_effect_plus_noise_has_no_interaction():
    from rlbench.sensitivity.decomposition import corrected_fanova

    rng = np.random.default_rng(4)
    effects = np.array([0.0, 3.0, 6.0])[:, None] + np.zeros((1, 3))  # a only
    raw, corrected, main = [], [], []
    for _ in range(40):
        _, observed, resampled = _grid_run(rng, effects, 3.0, 6, 400)
        point, _, _ = corrected_fanova(observed, resampled, 2, 6)
        raw.append(est.fanova_shares(observed, 2)[(0, 1)])
        corrected.append(point[(0, 1)])
        main.append(point[(0,)])
    # by expected mean squares: noise 9 / 6 per cell on 4 of 8 df, i.e. E[V_ab] = 2/3
    # of a total near 6 + 4/3: the raw share is about 0.09, the corrected one 0
    assert np.mean(raw) == pytest.approx(0.09, abs=0.025)
    assert abs(np.mean(corrected)) < 3 * np.std(corrected) / np.sqrt(40) + 0.005
    assert np.mean(main) == pytest.approx(1.0, abs=0.03)


def test_corrected_fanova_noise_of_a_2x2_interaction_is_the_contrasts_variance():
    """On a 2 x 2 grid, V_ab = c^2 with c = (y00 - y01 - y10 + y11) / 4; the noise in it
    is the variance of the mean contrast over seeds, s_c^2 / n (seeds crossed)."""
    from rlbench.sensitivity.decomposition import corrected_fanova

    rng = np.random.default_rng(9)
    n_seeds = 8
    seed_effect = rng.normal(size=n_seeds)  # shared by every cell: cancels in c
    cells = np.array([1.0, 2.0, 4.0, 3.0])[:, None] + seed_effect + rng.normal(size=(4, n_seeds))
    observed = cells.mean(axis=1).reshape(2, 2)
    indices = est.seed_resamples(n_seeds, 40_000, rng)
    resampled = est.resampled_statistics(cells, "mean", indices).T.reshape((40_000, 2, 2))
    _, _, noise = corrected_fanova(observed, resampled, 2, n_seeds)
    contrast = (cells[0] - cells[1] - cells[2] + cells[3]) / 4  # per seed
    total = est.fanova_terms(observed, 2)[1]
    assert noise[(0, 1)] * total == pytest.approx(contrast.var(ddof=1) / n_seeds, rel=0.03)
    point, _, _ = corrected_fanova(observed, resampled, 2, n_seeds)
    assert sum(point.values()) == pytest.approx(1.0)


def test_two_way_icc_matches_pingouin_and_hand_mean_squares():
    import pandas as pd
    import pingouin

    from rlbench.sensitivity.decomposition import two_way_anova

    rng = np.random.default_rng(2)
    n, k = 6, 5
    scores = 2 * rng.normal(size=(n, 1)) + rng.normal(size=(1, k)) + rng.normal(size=(n, k))
    result = two_way_anova(scores, 0.95)
    long = pd.DataFrame(
        [(i, j, scores[i, j]) for i in range(n) for j in range(k)], columns=["c", "s", "y"]
    )
    theirs = pingouin.intraclass_corr(long, targets="c", raters="s", ratings="y")
    row = theirs.set_index("Type").loc["ICC(A,1)"]
    assert result["icc"] == pytest.approx(row["ICC"], rel=1e-12)
    assert result["f"] == pytest.approx(row["F"], rel=1e-12)
    # pingouin rounds its CI to 2 decimals
    assert (result["lower"], result["upper"]) == pytest.approx(tuple(row["CI95"]), abs=0.005)
    # mean squares by hand: rows, columns, residual
    grand = scores.mean()
    msr = k * ((scores.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((scores.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    sse = ((scores - grand) ** 2).sum() - (n - 1) * msr - (k - 1) * msc
    mse = sse / ((n - 1) * (k - 1))
    assert result["var_config"] == pytest.approx((msr - mse) / k)
    assert result["var_seed"] == pytest.approx((msc - mse) / n)
    assert result["var_residual"] == pytest.approx(mse)
