"""The driver: expand a suite, skip what is done, run the rest, write the store.

Only the driver writes to the results folder, one atomic write per record, so
a sweep killed at any moment resumes with the same command and loses at most
the trials that were running.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rlbench.batching import group
from rlbench.errors import InputError
from rlbench.executors import Executor
from rlbench.folder import check_target, open_for_run, record_run
from rlbench.signals import deferred, exit_code, mark_reported, stop_on_signals
from rlbench.spec import Suite, load_suite
from rlbench.store import Store, run_entry
from rlbench.suite_compiler import expand
from rlbench.trials import Plan, Trial


@dataclass
class RunSummary:
    """What a run did. ``status_counts`` covers every trial of the suite."""

    path: Path
    planned: int
    skipped: int
    #: trials that finished (done or failed) in this run
    ran: int
    status_counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    #: the signal that stopped the run (SIGINT or SIGTERM), when ``interrupted``
    signal: int | None = None

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + (self.signal or 2)
        return 1 if self.status_counts.get("failed", 0) else 0


def default_out(suite: Suite) -> Path:
    return Path("results") / suite.name


def resolved_suite_yaml(suite: Suite) -> str:
    body = suite.model_dump(mode="json", exclude={"source"}, exclude_none=True)
    head = f"# resolved suite; source: {suite.source or '<in memory>'}\n"
    return head + yaml.safe_dump(body, sort_keys=False)


def make_executor(
    name: str,
    workers: int | None,
    trial_timeout: float | None,
    log_dir: Path | None,
    address: str | None = None,
    max_retries: int = 1,
    cpus_per_trial: float = 1.0,
) -> Executor:
    if name == "local":
        from rlbench.executors.local import LocalExecutor

        return LocalExecutor(workers, trial_timeout, log_dir)
    if name == "ray":
        from rlbench.executors.ray import RayExecutor

        return RayExecutor(address, trial_timeout, max_retries, cpus_per_trial, workers)
    raise InputError(f"unknown executor {name!r}; executors are local, ray")


def run_suite(
    suite: Suite | str | Path,
    out: Path | str | None = None,
    *,
    workers: int | None = None,
    executor: str = "local",
    retry_failed: bool = False,
    trial_timeout: float | None = None,
    address: str | None = None,
    max_retries: int = 1,
    cpus_per_trial: float = 1.0,
    progress: bool = True,
    plan: Plan | None = None,
    allow_changed_suite: bool = False,
    _stage: bool = False,
    batch_seeds: int | None = None,
) -> RunSummary:
    """Run a suite into a results folder, resuming what is already there.

    Args:
        suite: a validated Suite, a path, or a shipped suite's name.
        out: the results folder (default ``results/<suite name>``).
        workers: parallel trials (default: CPU count).
        executor: ``local`` (process pool) or ``ray``.
        retry_failed: rerun trials whose stored record failed.
        trial_timeout: seconds before a trial is stopped and recorded failed.
        progress: show a Rich progress bar on stderr.
        plan: the expanded suite, or the part of it to run (default: all of it).
            A suite with sequential seeds runs in stages (`rlbench.sequential`);
            ``_stage`` marks one stage's call.
        allow_changed_suite: accept a suite that changes the folder's study (budget,
            evaluation, an agent's hyperparameters, ...): the records of the changed
            settings move into ``superseded/`` and the folder follows the new suite.
        batch_seeds: seeds per worker for cards with a ``batch_entry``
            (``rlbench.batching``); None: each card's ``batch_seeds``.

    Returns:
        A RunSummary; ``exit_code`` is 0 when every trial of the suite is done.

    Raises:
        InputError: bad suite, unknown names, results folder in use.
    """
    if not isinstance(suite, Suite):
        suite = load_suite(str(suite))
    plan = plan or expand(suite)
    root = Path(out) if out is not None else default_out(suite)
    check_target(root)  # a file, a foreign or read-only folder: refused before any write
    if suite.sequential is not None and not _stage:
        from functools import partial

        from rlbench.sequential import run_sequential

        stage = partial(
            run_suite, suite, root, workers=workers, executor=executor,
            retry_failed=retry_failed, trial_timeout=trial_timeout, address=address,
            max_retries=max_retries, cpus_per_trial=cpus_per_trial, progress=progress,
            allow_changed_suite=allow_changed_suite, _stage=True, batch_seeds=batch_seeds,
        )  # fmt: skip
        return run_sequential(plan, root, lambda sub: stage(plan=sub))
    executor_obj = make_executor(
        executor, workers, trial_timeout, root / "logs", address, max_retries, cpus_per_trial
    )
    summary = RunSummary(root, len(plan.trials), 0, 0)
    stored: dict[str, tuple[str, str | None]] = {}
    with stop_on_signals(), Store(root) as store:
        run_open = False
        try:
            with deferred():  # the run's entry is written whole, or not at all
                todo = _open_run(store, suite, plan, stored, retry_failed, executor,
                                 allow_changed_suite)  # fmt: skip
                summary.skipped = len(plan.trials) - len(todo)
                run_open = True
            bar = _Progress(todo, enabled=progress and bool(todo))

            def on_result(record: dict[str, Any]) -> None:
                # a stop signal waits until the record and its bookkeeping agree
                with deferred():
                    store.write_record(record)
                    stored[record["trial_id"]] = (record["status"], record["error"])
                    summary.ran += 1
                bar.finished(record)

            with bar:
                if todo:
                    units = group(todo, batch_seeds)  # seed batches; records stay per trial
                    executor_obj.run(units, on_result, on_start=bar.started)
        except KeyboardInterrupt as exc:
            summary.interrupted = True
            summary.signal = exit_code(exc) - 128
            mark_reported()  # the summary says so
        if run_open:
            with deferred():
                store.update_last_run(
                    ended=time.time(),
                    interrupted=summary.interrupted,
                    signal=summary.signal,
                    ran=summary.ran,
                )
    outcomes = [stored.get(t.trial_id, ("pending", None)) for t in plan.trials]
    summary.status_counts = dict(Counter(status for status, _ in outcomes))
    summary.failures = dict(
        Counter(_short(error or "?") for status, error in outcomes if status == "failed")
    )
    return summary


def _open_run(
    store: Store,
    suite: Suite,
    plan: Plan,
    stored: dict[str, tuple[str, str | None]],
    retry_failed: bool,
    executor: str,
    allow_changed_suite: bool,
) -> list[Trial]:
    """Check the folder's study, fill ``stored``, record the run; the trials to run."""
    start = open_for_run(store, plan, allow_changed_suite)
    stored.update(start.stored)
    todo = [
        trial
        for trial in plan.trials
        if stored.get(trial.trial_id, (None, None))[0] is None
        or (retry_failed and stored[trial.trial_id][0] == "failed")
    ]
    entry = run_entry(" ".join(sys.argv), len(plan.trials))
    entry.update(executor=executor, to_run=len(todo), dropped=plan.dropped)
    record_run(store, start, resolved_suite_yaml(suite), entry)
    return todo


def _short(text: str, width: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= width else line[: width - 1] + "…"


class _Progress:
    """Rich progress bar: trials done/failed/running, env steps/s, ETA.

    At start it says what the run costs on this machine (`rlbench.eta`): the
    planned env steps and the env's measured steps/s, before any trial ends.
    """

    def __init__(self, todo: list[Trial], enabled: bool):
        from rlbench.eta import planned_env_steps

        self.enabled = enabled
        self.planned = {t.trial_id: sum(planned_env_steps(t)) for t in todo}
        self.total_steps = sum(self.planned.values())  # training + evaluation env steps
        self.n = len(todo)
        self.done = self.failed = self.running = 0
        self.steps = 0  # env steps of the finished trials
        self.t0 = time.monotonic()
        self.todo = todo
        self.rate: float | None = None  # one process' env steps/s, measured at start
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._console = Console(stderr=True)
            self._progress = Progress(
                TextColumn("[bold]trials"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TextColumn(
                    "[green]{task.fields[done]} done[/] [red]{task.fields[failed]} failed[/] "
                    "[yellow]{task.fields[running]} running[/]"
                ),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA {task.fields[eta]}"),
                console=self._console,
                transient=False,
            )
            self._task = self._progress.add_task(
                "run", total=self.n, done=0, failed=0, running=0, rate="", eta="-"
            )

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rlbench.eta import measure_rates, start_line, weighted_rate

            rates = measure_rates(self.todo)
            self.rate = weighted_rate(self.todo, rates)
            self._console.print(start_line(self.todo, rates), markup=False, highlight=False)
            self.t0 = time.monotonic()
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._progress.__exit__(None, None, None)

    def started(self, trial: Trial) -> None:
        self.running += 1
        self._update()

    def finished(self, record: dict[str, Any]) -> None:
        self.running = max(0, self.running - 1)
        if record["status"] == "done":
            self.done += 1
        else:
            self.failed += 1
        self.steps += self.planned.get(record["trial_id"], record["budget_steps"])
        self._update(advance=1)

    def _update(self, advance: int = 0) -> None:
        if not self.enabled:
            return
        from rlbench.eta import duration_text, eta_seconds

        elapsed = max(time.monotonic() - self.t0, 1e-9)
        rate = f"{self.steps / elapsed:,.0f} steps/s" if self.steps else ""
        left = eta_seconds(self.total_steps - self.steps, self.steps, elapsed, self.running,
                           self.rate)  # fmt: skip
        self._progress.update(
            self._task, advance=advance, done=self.done, failed=self.failed,
            running=self.running, rate=rate, eta=duration_text(left) if left is not None else "-",
        )  # fmt: skip
