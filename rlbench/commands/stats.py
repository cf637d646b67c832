"""``rlbench compare`` and ``rlbench power``: typer commands over a results folder.

Registered in ``rlbench.cli``. They load the trials
table with ``rlbench.load(path).trials``, call `rlbench.stats.frame`, and print
rich tables (or JSON with ``--json``). Every interval is printed with a caption
that states its CI method, resamples, seed and runs per env.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rlbench.commands import ConfidenceOpt, FailedOpt, MetricOpt, RepsOpt, SeedOpt, format_ci
from rlbench.errors import InputError


def _load_trials(path: Path, configs: str = "base"):
    """The trials table; with ``configs='base'``, only each agent's base config
    where a perturbation plan gave it several (the sensitivity command covers
    the perturbed ones)."""
    import sys

    import rlbench

    trials = rlbench.load(path).trials
    if configs not in ("base", "all"):
        raise InputError(f"--configs: {configs!r} is not allowed; expected base or all")
    several = trials.groupby(["agent", "env"])["config_id"].nunique().max() > 1
    if configs == "base" and several:
        from rlbench.stats.trial_scores import base_configs

        trials, dropped = base_configs(trials)
        if dropped:
            print(
                f"note: comparing base configs only; {dropped} trials of perturbed configs left "
                "out (rlbench sensitivity analyses them; --configs all compares every config)",
                file=sys.stderr,
            )
        if trials["agent"].str.contains("[", regex=False).any():
            print(
                "note: agents without a base config (a grid plan) are compared config by "
                "config, as agent[config]",
                file=sys.stderr,
            )
    elif configs == "all" and several:
        trials = trials.copy()
        is_base = trials["perturbation"] == "base"
        trials.loc[~is_base, "agent"] = trials["agent"] + "[" + trials["perturbation"] + "]"
    return trials


def _check_failed(failed: str) -> None:
    if failed not in ("worst", "exclude"):
        raise InputError(f"--failed: {failed!r} is not allowed; expected worst or exclude")


def _p(value: float) -> str:
    return "-" if value != value else f"{value:.3g}"


def _agent_list(agents: list[str] | None) -> list[str] | None:
    if not agents:
        return None
    return [name.strip() for item in agents for name in item.split(",") if name.strip()]


def compare_command(
    path: Annotated[Path, typer.Argument(help="Results folder or runs table (CSV, parquet).")],
    agents: Annotated[
        list[str] | None,
        typer.Option(
            "--agents", help="Agents to compare (repeat, or comma-separate; default all)."
        ),
    ] = None,
    metric: MetricOpt = "final_return",
    normalize: Annotated[
        bool,
        typer.Option("--normalize", help="Normalise by the env cards' random/reference score."),
    ] = False,
    reps: RepsOpt = 2000,
    seed: SeedOpt = 0,
    confidence: ConfidenceOpt = 0.95,
    nan_policy: Annotated[
        str, typer.Option(help="'raise' on done trials with a NaN score, or 'omit' them (counted).")
    ] = "raise",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not tables.")] = False,
    configs: Annotated[
        str, typer.Option(help="base: each agent's base config; all: every config as an agent.")
    ] = "base",
    failed: FailedOpt = "worst",
) -> None:
    """Compare agents: aggregates with bootstrap CIs, probability of improvement, tests."""
    from rlbench.stats.frame import compare
    from rlbench.stats.trial_scores import score_matrices

    _check_failed(failed)
    trials = _load_trials(path, configs)
    chosen = _agent_list(agents)
    references = None
    if normalize:
        from rlbench.cards import env_reference_scores

        matrices = score_matrices(trials, metric, chosen, failed)
        envs = sorted({env for scores in matrices.values() for env in scores.envs})
        references = env_reference_scores(envs)
    result = compare(trials, metric, chosen, references, reps, seed, confidence, nan_policy, failed)
    from rlbench import sequential

    state = sequential.read(path) if path.is_dir() else None
    if json_output:
        body = result.to_dict()
        if state is not None:
            body["sequential"] = {
                "decisions": sequential.decision_rows(state),
                "note": sequential.caveat(state),
            }
        typer.echo(json.dumps(body, indent=2))
        return
    if state is not None:
        print_sequential(state)
    _print_comparison(result)


def print_sequential(state: dict) -> None:
    """The decisions of a sequential study, as a terminal table."""
    from rich.console import Console
    from rich.table import Table

    from rlbench.sequential import caveat, decision_rows

    table = Table(title="Sequential decisions", caption=caveat(state))
    for column in ("env", "question", "decision", "stage", "seeds"):
        table.add_column(column)
    for row in decision_rows(state):
        table.add_row(*(str(row[c]) for c in ("env", "question", "decision", "stage", "seeds")))
    Console(markup=False).print(table)


def _failed(not_done: dict[str, int] | tuple[dict[str, int], ...]) -> int:
    """Trials that are not done, per env (a dict) or over envs (a tuple of dicts)."""
    counts = [not_done] if isinstance(not_done, dict) else list(not_done)
    return sum(sum(c.values()) for c in counts)


def _failed_column(result) -> str:
    how = "scored worst" if result.failed_policy == "worst" else "excluded"
    return f"failed ({how})"


def _print_comparison(result) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(markup=False)  # labels like "ars[lr=1]" are not markup
    scale = "normalised " if result.normalized else ""
    first = result.agents[0]
    failed = {agent.agent: agent.not_done for agent in result.agents}
    if first.aggregates:
        table = Table(title=f"Aggregates of {scale}{result.metric} over {len(result.envs)} env(s)")
        table.add_column("agent")
        table.add_column(_failed_column(result))
        for interval in first.aggregates:
            table.add_column(interval.statistic)
        for agent in result.agents:
            table.add_row(
                agent.agent,
                str(_failed(agent.not_done)),
                *(format_ci(i) for i in agent.aggregates),
            )
        table.caption = "; ".join(sorted({a.aggregates[0].describe() for a in result.agents}))
        console.print(table)
    table = Table(title=f"{scale}{result.metric} per env")
    columns = ("agent", "env", "runs", _failed_column(result), "NaN excluded", "mean [CI]",
               "median", "std")  # fmt: skip
    for column in columns:
        table.add_column(column)
    for agent in result.agents:
        for task, mean, not_done in zip(agent.tasks, agent.task_means, agent.not_done, strict=True):
            table.add_row(
                agent.agent,
                str(task.task),
                str(task.n_runs),
                str(_failed(not_done)),
                str(task.n_excluded),
                format_ci(mean),
                f"{task.median:.3g}",
                f"{task.std:.3g}",
            )
    table.caption = f"mean: {first.task_means[0].describe().split(';')[0]}"
    console.print(table)
    if result.pairs:
        table = Table(title="Pairwise comparisons (x vs y)")
        pair_columns = ("x", "y", "env", f"{_failed_column(result)} x/y", "P(x > y) [CI]",
                        "Welch p", "Holm p", "MWU p", "Hedges g")  # fmt: skip
        for column in pair_columns:
            table.add_column(column)
        for pair in result.pairs:
            x_failed, y_failed = failed[pair.agent_x], failed[pair.agent_y]
            table.add_row(
                pair.agent_x,
                pair.agent_y,
                "all",
                f"{_failed(x_failed)}/{_failed(y_failed)}",
                format_ci(pair.probability_of_improvement),
            )
            for env_index, task in enumerate(pair.tasks):
                table.add_row(
                    "",
                    "",
                    task.env,
                    f"{_failed(x_failed[env_index])}/{_failed(y_failed[env_index])}",
                    f"{task.vargha_delaney_a:.3g}",
                    _p(task.welch.p_value if task.welch else float("nan")),
                    _p(task.welch_p_holm),
                    _p(task.mann_whitney.p_value if task.mann_whitney else float("nan")),
                    _p(task.hedges_g),
                )
        improvement = result.pairs[0].probability_of_improvement
        table.caption = (
            f"P(x > y): {improvement.describe()}; per env: U/(n_x n_y) without CI. "
            f"Holm over {result.holm_family} Welch tests."
        )
        console.print(table)
    for note in result.notes:
        console.print(f"note: {note}")


def power_command(
    path: Annotated[Path, typer.Argument(help="Results folder or runs table of the pilot trials.")],
    agent: Annotated[str, typer.Option("--agent", help="The pilot agent.")],
    effect: Annotated[
        float | None,
        typer.Option(help="Difference of means to detect (score units); default 0.5/1/2 stds."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Target power (1 - beta).")] = 0.8,
    metric: MetricOpt = "final_return",
    nan_policy: Annotated[
        str, typer.Option(help="'raise' on done trials with a NaN score, or 'omit' them (counted).")
    ] = "raise",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")] = False,
    sided: Annotated[
        str,
        typer.Option(
            help="two: power of the two-sided Welch test that compare runs (default); one: "
            "Colas et al. 2018's one-sided formula (fewer seeds: 51/14/5 vs 64/17/6 for "
            "0.5/1/2 stds).",
        ),
    ] = "two",
    failed: FailedOpt = "worst",
) -> None:
    """Seeds per agent needed to detect a difference with Welch's t-test (Colas et al. 2018)."""
    from rlbench.stats.frame import power as power_analysis

    if sided not in ("one", "two"):
        raise InputError(f"--sided: {sided!r} is not allowed; expected one or two")
    _check_failed(failed)
    trials = _load_trials(path)
    report = power_analysis(trials, agent, effect, alpha, power, metric, nan_policy, sided, failed)
    if json_output:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Seeds needed per agent: {agent}, {metric}")
    for column in ("env", "pilot runs", "pilot std", "effect", "effect / std", "seeds", "power"):
        table.add_column(column)
    for env, result in zip(report.envs, report.results, strict=True):
        table.add_row(
            env,
            str(result.pilot_runs),
            f"{result.std_x:.3g}",
            f"{result.effect:.3g}",
            f"{result.effect / result.std_x:.2f}",
            str(result.n_seeds) if result.n_seeds is not None else "> max",
            f"{result.achieved_power:.3f}",
        )
    table.caption = (
        f"{report.results[0].method}, alpha {alpha}, target power {power}; "
        "both agents assumed to have the pilot's std"
    )
    small = min(result.pilot_runs for result in report.results)
    if small < 20:
        table.caption += (
            f"; the pilot has only {small} runs: its std is uncertain, so these counts are "
            "too (Colas et al. 2018 recommend a pilot of at least 20)"
        )
    Console(markup=False).print(table)
