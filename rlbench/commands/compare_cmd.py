"""``rlbench compare`` and ``rlbench power``: typer commands over a results folder.

Registered in ``rlbench.cli``. They load the trials table, select its configs
(`rlbench.stats.trial_scores.select_configs`), call `rlbench.stats.frame` and
print its table views (`rlbench.stats.views`), or JSON with ``--json``. Every
interval is printed with a caption that states its CI method, resamples, seed
and runs per env.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rlbench.analysis_options import DEFAULTS, AnalysisOptions
from rlbench.commands.options import Confidence, Configs, Failed, Metric, NanPolicy, Reps, Seed
from rlbench.errors import InputError


def _load_trials(path: Path, configs: str = DEFAULTS.configs):
    """The trials table with the configs a comparison of agents uses (notes on stderr)."""
    import sys

    import rlbench
    from rlbench.stats.trial_scores import select_configs

    selection = select_configs(rlbench.load(path).trials, configs)
    for note in selection.notes():
        print(f"note: {note}", file=sys.stderr)
    return selection.trials


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
    metric: Metric = DEFAULTS.metric,
    normalize: Annotated[
        bool,
        typer.Option("--normalize", help="Normalise by the env cards' random/reference score."),
    ] = False,
    reps: Reps = DEFAULTS.reps,
    seed: Seed = DEFAULTS.seed,
    confidence: Confidence = DEFAULTS.confidence,
    nan_policy: NanPolicy = DEFAULTS.nan_policy,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not tables.")] = False,
    configs: Configs = DEFAULTS.configs,
    failed: Failed = DEFAULTS.failed,
) -> None:
    """Compare agents: aggregates with bootstrap CIs, probability of improvement, tests."""
    from rlbench import sequential
    from rlbench.stats.frame import compare
    from rlbench.stats.views import comparison_views

    options = AnalysisOptions(metric=metric, reps=reps, seed=seed, confidence=confidence,
                              failed=failed, nan_policy=nan_policy, configs=configs)  # fmt: skip
    trials = _load_trials(path, options.configs)
    chosen = _agent_list(agents)
    references = None
    if normalize:
        from rlbench.cards import env_reference_scores

        rows = trials if chosen is None else trials[trials["agent"].astype(str).isin(chosen)]
        envs = sorted({str(env) for env in rows["env"].unique()})
        references = env_reference_scores(envs)
    result = compare(trials, options.metric, chosen, references, options.reps, options.seed,
                     options.confidence, options.nan_policy, options.failed)  # fmt: skip
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
    from rlbench.commands.render import print_views

    print_views(comparison_views(result), result.notes)


def print_sequential(state: dict) -> None:
    """The decisions of a sequential study, as a terminal table."""
    from rlbench.commands.render import print_views
    from rlbench.sequential import caveat, decision_rows
    from rlbench.stats.views import view

    columns = ("env", "question", "decision", "stage", "seeds")
    rows = [[str(row[c]) for c in columns] for row in decision_rows(state)]
    print_views([view("sequential", "Sequential decisions", columns, rows, caveat(state))])


def power_command(
    path: Annotated[Path, typer.Argument(help="Results folder or runs table of the pilot trials.")],
    agent: Annotated[str, typer.Option("--agent", help="The pilot agent.")],
    effect: Annotated[
        float | None,
        typer.Option(help="Difference of means to detect (score units); default 0.5/1/2 stds."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Target power (1 - beta).")] = 0.8,
    metric: Metric = DEFAULTS.metric,
    nan_policy: NanPolicy = DEFAULTS.nan_policy,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")] = False,
    sided: Annotated[
        str,
        typer.Option(
            help="two: power of the two-sided Welch test that compare runs (default); one: "
            "Colas et al. 2018's one-sided formula (fewer seeds: 51/14/5 vs 64/17/6 for "
            "0.5/1/2 stds).",
        ),
    ] = "two",
    failed: Failed = DEFAULTS.failed,
) -> None:
    """Seeds per agent needed to detect a difference with Welch's t-test (Colas et al. 2018)."""
    from rlbench.stats.frame import power as power_analysis
    from rlbench.stats.views import power_views

    if sided not in ("one", "two"):
        raise InputError(f"--sided: {sided!r} is not allowed; expected one or two")
    options = AnalysisOptions(metric=metric, nan_policy=nan_policy, failed=failed)
    trials = _load_trials(path)
    report = power_analysis(trials, agent, effect, alpha, power, options.metric,
                            options.nan_policy, sided, options.failed)  # fmt: skip
    if json_output:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    from rlbench.commands.render import print_views

    print_views(power_views(report, alpha, power))
