"""The tuning driver: Optuna batches run as ordinary rlbench trials, then a retest.

Every evaluation is a `rlbench.trials.Trial` built by `rlbench.suite_compiler.expand`
from the suite with the sampled values as hyperparameter overrides, run by the
driver's executors (local pool or Ray) and written by the `rlbench.store.Store`
as an ordinary record, with ``phase`` ``tune`` or ``test``. The Optuna study
lives in ``DIR/tune.db`` (SQLite); the records are the ground truth: a config
whose records exist is never run again, so a killed run resumes where it
stopped and a finished run rerun runs nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlbench.cards import Catalog, catalog
from rlbench.driver import make_executor, resolved_suite_yaml
from rlbench.errors import SpecError
from rlbench.folder import add_trials, check_target
from rlbench.spec import Suite, load_suite
from rlbench.store import Store, run_entry
from rlbench.suite_compiler import expand
from rlbench.trials import Trial, short_hash
from rlbench.tune import results as tune_results
from rlbench.tune.scores import seed_scores, statistic
from rlbench.tune.spec import TunePlan, resolve
from rlbench.tune.study import Candidate, Search, run_search, tpe_startup

DB_NAME = "tune.db"
SUMMARY_NAME = "tune.json"


@dataclass
class TuneOutcome:
    """What a tuning run did, and its summary (the content of ``tune.json``)."""

    path: Path
    summary: dict[str, Any]
    ran: int = 0
    failed: int = 0
    interrupted: bool = False
    timing: dict[str, float] = field(default_factory=dict)
    """Wall seconds: ``total``; ``executor`` (inside executor runs) and ``driver`` (the
    rest); ``setup``, ``search`` (the tuning phase) with ``search_executor`` (its part
    inside executor runs) and ``search_cpu`` (the driver process's CPU time in it),
    ``summary`` (scores, CIs, importances, ``tune.json``)."""

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else (1 if self.failed else 0)


def config_trials(
    plan: TunePlan, params: dict[str, Any], seeds: Sequence[int], phase: str, number: int | None
) -> list[Trial]:
    """The trials of one configuration (every env x seed), built by `expand`.

    Raises:
        SpecError: the values break a card constraint or validator (an infeasible config).
    """
    suite = plan.suite
    entry = suite.agents[plan.agent_index]
    agent = entry.model_copy(
        update={"hparams": {**entry.hparams, **params}, "perturb": None, "name": plan.label}
    )
    derived = suite.model_copy(update={"agents": [agent], "seeds": list(seeds), "tune": None})
    perturbation = {"kind": "base"} if number is None else {"kind": "tune", "number": number}
    return [
        dataclasses.replace(t, phase=phase, perturbation=perturbation)
        for t in expand(derived, _catalog(suite)).trials
    ]


def _catalog(suite: Suite) -> Catalog:
    return catalog(suite.card_dirs())


def group_id(trials: Sequence[Trial]) -> tuple[str, dict[str, str]]:
    """A configuration's id: rlbench's config id on one env, a hash of them on several."""
    ids = {t.env: t.config_id for t in trials}
    if len(set(ids.values())) == 1:
        return next(iter(ids.values())), ids
    return short_hash(sorted(ids.items()), 10), ids


class Tuner:
    """One tuning run on a results folder (hold the folder's lock while it runs)."""

    def __init__(self, plan: TunePlan, store: Store, executor: Any, progress: bool):
        self.plan = plan
        self.store = store
        self.executor = executor
        self.progress = progress
        self.metric = plan.spec.objective.metric
        self.records: dict[str, dict[str, Any]] = {}
        for rec in store.iter_records():
            self._remember(rec)
        self.ran = self.failed = 0
        self.executor_s = 0.0

    def _remember(self, rec: dict[str, Any]) -> None:
        self.records[rec["trial_id"]] = {
            "status": rec["status"],
            "value": rec["summary"].get(self.metric) if rec["status"] == "done" else None,
            "budget_steps": rec["budget_steps"],
            "wall_time": rec["wall_time"],
            "phase": rec.get("phase"),
        }

    def run_trials(self, trials: Sequence[Trial]) -> None:
        """Run the trials that have no record yet (in one executor run)."""
        todo = list({t.trial_id: t for t in trials if t.trial_id not in self.records}.values())
        if not todo:
            return

        def on_result(record: dict[str, Any]) -> None:
            self.store.write_record(record)
            self._remember(record)
            self.ran += 1
            self.failed += record["status"] != "done"

        add_trials(self.store, [t.trial_id for t in todo])  # the folder's own, before they run
        t0 = time.perf_counter()
        self.executor.run(todo, on_result)
        self.executor_s += time.perf_counter() - t0

    def scores(self, trials: Sequence[Trial], seeds: Sequence[int]) -> Any:
        values = {(t.env, t.seed): self.records[t.trial_id]["value"] for t in trials}
        return seed_scores(values, self.plan.envs, seeds, self.plan.normalise)

    def evaluate(self, batch: list[Candidate]) -> list[tuple[float | None, dict[str, Any]]]:
        """Run a batch of configurations on the tuning seeds; their objectives."""
        spec = self.plan.spec
        groups: list[list[Trial] | str] = []
        for c in batch:
            try:
                groups.append(config_trials(self.plan, c.params, self.plan.tuning_seeds, "tune",
                                            c.number))  # fmt: skip
            except SpecError as exc:
                groups.append(exc.detail)
        self.run_trials([t for g in groups if not isinstance(g, str) for t in g])
        out: list[tuple[float | None, dict[str, Any]]] = []
        for g in groups:
            if isinstance(g, str):
                out.append((None, {"infeasible": g}))
                continue
            cid, ids = group_id(g)
            scores = self.scores(g, self.plan.tuning_seeds)
            value = statistic(scores, spec.objective.stat, spec.reps, spec.seed)
            attrs: dict[str, Any] = {"config_id": cid, "config_ids": ids}
            failed = sum(self.records[t.trial_id]["status"] != "done" for t in g)
            if failed or value != value:  # NaN: a failed trial leaves no score
                attrs["failed"] = failed
                out.append((None, attrs))
            else:
                out.append((value, attrs))
        return out

    def note(self, finished: int, total: int) -> None:
        if self.progress:
            print(f"tune: {finished}/{total} configurations", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _held(executor: Any) -> Iterator[Any]:
    """Keep the executor's workers (or Ray) up for the whole tune, not one batch."""
    if hasattr(executor, "keep_workers"):
        with executor.keep_workers():
            yield executor
    elif hasattr(executor, "_init"):
        started = executor._init()
        try:
            yield executor
        finally:
            if started:
                executor.ray.shutdown()
    else:
        yield executor


def run_tune(
    suite: Suite | str | Path,
    out: Path | str | None = None,
    *,
    workers: int | None = None,
    executor: str = "local",
    address: str | None = None,
    trial_timeout: float | None = None,
    progress: bool = True,
    cards: Catalog | None = None,
) -> TuneOutcome:
    """Tune an agent of a suite into a results folder, resuming what is there.

    Args:
        suite: a Suite with a ``tune:`` section, a path, or a shipped suite's name.
        out: the results folder (default ``results/<suite name>``).
        workers: parallel trials (default: CPU count); never changes a result.
        executor: ``local`` or ``ray``.

    Returns:
        A TuneOutcome; its summary is also written to ``out/tune.json``.

    Raises:
        InputError: bad suite or tune section (nothing is written), folder in use.
    """
    if not isinstance(suite, Suite):
        suite = load_suite(str(suite))
    plan = resolve(suite, cards)
    config_trials(plan, {}, plan.tuning_seeds, "tune", None)  # bad input fails here, not later
    root = Path(out) if out is not None else Path("results") / suite.name
    check_target(root)  # a file, a foreign or read-only folder: refused before any write
    started = time.perf_counter()
    executor_obj = make_executor(executor, workers, trial_timeout, root / "logs", address)
    with Store(root) as store:
        search = Search(plan, f"sqlite:///{(root / DB_NAME).resolve()}")
        search.claim(fingerprint(plan), str(root))
        tuner = Tuner(plan, store, executor_obj, progress)
        retest = _retest_groups(plan, search) if search.done() else None
        work = not search.done() or any(
            t.trial_id not in tuner.records for _, g in retest or [] for t in g
        )
        if work:
            store.write_suite(resolved_suite_yaml(suite))
            store.add_run({**run_entry(" ".join(sys.argv), plan.spec.trials), "kind": "tune",
                           "executor": executor})  # fmt: skip
        interrupted = False
        timing = {"setup": time.perf_counter() - started}
        try:
            with _held(executor_obj):
                retest = _search_then_retest(plan, search, tuner, progress, timing)
        except KeyboardInterrupt:
            interrupted = True
        if work:
            store.update_last_run(ended=time.time(), interrupted=interrupted)
        summary: dict[str, Any] = {}
        if not interrupted:
            assert retest is not None
            t0 = time.perf_counter()
            summary = tune_results.summarise(plan, search, retest, tuner, store)
            tune_results.write_summary(root / SUMMARY_NAME, summary)
            timing["summary"] = time.perf_counter() - t0
    total = time.perf_counter() - started
    timing.update(total=total, executor=tuner.executor_s, driver=total - tuner.executor_s)
    return TuneOutcome(root, summary, tuner.ran, tuner.failed, interrupted, timing)


def _search_then_retest(
    plan: TunePlan, search: Search, tuner: Tuner, progress: bool, timing: dict[str, float]
) -> list[tuple[Any, list[Trial]]]:
    """Run the search to its end, then the retest of its best configs; timings into ``timing``."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    run_search(search, tuner.evaluate, tuner.note if progress else None)
    timing["search"] = time.perf_counter() - t0
    timing["search_cpu"] = time.process_time() - cpu0
    timing["search_executor"] = tuner.executor_s
    retest = _retest_groups(plan, search)
    tuner.run_trials([t for _, g in retest for t in g])
    return retest


def fingerprint(plan: TunePlan) -> str:
    """What fixes the sequence of tuning configurations; ``trials`` and the retest may grow."""
    spec = plan.spec
    suite = plan.suite.model_dump(mode="json", exclude={"source", "tune", "description"})
    return short_hash(
        {
            "suite": suite,
            "space": {k: repr(v) for k, v in plan.space.items()},
            "grid": plan.grid,
            "tpe_startup": tpe_startup(spec.trials) if spec.sampler == "tpe" else None,
            "tune": spec.model_dump(
                mode="json", include={"agent", "sampler", "seed", "batch", "tuning_seeds",
                                      "objective"}),
        },
        16,
    )  # fmt: skip


def _retest_groups(plan: TunePlan, search: Search) -> list[tuple[Any, list[Trial]]]:
    """(Optuna trial or None for the default config, its test-phase trials)."""
    groups: list[tuple[Any, list[Trial]]] = []
    for trial in search.top(plan.spec.retest_top):
        groups.append((trial, config_trials(plan, trial.params, plan.test_seeds, "test",
                                            trial.number)))  # fmt: skip
    if plan.spec.retest_default:
        groups.append((None, config_trials(plan, {}, plan.test_seeds, "test", None)))
    return groups
