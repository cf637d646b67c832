"""rlbench's statistics: pure functions on ``(num_runs, num_tasks)`` score arrays.

Modules, in the order of the data flow:

* `arrays`: the score and seed types and their checks (shapes, NaN policy).
* `resampling`: seeded generators, resample indices and counts, percentile
  bounds, the trimmed mean and binomial intervals every estimator shares.
* `aggregates`: point estimates (IQM, mean, median, optimality gap),
  normalisation, per-task summaries.
* `bootstrap`: stratified-bootstrap percentile CIs, performance profiles.
* `sample`: BCa and percentile CIs of one sample's statistic.
* `comparisons`: probability of improvement, Welch / Mann-Whitney / KS tests,
  a bootstrap test, effect sizes, Holm's correction.
* `power`: seeds needed (power analysis), false-positive rates.
* `splits`: seed splits and the curve-averaged t-test (Henderson et al. 2018).
* `success`: the success rate against the budget (Mania et al. 2018, Fig. 3).
* `failed`: what a failed run scores (one policy for every comparison).
* `bands`: learning-curve bands over seeds (pointwise bootstrap CIs, percentiles).
* `trial_scores`: each agent's scores per env from a tidy trials DataFrame.
* `frame`: comparisons and power from that DataFrame (the typer commands live
  in `rlbench.commands.compare_cmd`).

Every random draw comes from an explicit seed; NaN scores raise unless
``nan_policy='omit'``, and the number omitted is reported with the result.
"""

from rlbench.stats.aggregates import (
    iqm,
    mean,
    median,
    normalize_scores,
    optimality_gap,
    task_summaries,
)
from rlbench.stats.bootstrap import (
    aggregate_interval,
    aggregate_intervals,
    performance_profile,
    stratified_bootstrap,
)
from rlbench.stats.comparisons import (
    bootstrap_mean_difference,
    hedges_g,
    holm,
    ks_test,
    mann_whitney,
    probability_of_improvement,
    vargha_delaney_a,
    welch_test,
)
from rlbench.stats.power import (
    bootstrap_false_positive_rate,
    colas_power,
    false_positive_rate,
    seeds_needed,
    welch_power,
)
from rlbench.stats.resampling import trimmed_mean
from rlbench.stats.results import (
    FalsePositiveResult,
    Interval,
    PowerResult,
    Profile,
    SeedSplitResult,
    TaskSummary,
    TestResult,
)
from rlbench.stats.sample import sample_interval
from rlbench.stats.splits import CurveTestResult, curve_t_test, seed_split
from rlbench.stats.success import rate_at, success_by_budget

__all__ = [
    "CurveTestResult",
    "FalsePositiveResult",
    "Interval",
    "PowerResult",
    "Profile",
    "SeedSplitResult",
    "TaskSummary",
    "TestResult",
    "aggregate_interval",
    "aggregate_intervals",
    "bootstrap_false_positive_rate",
    "bootstrap_mean_difference",
    "colas_power",
    "curve_t_test",
    "false_positive_rate",
    "hedges_g",
    "holm",
    "iqm",
    "ks_test",
    "mann_whitney",
    "mean",
    "median",
    "normalize_scores",
    "optimality_gap",
    "performance_profile",
    "probability_of_improvement",
    "rate_at",
    "sample_interval",
    "seed_split",
    "seeds_needed",
    "stratified_bootstrap",
    "success_by_budget",
    "task_summaries",
    "trimmed_mean",
    "vargha_delaney_a",
    "welch_power",
    "welch_test",
]
