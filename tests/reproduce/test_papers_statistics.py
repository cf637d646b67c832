"""The Colas and Henderson analyses on synthetic results: the paper's statistics."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from rlbench.reproduce import colas2018, henderson2018


def _results(final: np.ndarray, curves: np.ndarray | None = None) -> types.SimpleNamespace:
    seeds = np.arange(len(final))
    trials = pd.DataFrame(
        {
            "trial_id": [f"t{s}" for s in seeds],
            "seed": seeds,
            "status": "done",
            "final_return": final,
            "auc": final,
        }
    )
    rows = []
    if curves is not None:
        for s, curve in zip(seeds, curves, strict=True):
            rows += [
                {"trial_id": f"t{s}", "step": 100 * (j + 1), "return_mean": v}
                for j, v in enumerate(curve)
            ]
    return types.SimpleNamespace(trials=trials, curves=pd.DataFrame(rows))


def test_colas_rows_use_the_papers_formula_and_no_invented_rates(tmp_path):
    runs = np.random.default_rng(0).normal(size=20)
    rows, preamble = colas2018.analyse(_results(runs), "smoke", tmp_path)
    seeds = [r for r in rows if r.quantity.startswith("seeds per agent")]
    assert [(r.paper, r.ours, r.inside) for r in seeds] == [
        (51, 51, True),
        (14, 14, True),
        (5, 5, True),
    ]
    assert "64 seeds" in seeds[0].note  # the two-sided count beside it
    rates = [r for r in rows if r.quantity.startswith("false-positive rate")]
    assert {r.quantity.rsplit("= ", 1)[1] for r in rates} == {"2", "3", "5", "10"}
    assert all(r.paper is None and r.status == "unverified" and r.inside is None for r in rates)
    assert "without replacement" in preamble


def test_henderson_curve_rows_are_the_averaged_per_point_t_test(tmp_path):
    rng = np.random.default_rng(1)
    curves = rng.normal(size=(10, 6)).cumsum(axis=1)
    rows, _ = henderson2018.analyse(_results(curves[:, -1], curves), "smoke", tmp_path)
    mean_t, mean_p = rows[0], rows[1]
    per_point = [scipy.stats.ttest_ind(curves[:5, j], curves[5:, j]) for j in range(6)]
    assert mean_t.ours == pytest.approx(np.mean([r.statistic for r in per_point]), rel=1e-12)
    assert mean_p.ours == pytest.approx(np.mean([r.pvalue for r in per_point]), rel=1e-12)
    assert (mean_t.paper, mean_p.paper) == (henderson2018.PAPER_T, henderson2018.PAPER_P)
    welch = next(r for r in rows if r.quantity.startswith("Welch t"))
    assert welch.paper is None and welch.claim == "not the paper's statistic"
