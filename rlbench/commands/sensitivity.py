"""``rlbench sensitivity``: hyperparameter sensitivity of a results folder.

Registered in ``rlbench.cli``. Loads the trials with ``rlbench.load(path)``,
calls `rlbench.sensitivity.analyse` and prints Rich tables (or JSON with
``--json``); every table's caption states the CI method, resamples, seed and
seeds used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rlbench.commands import MetricOpt, SeedOpt, format_ci


def _x(value: float) -> str:
    return "-" if value != value else f"{value:g}"


def sensitivity_command(
    path: Annotated[
        Path,
        typer.Argument(help="Results folder (or runs table) of a suite with a perturbation plan."),
    ],
    metric: MetricOpt = "final_return",
    stat: Annotated[str, typer.Option(help="Statistic over seeds: iqm, mean or median.")] = "iqm",
    reps: Annotated[int, typer.Option(help="Bootstrap resamples (and tuning splits).")] = 2000,
    seed: SeedOpt = 0,
    tuning_seeds: Annotated[
        int | None,
        typer.Option(help="Seeds to choose the best config on (default: half); the rest held out."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not tables.")] = False,
    across_envs: Annotated[
        bool,
        typer.Option(
            "--across-envs",
            help="Cross-env sensitivity (Adkins et al. 2024): per-env vs cross-env tuning.",
        ),
    ] = False,
    normalize: Annotated[
        str, typer.Option(help="With --across-envs: percentile, reference or none.")
    ] = "percentile",
    target: Annotated[
        float, typer.Option(help="With --across-envs: share of per-env tuned for effective dim.")
    ] = 0.95,
) -> None:
    """Hyperparameter sensitivity: curves, success rates, tunability, importance, robustness."""
    import rlbench
    from rlbench.sensitivity import analyse

    if across_envs:
        from rlbench.commands.across_envs import across_envs_command

        across_envs_command(path, metric, normalize, target, reps, seed, json_output)
        return
    trials = rlbench.load(path).trials
    result = analyse(trials, metric, stat, reps, seed, tuning_seeds)
    if json_output:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    _print(result)


def _print(result) -> None:  # one table after another
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False)  # labels like "ars[lr=1]" are not markup
    boot = (
        f"{result.confidence:.0%} CI: percentile bootstrap over seeds, {result.reps} "
        f"resamples, seed {result.seed}"
    )
    table = Table(title=f"Sensitivity of {result.metric} ({result.stat} over seeds)")
    for column in (
        "agent",
        "env",
        "plans",
        "configs",
        "seeds",
        "done",
        "failed",
        "non-finite",
        "not run",
        "threshold",
    ):
        table.add_column(column)
    for g in result.groups:
        table.add_row(
            g.agent,
            g.env,
            ", ".join(g.plans),
            str(g.n_configs),
            str(len(g.seeds)),
            str(g.n_done),
            str(g.n_failed),
            str(g.n_nonfinite),
            str(g.n_missing),
            _x(g.threshold),
        )
    table.caption = "failed and non-finite runs are excluded from the metric (counted here)"
    console.print(table)
    if result.curves:
        table = Table(title="Sensitivity curves")
        for column in (
            "agent",
            "env",
            "param",
            "x",
            "config",
            "seeds",
            "excluded",
            f"{result.stat} [CI]",
            "paired diff to base [CI]",
        ):
            table.add_column(column)
        for c in result.curves:
            for p in c.points:
                n = p.metric.runs_per_task[0] if p.metric else 0
                table.add_row(
                    c.agent,
                    c.env,
                    c.param,
                    f"{_x(p.x)} ({c.axis})",
                    p.label + (" *" if p.is_base else ""),
                    str(n),
                    str(p.n_failed),
                    format_ci(p.metric),
                    format_ci(p.difference),
                )
        table.caption = (
            f"{boot} per config; diff: {result.stat} of per-seed differences to "
            "the base config (* = base), seeds where both are done"
        )
        console.print(table)
    if result.success:
        table = Table(title="Success rates (seeds reaching the env's threshold)")
        for column in ("agent", "env", "threshold", "config", "reached / seeds", "rate [CI]"):
            table.add_column(column)
        for s in result.success:
            for c in s.configs:
                r = c.rate
                table.add_row(
                    s.agent,
                    s.env,
                    _x(s.threshold),
                    c.label,
                    f"{r.successes} / {r.trials}",
                    f"{r.estimate:.2f} [{r.lower:.2f}, {r.upper:.2f}]",
                )
            table.add_row(
                s.agent,
                s.env,
                "",
                "configs whose median seed succeeds",
                "",
                format_ci(s.median_success),
            )
        table.caption = (
            f"{result.confidence:.0%} Clopper-Pearson exact interval per config; "
            "a failed run counts as not reaching; median-seed fraction: "
            f"{boot}"
        )
        console.print(table)
    if result.tunability:
        table = Table(title=f"Tunability: gain in {result.stat} of the best config over base")
        for column in (
            "agent",
            "env",
            "param",
            "candidates",
            "best (in-sample)",
            "in-sample [CI]",
            "held-out [CI]",
            "tuning / held-out seeds",
        ):
            table.add_column(column)
        for t in result.tunability:
            table.add_row(
                t.agent,
                t.env,
                t.param,
                str(t.n_candidates),
                t.best,
                format_ci(t.in_sample),
                format_ci(t.held_out),
                f"{t.tuning_seeds} / {t.held_out_seeds}",
            )
        table.caption = (
            "in-sample: chosen and measured on all seeds (optimistic); held-out: chosen on the "
            f"tuning seeds, measured on the others, mean of {result.reps} random splits. "
            f"{result.confidence:.0%} CI: percentile bootstrap over seeds with the choice "
            f"repeated per resample, {result.reps} resamples, seed {result.seed}; a config with "
            "a failed tuning seed cannot be chosen"
        )
        console.print(table)
    if result.importance:
        table = Table(title="Importance: share of the config-level variance")
        for column in ("agent", "env", "method", "term", "share [CI]", "configs"):
            table.add_column(column)
        for imp in result.importance:
            for term, share in zip(imp.terms, imp.shares, strict=True):
                table.add_row(
                    imp.agent, imp.env, imp.method, term, format_ci(share), str(imp.n_configs)
                )
        table.caption = "; ".join(sorted({i.shares[0].describe() for i in result.importance}))
        console.print(table)
    if result.variance:
        table = Table(title="Variance decomposition: configs vs seeds (one-way random effects)")
        for column in (
            "agent",
            "env",
            "design",
            "ICC configs' share [CI]",
            "var configs",
            "var seeds",
            "var residual",
            "F",
            "p",
            "configs",
            "runs",
            "matters more",
        ):
            table.add_column(column)
        for v in result.variance:
            more = (
                "hyperparameters"
                if v.icc.lower > 0.5
                else "seeds"
                if v.icc.upper < 0.5
                else "undecided"
            )
            table.add_row(
                v.agent,
                v.env,
                "ICC(A,1) two-way" if v.design == "two-way" else "ICC(1) one-way",
                format_ci(v.icc),
                f"{v.var_config:.3g}",
                f"{v.var_seed:.3g}",
                "-" if v.design != "two-way" else f"{v.var_residual:.3g}",
                f"{v.f_statistic:.3g}",
                f"{v.p_value:.2g}",
                str(v.n_configs),
                str(v.n_runs),
                more,
            )
        table.caption = (
            f"{result.confidence:.0%} CI: F-based, no resampling. Two-way (seeds crossed "
            "with configs, complete table): ICC(A,1) = var configs / (configs + seeds + "
            "residual), Shrout & Fleiss 1979 Case 2; one-way where runs failed or are "
            "missing: ICC(1), Case 1, var seeds = within-config. 'matters more' when the CI "
            "excludes 0.5"
        )
        console.print(table)
    if result.robustness:
        table = Table(title=f"Robustness ({result.stat} over seeds)")
        for column in (
            "agent",
            "env",
            "scale",
            "base [CI]",
            "worst config [CI]",
            "10th-percentile config [CI]",
            "area / base per param [CI]",
        ):
            table.add_column(column)
        for r in result.robustness:
            areas = "; ".join(f"{p}: {format_ci(a)}" for p, a in r.relative_area) or "-"
            table.add_row(
                r.agent,
                r.env,
                r.scale,
                format_ci(r.base),
                format_ci(r.worst),
                format_ci(r.p10),
                areas,
            )
        table.caption = (
            f"{boot} (configs paired by seed); area over log2(factor), divided by "
            "its width and the base metric (1 = as good as base)"
        )
        console.print(table)
    if result.ranking is not None:
        ranking = result.ranking
        table = Table(title="Sensitivity ranking (least sensitive first)")
        for column in (
            "rank",
            "agent",
            "envs",
            "mean |normalised change| [CI]",
            "mean signed drop [CI]",
            "perturbations",
            "excluded runs",
        ):
            table.add_column(column)
        for i, a in enumerate(ranking.agents, 1):
            table.add_row(
                str(i),
                a.agent,
                ", ".join(a.envs),
                format_ci(a.sensitivity),
                format_ci(a.drop),
                ", ".join(a.perturbations),
                str(a.n_failed),
            )
        for p in ranking.pairs:
            table.add_row(
                "",
                f"{p.agent_x} - {p.agent_y}",
                ", ".join(p.envs),
                format_ci(p.difference),
                "",
                "",
                "",
            )
        table.caption = (
            f"scale: {ranking.scale}; {result.confidence:.0%} CI: percentile "
            "bootstrap over seeds within each agent and env, "
            f"{result.reps} resamples, seed {result.seed}; rows 'x - y': difference "
            "of sensitivities on shared envs (CI excluding 0 = a difference); |change| counts "
            "a config better than base as much as a worse one, the signed drop (base - "
            "config, > 0 = worse) says which way"
        )
        console.print(table)
    for note in result.notes:
        console.print(f"note: {note}")
