"""Result objects of the sensitivity analysis: small frozen dataclasses.

They follow `rlbench.stats.results`: every interval says how it was made
(`Interval.describe`), sequences are tuples, ``to_dict()`` gives plain JSON
values. What could not be computed is a ``None`` field plus a line in
`SensitivityResult.notes`, never a number made of noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlbench.stats.results import Interval, _ToDict


@dataclass(frozen=True)
class Proportion(_ToDict):
    """A binomial proportion with an exact (Clopper-Pearson) interval.

    Attributes:
        successes: trials that reached the threshold.
        trials: trials counted (done + failed; failed ones count as not reaching).
        estimate: ``successes / trials``.
        lower, upper: the interval.
        method: ``"Clopper-Pearson exact"``.
        confidence: confidence level.
    """

    successes: int
    trials: int
    estimate: float
    lower: float
    upper: float
    method: str
    confidence: float

    def describe(self) -> str:
        return f"{self.confidence:.0%} CI: {self.method} (binomial over seeds)"


@dataclass(frozen=True)
class GroupInfo(_ToDict):
    """One (agent, env): its plan and what its trials hold.

    Attributes:
        plans: perturbation kinds present (``base``, ``one-at-a-time``, ``grid``, ``random``).
        n_configs: configs with at least one trial.
        seeds: the seeds seen (union over configs).
        n_done: done trials with a finite metric.
        n_nonfinite: done trials whose metric is NaN/inf (excluded, counted).
        n_failed: failed trials (excluded from the metric, counted).
        n_missing: (config, seed) pairs with no trial yet.
        threshold: the env's threshold (NaN when it has none).
        varying: hyperparameters that take more than one value across configs.
    """

    agent: str
    env: str
    plans: tuple[str, ...]
    n_configs: int
    seeds: tuple[int, ...]
    n_done: int
    n_nonfinite: int
    n_failed: int
    n_missing: int
    threshold: float
    varying: tuple[str, ...]


@dataclass(frozen=True)
class CurvePoint(_ToDict):
    """One point of a sensitivity curve.

    Attributes:
        x: the perturbation factor (one-at-a-time; base = 1) or the value.
        label: the config's perturbation label, or ``"param=value"`` for a grid marginal.
        config_ids: the configs pooled into this point (one, except grid marginals).
        is_base: whether the point is the base config.
        metric: the statistic over seeds with a bootstrap CI (None: no finite run).
        difference: the statistic of the per-seed differences to the base config
            (paired by seed), with a bootstrap CI; None for the base or when unpaired.
        n_failed: failed or non-finite trials excluded from this point.
    """

    x: float
    label: str
    config_ids: tuple[str, ...]
    is_base: bool
    metric: Interval | None
    difference: Interval | None
    n_failed: int


@dataclass(frozen=True)
class SensitivityCurve(_ToDict):
    """The metric against one hyperparameter's factor or value for one (agent, env).

    Attributes:
        axis: ``"factor"`` (multiple of the base value) or ``"value"``.
        kind: ``"one-at-a-time"`` (others at base), ``"grid marginal"`` (runs of all
            configs with that value pooled) or ``"random"`` (one point per config).
        points: sorted by ``x``.
    """

    agent: str
    env: str
    param: str
    axis: str
    kind: str
    points: tuple[CurvePoint, ...]


@dataclass(frozen=True)
class ConfigSuccess(_ToDict):
    """One config's success rate: seeds whose run reached the env's threshold."""

    config_id: str
    label: str
    rate: Proportion
    n_failed: int


@dataclass(frozen=True)
class SuccessRates(_ToDict):
    """Success rates of one (agent, env)'s configs (Mania et al. 2018, Fig. 4).

    Attributes:
        threshold: the env's threshold.
        configs: per config, the fraction of seeds reaching it.
        median_success: fraction of configs whose median seed reaches it (more
            than half of its seeds succeed), with a CI from resampling seeds.
    """

    agent: str
    env: str
    threshold: float
    configs: tuple[ConfigSuccess, ...]
    median_success: Interval


@dataclass(frozen=True)
class Tunability(_ToDict):
    """Gain of the best config over the base config (Probst et al. 2018, Def. 1).

    Attributes:
        param: the hyperparameter tuned (others at base), or ``"all"``.
        n_candidates: configs the best one is chosen from (the base included).
        best: the in-sample best config's label.
        in_sample: best chosen and measured on the same seeds (optimistic).
        held_out: best chosen on ``tuning_seeds`` seeds and measured on the
            others (Eimer et al. 2023); the estimate averages random splits.
        tuning_seeds, held_out_seeds: sizes of the split.
        splits: splits averaged in ``held_out.estimate``.
    """

    agent: str
    env: str
    param: str
    n_candidates: int
    best: str
    in_sample: Interval
    held_out: Interval
    tuning_seeds: int
    held_out_seeds: int
    splits: int


@dataclass(frozen=True)
class Importance(_ToDict):
    """Shares of the variance of the config-level response explained by hyperparameters.

    Attributes:
        method: ``"fANOVA, full grid, seed noise subtracted"`` (exact, Hutter
            et al. 2014, each term less its seed noise) or ``"binned
            first-order index, random plan"``.
        terms: names (``"step_size"``, ``"step_size:noise"``, ``"higher order"``).
        shares: the share of each term, with a CI (a pure-noise term is near 0
            and can be slightly negative).
        n_configs: configs in the decomposition.
        noise_shares: fANOVA only: per term, the share of the observed
            variance that was seed noise and was subtracted.
    """

    agent: str
    env: str
    method: str
    terms: tuple[str, ...]
    shares: tuple[Interval, ...]
    n_configs: int
    noise_shares: tuple[float, ...] = ()


@dataclass(frozen=True)
class VarianceDecomposition(_ToDict):
    """Random-effects ANOVA of the metric over configs and seeds.

    ``design == "two-way"`` (a complete table; seeds are crossed with configs):
    ``y_ij = mu + c_i + s_j + e_ij``; the ICC is ICC(A,1) =
    ``var_config / (var_config + var_seed + var_residual)`` with its F-based CI
    (Shrout & Fleiss 1979, Case 2); ``var_seed`` is the seeds' main effect (a
    seed lucky for every config) and ``var_residual`` the rest (config x seed
    interaction and noise); ``df_within`` is the residual df.
    ``design == "one-way"`` (failed or missing runs): ICC(1) with the exact
    F-based CI (Shrout & Fleiss 1979, Case 1; Searle 1971); ``var_seed`` is
    the within-config variance MSW and ``var_residual`` is NaN.

    Attributes:
        icc: the share of variance between configs, with its CI.
        var_config: between-config variance component.
        var_seed: see above.
        f_statistic, df_between, df_within, p_value: the F test of configs.
        n_configs: configs, n_runs: runs, n0: the (adjusted) runs per config.
        design: ``"two-way"`` or ``"one-way"``.
        var_residual: two-way only, the residual variance.
    """

    agent: str
    env: str
    icc: Interval
    var_config: float
    var_seed: float
    f_statistic: float
    df_between: int
    df_within: int
    p_value: float
    n_configs: int
    n_runs: int
    n0: float
    design: str = "one-way"
    var_residual: float = float("nan")


@dataclass(frozen=True)
class Robustness(_ToDict):
    """How bad the configs of one (agent, env) get (Jordan et al. 2020).

    Attributes:
        base: the base config's metric (None without a base config).
        worst: the metric of the worst config.
        p10: the metric at the 10th-percentile config (an actual config, inverted CDF).
        relative_area: per one-at-a-time hyperparameter, the area under the
            curve over log2(factor) divided by its width and by the base metric
            (1 = as good as base throughout); on the normalised scale when
            references exist. Only when the base metric is > 0.
        scale: ``"raw"`` or ``"normalised"``.
    """

    agent: str
    env: str
    base: Interval | None
    worst: Interval
    p10: Interval
    relative_area: tuple[tuple[str, Interval], ...]
    scale: str


@dataclass(frozen=True)
class AgentSensitivity(_ToDict):
    """One agent's sensitivity on the common scale (normalised returns).

    Attributes:
        sensitivity: mean over envs of the mean absolute normalised change
            ``|stat(base) - stat(config)|`` over the one-at-a-time configs
            (movement either way: an improvement counts too).
        per_env: the same per env.
        perturbations: the ``param x factor`` labels used.
        n_failed: failed or non-finite trials excluded.
        drop: the signed mean normalised drop ``stat(base) - stat(config)``
            (> 0: the perturbed configs do worse than the base on average).
    """

    agent: str
    envs: tuple[str, ...]
    sensitivity: Interval
    per_env: tuple[Interval, ...]
    perturbations: tuple[str, ...]
    n_failed: int
    drop: Interval | None = None


@dataclass(frozen=True)
class PairwiseSensitivity(_ToDict):
    """``sensitivity(x) - sensitivity(y)`` on the envs both were run on."""

    agent_x: str
    agent_y: str
    envs: tuple[str, ...]
    difference: Interval


@dataclass(frozen=True)
class Ranking(_ToDict):
    """Agents ranked by sensitivity, least sensitive first."""

    agents: tuple[AgentSensitivity, ...]
    pairs: tuple[PairwiseSensitivity, ...]
    scale: str


@dataclass(frozen=True)
class SensitivityResult(_ToDict):
    """Everything `rlbench.sensitivity.analyse` computes.

    Attributes:
        metric, stat, reps, seed, confidence: the settings.
        groups: one per (agent, env).
        curves, success, tunability, importance, variance, robustness: the
            analyses, each where it could be computed.
        ranking: the cross-agent comparison (None with fewer than two agents
            with one-at-a-time perturbations and reference scores).
        notes: what could not be computed, and why.
    """

    metric: str
    stat: str
    reps: int
    seed: int
    confidence: float
    groups: tuple[GroupInfo, ...]
    curves: tuple[SensitivityCurve, ...]
    success: tuple[SuccessRates, ...]
    tunability: tuple[Tunability, ...]
    importance: tuple[Importance, ...]
    variance: tuple[VarianceDecomposition, ...]
    robustness: tuple[Robustness, ...]
    ranking: Ranking | None
    notes: tuple[str, ...]
