"""The ``rlbench`` command line (Typer). Heavy imports stay inside the commands,
so ``rlbench --help`` starts fast and never imports torch.

Exit codes: 0 success, 1 some trials failed, 2 bad input, 130 interrupted (Ctrl-C),
143 stopped by SIGTERM.
"""

from __future__ import annotations

import sys
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from rlbench.commands.render import console
from rlbench.errors import FolderWarning, InputError
from rlbench.usage import OneLineGroup

_format_warning = warnings.formatwarning


def _one_line_warning(message, category, filename, lineno, line=None):
    """A results folder's warnings as one line each, like the errors."""
    if issubclass(category, FolderWarning):
        return f"rlbench: warning: {message}\n"
    return _format_warning(message, category, filename, lineno, line)


warnings.formatwarning = _one_line_warning

app = typer.Typer(
    name="rlbench",
    cls=OneLineGroup,  # usage errors: one line, exit 2
    help="Measure how robust RL algorithms are to seeds and hyperparameters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

CardsOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045  # typer needs Optional on 3.10
    typer.Option("--cards", help="Extra folder of agent/env cards (repeatable)."),
]


@app.command()
def run(  # long signature: one typer option per parameter; the body is ~35 lines
    suite: Annotated[
        str, typer.Argument(help="Suite file (.yaml) or the name of a shipped suite.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Results folder [default: results/<suite name>].")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Parallel trials [default: CPU count].")
    ] = None,
    executor: Annotated[str, typer.Option(help="local (process pool) or ray.")] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (with --executor ray).")
    ] = None,
    cpus_per_trial: Annotated[
        float, typer.Option(min=0.01, help="CPUs reserved per trial on Ray.")
    ] = 1.0,
    max_retries: Annotated[
        int, typer.Option(min=0, help="Ray: retries of a trial whose worker died.")
    ] = 1,
    retry_failed: Annotated[
        bool, typer.Option(help="Rerun trials whose stored record failed.")
    ] = False,
    trial_timeout: Annotated[
        float | None,
        typer.Option(min=0.001, help="Seconds before a trial is stopped and recorded failed."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Print the plan and exit; run nothing.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    report: Annotated[
        bool, typer.Option(help="Write the HTML report (OUT/report) afterwards.")
    ] = False,
    cards: CardsOpt = None,
    allow_changed_suite: Annotated[
        bool,
        typer.Option(
            help="Accept a suite that changes the study already in OUT (budget, evaluation, "
            "an agent's hyperparameters, ...): records of the changed settings move into "
            "OUT/superseded/ and OUT follows the new suite. Without it such a run is refused; "
            "adding seeds, configs, agents or envs never needs it."
        ),
    ] = False,
    batch_seeds: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Seeds of one config trained together in one worker, for cards that "
            "batch seeds (td3-batched, ddpg-batched) [default: the card's batch_seeds].",
        ),
    ] = None,
) -> None:
    """Run a suite (resumable: done trials are skipped).

    OUT must be new, empty, or a results folder of a compatible suite; a folder
    holding anything else is refused, and unreadable or stray record files are
    moved into OUT/quarantine/ (never deleted) and their trials rerun.
    """
    from rlbench.cards import check_card_dir
    from rlbench.driver import default_out, run_suite
    from rlbench.spec import load_suite
    from rlbench.suite_compiler import expand, suite_catalog

    if executor not in ("local", "ray"):
        raise InputError(f"--executor: unknown executor {executor!r}; executors are local, ray")
    for folder in cards or ():
        check_card_dir(folder, "--cards")
    spec = load_suite(suite)
    plan = expand(spec, suite_catalog(spec, tuple(str(c) for c in cards or ())))
    root = out or default_out(spec)
    if dry_run:
        from rlbench.commands.plan_cmd import print_plan

        print_plan(plan, root, allow_changed_suite)
        return
    summary = run_suite(
        spec, root, workers=workers, executor=executor, retry_failed=retry_failed,
        trial_timeout=trial_timeout, address=address, max_retries=max_retries,
        cpus_per_trial=cpus_per_trial, progress=progress, plan=plan,
        allow_changed_suite=allow_changed_suite,
        batch_seeds=batch_seeds,
    )  # fmt: skip
    _print_run(summary, sequential_study=spec.sequential is not None)
    if report and not summary.interrupted:
        from rlbench.report import build_report

        page = build_report(summary.path, summary.path / "report")
        console(stderr=True).print(f"report: {page}")
    raise typer.Exit(summary.exit_code)


def _print_run(summary, sequential_study: bool) -> None:
    """What a run did: trials by status, failure reasons, decisions, an interruption."""
    con = console(stderr=True)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.status_counts.items()))
    con.print(
        f"{summary.path}: {summary.planned} trials ({counts}); ran {summary.ran}, "
        f"skipped {summary.skipped} already stored"
    )
    for error, n in summary.failures.items():
        con.print(f"  failed ×{n}: {error}")
    if sequential_study:
        from rlbench import sequential
        from rlbench.commands.compare_cmd import print_sequential

        state = sequential.read(summary.path)
        if state is not None:
            print_sequential(state)
    if summary.interrupted:
        con.print(
            f"interrupted ({_signal_name(summary.signal)}): finished trials are kept; "
            "run the same command to resume"
        )


def _signal_name(signum: int | None) -> str:
    import signal

    return signal.Signals(signum or signal.SIGINT).name


class ListKind(str, Enum):
    agents = "agents"
    envs = "envs"
    suites = "suites"


@app.command("list")
def list_cmd(
    kind: Annotated[ListKind, typer.Argument(help="What to list.")],
    cards: CardsOpt = None,
) -> None:
    """List the agent cards, env cards or shipped suites."""
    from rich.table import Table

    from rlbench.cards import catalog, check_card_dir

    for folder in cards or ():
        check_card_dir(folder, "--cards")
    cat = catalog(tuple(str(c.resolve()) for c in cards or ()))
    if kind is ListKind.agents:
        table = Table("agent", "entry", "hyperparameters", "per-env defaults", "description")
        for a in cat.agents.values():
            table.add_row(
                a.name,
                a.entry,
                ", ".join(a.hparams) or "-",
                ", ".join(a.per_env) or "-",
                a.description,
            )
    elif kind is ListKind.envs:
        table = Table("env", "family", "horizon", "thresholds", "random", "reference")
        for e in cat.envs.values():
            th = ", ".join(
                f"{k}={v.value:g}{' (default)' if k == e.default_threshold else ''}"
                for k, v in e.thresholds.items()
            )
            fmt = lambda x: "-" if x is None else f"{x:g}"  # noqa: E731
            table.add_row(
                e.name,
                e.family,
                str(e.horizon),
                th or "-",
                fmt(e.scores.random),
                fmt(e.scores.reference),
            )
    else:
        from rlbench.spec import load_suite, shipped_suites

        table = Table("suite", "envs", "agents", "seeds", "budget (steps)", "description")
        for name, path in shipped_suites().items():
            s = load_suite(str(path))
            table.add_row(
                name, ", ".join(e.id for e in s.env_entries()),
                ", ".join(s.agent_label(i) for i in range(len(s.agents))),
                str(len(s.seed_list())), f"{s.budget.steps:,}", s.description,
            )  # fmt: skip
    console().print(table)


@app.command()
def status(path: Annotated[Path, typer.Argument(help="Results folder.")]) -> None:
    """Counts by status per agent and env, and the distinct failure reasons."""
    from rich.table import Table

    from rlbench.store import load

    res = load(path)
    trials = res.trials
    pending = _pending(path, set(trials["trial_id"]))
    table = Table("agent", "env", "done", "failed", "pending", title=str(path))
    groups = sorted(set(zip(trials["agent"], trials["env"], strict=True)) | set(pending))
    for agent, env in groups:
        sub = trials[(trials["agent"] == agent) & (trials["env"] == env)]
        table.add_row(
            agent, env, str(int((sub["status"] == "done").sum())),
            str(int((sub["status"] == "failed").sum())), str(pending.get((agent, env), 0)),
        )  # fmt: skip
    con = console()
    con.print(table)
    failed = trials[trials["status"] == "failed"]
    if len(failed):
        con.print("failure reasons:")
        for error, n in failed["error"].fillna("?").value_counts().items():
            con.print(f"  ×{n}: {str(error).splitlines()[0][:200]}")


def _pending(path: Path, stored: set[str]) -> dict[tuple[str, str], int]:
    """Trials of the folder's resolved suite that have no record yet."""
    from collections import Counter

    from rlbench.spec import load_suite
    from rlbench.suite_compiler import expand

    suite_file = path / "suite.yaml"
    if not suite_file.exists():
        return {}
    try:
        plan = expand(load_suite(str(suite_file)))
    except InputError:
        return {}
    return dict(Counter((t.agent, t.env) for t in plan.trials if t.trial_id not in stored))


class ExportFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"


class Table_(str, Enum):
    trials = "trials"
    curves = "curves"


@app.command()
def export(
    path: Annotated[Path, typer.Argument(help="Results folder or runs table (CSV, parquet).")],
    out: Annotated[Path, typer.Option(help="Output file.")],
    format: Annotated[ExportFormat, typer.Option(help="csv or parquet.")] = ExportFormat.csv,
    table: Annotated[
        Table_, typer.Option(help="trials (one row per trial) or curves.")
    ] = Table_.trials,
) -> None:
    """Export a results folder's trials or curves table."""
    from rlbench.folder import ensure_dir
    from rlbench.store import load

    res = load(path)
    frame = res.trials if table is Table_.trials else res.curves
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; name the file to write, e.g. {out}/trials.csv")
    ensure_dir(out.parent, "output folder")
    if format is ExportFormat.csv:
        frame.to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    console(stderr=True).print(f"wrote {len(frame)} rows to {out}")


def _register_commands() -> None:
    """Commands defined in rlbench.commands (each imports only typer at the top)."""
    from rlbench.commands.compare_cmd import compare_command, power_command
    from rlbench.commands.import_cmd import import_command
    from rlbench.commands.report_cmd import plot_command, report_command
    from rlbench.commands.reproduce_cmd import reproduce_command
    from rlbench.commands.sensitivity_cmd import sensitivity_command
    from rlbench.commands.tune_cmd import tune_command

    app.command("compare")(compare_command)
    app.command("power")(power_command)
    app.command("sensitivity")(sensitivity_command)
    app.command("report")(report_command)
    app.command("plot")(plot_command)
    app.command("reproduce")(reproduce_command)
    app.command("tune")(tune_command)
    app.command("import")(import_command)


_register_commands()


def main() -> None:
    """Console entry point: bad input → one line on stderr, exit code 2.

    Ctrl-C and SIGTERM stop any command with 130 / 143 and one line, even in a
    process that was started with SIGINT ignored (a background job).
    """
    import signal

    from rlbench.signals import exit_code, stop_on_signals, unreported_stop

    try:
        with stop_on_signals():
            app()
    except SystemExit:
        # typer ends a command that a signal stopped with a silent exit 130
        signum = unreported_stop()
        if signum is None:
            raise
        print(f"rlbench: interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        sys.exit(128 + signum)
    except InputError as exc:
        print(f"rlbench: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        print("rlbench: interrupted", file=sys.stderr)
        sys.exit(exit_code(exc))


if __name__ == "__main__":
    main()
