"""Plain table views of a `SensitivityResult` and of the cross-env table.

The terminal (``rlbench sensitivity``) and the report's Sensitivity section
render the same views (`rlbench.stats.views.TableView`); every caption states
the CI method, resamples, seed and seeds used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlbench.sensitivity.results import SensitivityResult
from rlbench.stats.views import TableView, format_ci, view


def _x(value: float) -> str:
    return "-" if value != value else f"{value:g}"


def _boot(result: SensitivityResult) -> str:
    return (f"{result.confidence:.0%} CI: percentile bootstrap over seeds, {result.reps} "
            f"resamples, seed {result.seed}")  # fmt: skip


def groups_view(result: SensitivityResult) -> TableView:
    """What each (agent, env) holds: plans, configs, seeds, done and excluded runs."""
    rows = [[g.agent, g.env, ", ".join(g.plans), str(g.n_configs), str(len(g.seeds)),
             str(g.n_done), str(g.n_failed), str(g.n_nonfinite), str(g.n_missing),
             _x(g.threshold)] for g in result.groups]  # fmt: skip
    return view(
        "sensitivity_groups", f"Sensitivity of {result.metric} ({result.stat} over seeds)",
        ["agent", "env", "plans", "configs", "seeds", "done", "failed", "non-finite", "not run",
         "threshold"], rows,
        "failed and non-finite runs are excluded from the metric (counted here)",
    )  # fmt: skip


def curves_view(result: SensitivityResult) -> TableView:
    """Per curve point: the metric and the paired difference to the base config."""
    rows = [
        [c.agent, c.env, c.param, f"{_x(p.x)} ({c.axis})", p.label + (" *" if p.is_base else ""),
         str(p.metric.runs_per_task[0] if p.metric else 0), str(p.n_failed),
         format_ci(p.metric), format_ci(p.difference)]
        for c in result.curves for p in c.points
    ]  # fmt: skip
    return view(
        "sensitivity_curves", "Sensitivity curves",
        ["agent", "env", "param", "x", "config", "seeds", "excluded", f"{result.stat} [CI]",
         "paired diff to base [CI]"], rows,
        f"{_boot(result)} per config; diff: {result.stat} of per-seed differences to "
        "the base config (* = base), seeds where both are done",
    )  # fmt: skip


def success_view(result: SensitivityResult) -> TableView:
    """Per config: seeds reaching the env's threshold; configs whose median seed does."""
    rows = []
    for s in result.success:
        for c in s.configs:
            r = c.rate
            rows.append([s.agent, s.env, _x(s.threshold), c.label, f"{r.successes} / {r.trials}",
                         f"{r.estimate:.2f} [{r.lower:.2f}, {r.upper:.2f}]"])  # fmt: skip
        rows.append([s.agent, s.env, "", "configs whose median seed succeeds", "",
                     format_ci(s.median_success)])  # fmt: skip
    return view(
        "success_rates", "Success rates (seeds reaching the env's threshold)",
        ["agent", "env", "threshold", "config", "reached / seeds", "rate [CI]"], rows,
        f"{result.confidence:.0%} Clopper-Pearson exact interval per config; "
        f"a failed run counts as not reaching; median-seed fraction: {_boot(result)}",
    )  # fmt: skip


def tunability_view(result: SensitivityResult) -> TableView:
    """Gain of the best config over base, in-sample and on held-out seeds."""
    rows = [[t.agent, t.env, t.param, str(t.n_candidates), t.best, format_ci(t.in_sample),
             format_ci(t.held_out), f"{t.tuning_seeds} / {t.held_out_seeds}"]
            for t in result.tunability]  # fmt: skip
    return view(
        "tunability", f"Tunability: gain in {result.stat} of the best config over base",
        ["agent", "env", "param", "candidates", "best (in-sample)", "in-sample [CI]",
         "held-out [CI]", "tuning / held-out seeds"], rows,
        "in-sample: chosen and measured on all seeds (optimistic); held-out: chosen on the "
        f"tuning seeds, measured on the others, mean of {result.reps} random splits. "
        f"{result.confidence:.0%} CI: percentile bootstrap over seeds with the choice "
        f"repeated per resample, {result.reps} resamples, seed {result.seed}; a config with "
        "a failed tuning seed cannot be chosen",
    )  # fmt: skip


def importance_view(result: SensitivityResult) -> TableView:
    """Each term's share of the config-level variance."""
    rows = [[imp.agent, imp.env, imp.method, term, format_ci(share), str(imp.n_configs)]
            for imp in result.importance
            for term, share in zip(imp.terms, imp.shares, strict=True)]  # fmt: skip
    return view(
        "importance", "Importance: share of the config-level variance",
        ["agent", "env", "method", "term", "share [CI]", "configs"], rows,
        "; ".join(sorted({i.shares[0].describe() for i in result.importance})),
    )  # fmt: skip


def _matters_more(icc: Any) -> str:
    return "hyperparameters" if icc.lower > 0.5 else "seeds" if icc.upper < 0.5 else "undecided"


def variance_view(result: SensitivityResult) -> TableView:
    """Configs against seeds: the ICC and the variance components."""
    rows = [
        [v.agent, v.env, "ICC(A,1) two-way" if v.design == "two-way" else "ICC(1) one-way",
         format_ci(v.icc), f"{v.var_config:.3g}", f"{v.var_seed:.3g}",
         "-" if v.design != "two-way" else f"{v.var_residual:.3g}", f"{v.f_statistic:.3g}",
         f"{v.p_value:.2g}", str(v.n_configs), str(v.n_runs), _matters_more(v.icc)]
        for v in result.variance
    ]  # fmt: skip
    return view(
        "variance", "Variance decomposition: configs vs seeds (one-way random effects)",
        ["agent", "env", "design", "ICC configs' share [CI]", "var configs", "var seeds",
         "var residual", "F", "p", "configs", "runs", "matters more"], rows,
        f"{result.confidence:.0%} CI: F-based, no resampling. Two-way (seeds crossed "
        "with configs, complete table): ICC(A,1) = var configs / (configs + seeds + "
        "residual), Shrout & Fleiss 1979 Case 2; one-way where runs failed or are "
        "missing: ICC(1), Case 1, var seeds = within-config. 'matters more' when the CI "
        "excludes 0.5",
    )  # fmt: skip


def robustness_view(result: SensitivityResult) -> TableView:
    """Base, worst and 10th-percentile config, and each curve's area relative to base."""
    rows = [
        [r.agent, r.env, r.scale, format_ci(r.base), format_ci(r.worst), format_ci(r.p10),
         "; ".join(f"{p}: {format_ci(a)}" for p, a in r.relative_area) or "-"]
        for r in result.robustness
    ]  # fmt: skip
    return view(
        "robustness", f"Robustness ({result.stat} over seeds)",
        ["agent", "env", "scale", "base [CI]", "worst config [CI]", "10th-percentile config [CI]",
         "area / base per param [CI]"], rows,
        f"{_boot(result)} (configs paired by seed); area over log2(factor), divided by "
        "its width and the base metric (1 = as good as base)",
    )  # fmt: skip


def ranking_view(result: SensitivityResult) -> TableView:
    """Agents ranked by sensitivity, and the differences between pairs of agents."""
    ranking = result.ranking
    assert ranking is not None
    rows = [[str(i), a.agent, ", ".join(a.envs), format_ci(a.sensitivity), format_ci(a.drop),
             ", ".join(a.perturbations), str(a.n_failed)]
            for i, a in enumerate(ranking.agents, 1)]  # fmt: skip
    rows += [["", f"{p.agent_x} - {p.agent_y}", ", ".join(p.envs), format_ci(p.difference),
              "", "", ""] for p in ranking.pairs]  # fmt: skip
    return view(
        "sensitivity_ranking_table", "Sensitivity ranking (least sensitive first)",
        ["rank", "agent", "envs", "mean |normalised change| [CI]", "mean signed drop [CI]",
         "perturbations", "excluded runs"], rows,
        f"scale: {ranking.scale}; {result.confidence:.0%} CI: percentile "
        "bootstrap over seeds within each agent and env, "
        f"{result.reps} resamples, seed {result.seed}; rows 'x - y': difference "
        "of sensitivities on shared envs (CI excluding 0 = a difference); |change| counts "
        "a config better than base as much as a worse one, the signed drop (base - "
        "config, > 0 = worse) says which way",
    )  # fmt: skip


_Has = Callable[[SensitivityResult], Any]
_VIEWS: tuple[tuple[_Has, Callable[[SensitivityResult], TableView]], ...] = (
    (lambda r: True, groups_view),
    (lambda r: r.curves, curves_view),
    (lambda r: r.success, success_view),
    (lambda r: r.tunability, tunability_view),
    (lambda r: r.importance, importance_view),
    (lambda r: r.variance, variance_view),
    (lambda r: r.robustness, robustness_view),
    (lambda r: r.ranking is not None, ranking_view),
)  # fmt: skip
"""``(has it, its view)`` in the order the terminal prints them."""


def sensitivity_views(result: SensitivityResult) -> list[TableView]:
    """Every view the result has data for, in order; ``result.notes`` follow them."""
    return [make(result) for has, make in _VIEWS if has(result)]


def _ci_cell(row: Any, name: str, digits: str = ".3g") -> str:
    value = row[name]
    if value != value:
        return "-"
    low, high = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    text = format(value, digits)
    return text if low != low else f"{text} [{format(low, digits)}, {format(high, digits)}]"


def across_envs_view(frame: Any) -> TableView:
    """The cross-env table of `rlbench.sensitivity.across_envs.across_envs` (notes in attrs)."""
    attrs = frame.attrs
    rows = []
    for _, row in frame.iterrows():
        config = row["cross_env_config"] or {}
        rows.append([
            row["agent"], str(row["n_envs"]), f"{row['n_configs']} ({row['n_shared_configs']})",
            str(row["max_seeds"]), _ci_cell(row, "per_env_tuned"),
            _ci_cell(row, "cross_env_tuned"), _ci_cell(row, "sensitivity"),
            _ci_cell(row, "effective_dim", "g"),
            ", ".join(f"{k}={v}" for k, v in config.items()) or "-",
            ", ".join(row["effective_hparams"] or ()) or "-",
        ])  # fmt: skip
    return view(
        "cross_env", f"Cross-env sensitivity of {attrs['metric']} "
        f"({attrs['normalize']} normalisation)",
        ["agent", "envs", "configs (shared)", "seeds", "per-env tuned [CI]",
         "cross-env tuned [CI]", "sensitivity [CI]", "effective dim [CI]", "cross-env config",
         "tuned per env"], rows,
        f"{attrs['confidence']:.0%} CI: percentile bootstrap, seeds resampled within each env "
        f"and config, {attrs['reps']} resamples, seed {attrs['seed']}; effective dim: fewest "
        f"hyperparameters tuned per env to reach {attrs['target']:g} x per-env tuned "
        "(Adkins, Bowling, White 2024)",
    )  # fmt: skip
