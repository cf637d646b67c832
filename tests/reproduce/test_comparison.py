"""The comparison logic: our interval against the paper's number."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from rlbench.reproduce.common import (
    Row,
    comparison_csv,
    comparison_markdown,
    inside,
    mean_interval,
    wilson,
)


@pytest.mark.parametrize(
    "paper,lower,upper,expected",
    [
        (100, 90, 110, True),
        (100, 100, 110, True),  # closed interval: the bound counts
        (110, 90, 110, True),
        (89.9, 90, 110, False),
        (110.1, 90, 110, False),
        (None, 90, 110, None),  # a qualitative claim
        (100, None, None, None),  # no interval (one seed)
        (100, math.nan, math.nan, None),
    ],
)
def test_inside(paper, lower, upper, expected):
    assert inside(paper, lower, upper) is expected


def test_row_and_tables():
    rows = [
        Row("episodes, Swimmer, V1", 100, "Table 1", "unverified", 140.0, 120.0, 160.0, "m", 5),
        Row("claim row", None, "Fig. 4", "claim", 0.4, 0.2, 0.6, "Wilson 95%", 9, claim="equal"),
    ]
    assert rows[0].inside is False and rows[1].inside is None
    md = comparison_markdown("Title", rows, "pre")
    assert md.startswith("# Title\n\npre\n")
    line = next(x for x in md.splitlines() if x.startswith("| episodes"))
    assert (
        "100 (unverified)" in line and "[120, 160]" in line and "**no**" in line and "(n=5)" in line
    )
    assert "| equal |" in md
    parsed = list(csv.DictReader(io.StringIO(comparison_csv(rows))))
    assert [r["inside"] for r in parsed] == ["False", ""]
    assert parsed[0]["paper"] == "100" and parsed[1]["paper"] == ""


def test_wilson_against_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 10), (3, 10), (7, 20), (20, 20)]:
        lo, hi = wilson(k, n)
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert lo == pytest.approx(ref[0], abs=1e-9) and hi == pytest.approx(ref[1], abs=1e-9)


def test_mean_interval():
    est, lo, hi, method = mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))
    assert est == 2.5 and lo < 2.5 < hi and "percentile bootstrap" in method
    est, lo, hi, method = mean_interval(np.array([6.0, 8.0]))
    assert est == 7.0 and math.isnan(lo) and "no CI" in method  # two values: degenerate
    est, *_ = mean_interval(np.array([]))
    assert math.isnan(est)
