"""The Optuna side of a tune: ask configurations in batches, tell their objective.

Configurations are asked in batches of ``batch`` (fixed by the suite, never by
the worker count) and told in order once the whole batch is evaluated, so the
sequence of configurations depends on the suite and seed only. Before every
ask the sampler is rebuilt with a seed derived from (seed, batch, slot): the
draw of a slot depends on the stored history and its position, not on the
sampler's in-memory state, so a run killed at any point and resumed from the
SQLite storage asks exactly the configurations an uninterrupted run asks.

Every Optuna trial carries a user attribute ``position`` = [batch, slot]. A trial
asked but not yet given a slot when the process died is adopted on resume; a
grid point asked twice within one batch (Optuna's grid sampler does not see
running trials) is marked ``abandoned`` and failed, and not counted.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlbench.tune.spec import TunePlan

STUDY_NAME = "rlbench-tune"


@dataclass(frozen=True)
class Candidate:
    """One configuration of the search: its Optuna number and sampled values."""

    number: int
    params: dict[str, Any]
    trial_id: int | None = None
    finished: bool = False


def _counts(trial: Any) -> bool:
    """A trial given a position in a batch and not abandoned."""
    return "position" in trial.user_attrs and not trial.user_attrs.get("abandoned")


def outcome(trial: Any) -> dict[str, Any]:
    """What the driver stored when it told the trial (empty before)."""
    return dict(trial.user_attrs.get("outcome", {}))


def _optuna() -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def slot_seed(seed: int, batch: int, slot: int) -> int:
    """The sampler seed of one ask: a stable function of the tune seed and position."""
    key = (zlib.crc32(b"sampler"), batch, slot)
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0] >> 1)


def _rdb(url: str) -> Any:
    """Optuna's RDB storage on SQLite, without an fsync per commit.

    ``synchronous=OFF`` with a write-ahead log keeps every committed write
    through a crash or ``kill -9`` of the process (the OS holds the file); only
    a power cut could lose the last writes, and the records, written atomically
    on their own, would then still be skipped on resume.
    """
    import sqlalchemy

    storage = _optuna().storages.RDBStorage(url)

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    sqlalchemy.event.listen(storage.engine, "connect", pragmas)
    storage.engine.dispose()  # connections opened while creating the tables
    return storage


def make_sampler(plan: TunePlan, seed: int) -> Any:
    """Optuna's sampler named by the suite, with this seed."""
    samplers = _optuna().samplers
    if plan.spec.sampler == "random":
        return samplers.RandomSampler(seed=seed)
    if plan.spec.sampler == "grid":
        assert plan.grid is not None
        return samplers.GridSampler(plan.grid, seed=seed)
    # a few random configs first, as Optuna's default, but scaled to small budgets
    startup = max(2, min(10, plan.spec.trials // 3))
    return samplers.TPESampler(seed=seed, n_startup_trials=startup)


class Search:
    """The Optuna study of one tune, on a storage URL (``sqlite:///DIR/tune.db``) or in memory.

    Args:
        plan: the resolved tune.
        storage: an Optuna RDB URL; None keeps the study in memory (simulations).
    """

    def __init__(self, plan: TunePlan, storage: str | None = None):
        optuna = _optuna()
        self.plan = plan
        self.spec = plan.spec
        self.study = optuna.create_study(
            study_name=STUDY_NAME,
            storage=_rdb(storage) if storage else None,
            direction="maximize",
            load_if_exists=True,
            sampler=make_sampler(plan, plan.spec.seed),
        )

    # -- reading the history ---------------------------------------------
    def kept(self) -> list[Any]:
        """Trials that count (given a position, not abandoned), by number."""
        return [t for t in self.study.get_trials(deepcopy=False) if _counts(t)]

    def finished(self) -> list[Any]:
        return [t for t in self.kept() if t.state.is_finished()]

    def complete(self) -> list[Any]:
        state = _optuna().trial.TrialState.COMPLETE
        return [t for t in self.kept() if t.state == state]

    def done(self) -> bool:
        return len(self.finished()) >= self.spec.trials

    # -- asking and telling ----------------------------------------------
    def next_batch(self) -> list[Candidate]:
        """The configurations of the first unfinished batch (resumed or asked now)."""
        every = self.study.get_trials(deepcopy=False)
        kept = [t for t in every if _counts(t)]
        n_finished = sum(t.state.is_finished() for t in kept)
        if n_finished >= self.spec.trials:
            return []
        batch = n_finished // self.spec.batch
        size = min(self.spec.batch, self.spec.trials - batch * self.spec.batch)
        mine: dict[int, Candidate] = {}
        for t in kept:
            b, slot = t.user_attrs["position"]
            if b == batch:
                mine[slot] = Candidate(t.number, dict(t.params), t._trial_id, t.state.is_finished())
        orphans = []
        for t in every:
            if "position" in t.user_attrs or t.state.is_finished():
                continue
            if set(t.params) == set(self.plan.space):
                orphans.append(t)
            else:  # the process died while Optuna stored its values
                self._abandon(t._trial_id, t.number)
        for slot in range(size):
            if slot not in mine:
                taken = [c.params for c in mine.values()]
                mine[slot] = self._ask(batch, slot, orphans.pop(0) if orphans else None, taken)
        for orphan in orphans:  # asked past the batch by a process that died: not counted
            self._abandon(orphan._trial_id, orphan.number)
        return [mine[s] for s in range(size) if not mine[s].finished]

    def _ask(self, batch: int, slot: int, orphan: Any, taken: list[dict[str, Any]]) -> Candidate:
        while True:
            if orphan is not None:
                number, params, trial_id = orphan.number, dict(orphan.params), orphan._trial_id
                orphan = None
            else:
                self.study.sampler = make_sampler(self.plan, slot_seed(self.spec.seed, batch, slot))
                trial = self.study.ask(dict(self.plan.space))
                number, params, trial_id = trial.number, dict(trial.params), trial._trial_id
            if self.spec.sampler == "grid" and params in taken:
                self._abandon(trial_id, number)
                continue
            self.study._storage.set_trial_user_attr(trial_id, "position", [batch, slot])
            return Candidate(number, params, trial_id)

    def _abandon(self, trial_id: int, number: int) -> None:
        self.study._storage.set_trial_user_attr(trial_id, "abandoned", True)
        self.study.tell(number, state=_optuna().trial.TrialState.FAIL)

    def tell(self, candidate: Candidate, value: float | None, outcome: dict[str, Any]) -> None:
        """Finish one trial: COMPLETE with ``value``, or FAIL when it is None.

        Args:
            candidate: the trial, as `next_batch` gave it.
            value: its objective; None for a failed or infeasible configuration.
            outcome: stored as the trial's ``outcome`` user attribute (config ids,
                ``infeasible`` reason, ``failed`` trial count).
        """
        optuna = _optuna()
        assert candidate.trial_id is not None
        self.study._storage.set_trial_user_attr(candidate.trial_id, "outcome", outcome)
        if value is None:
            self.study.tell(candidate.number, state=optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(candidate.number, float(value))

    # -- after the search --------------------------------------------------
    def top(self, k: int) -> list[Any]:
        """The ``k`` best complete trials by objective (ties: the earlier trial)."""
        return select_top([(t.number, t.value) for t in self.complete()], k, self.complete())

    def importance(self) -> dict[str, dict[str, float] | str]:
        """Hyperparameter importances of the tuning history: fANOVA (seeded) and PED-ANOVA."""
        optuna = _optuna()
        ev = optuna.importance
        out: dict[str, dict[str, float] | str] = {}
        complete = self.complete()
        if len(self.plan.space) < 2 or len(complete) < 3:
            why = "needs at least 2 searched parameters and 3 complete configurations"
            return {"fanova": why, "ped_anova": why}
        for key, evaluator in (
            ("fanova", ev.FanovaImportanceEvaluator(seed=self.spec.seed)),
            ("ped_anova", ev.PedAnovaImportanceEvaluator()),
        ):
            try:
                with warnings.catch_warnings():  # "quantiles select the same set": tiny histories
                    warnings.simplefilter("ignore", UserWarning)
                    values = ev.get_param_importances(self.study, evaluator=evaluator)
                out[key] = {name: float(v) for name, v in values.items()}
            except (ValueError, RuntimeError, ImportError) as exc:
                out[key] = f"not computed: {exc}"
        return out


def select_top(scored: Sequence[tuple[int, float]], k: int, items: Sequence[Any]) -> list[Any]:
    """The items of the ``k`` highest scores; ties go to the lower number.

    Args:
        scored: (number, score) per item, in the order of ``items``.
        k: how many to keep.
        items: what is returned.
    """
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], scored[i][0]))
    return [items[i] for i in order[:k]]


def run_search(
    search: Search,
    evaluate: Callable[[list[Candidate]], list[tuple[float | None, dict[str, Any]]]],
    on_batch: Callable[[int, int], None] | None = None,
) -> None:
    """Ask, evaluate and tell batches until the configured number of trials is finished.

    Args:
        search: the study.
        evaluate: (objective or None for a failed config, user attributes) per candidate.
        on_batch: called with (finished, total) after each batch.
    """
    while True:
        batch = search.next_batch()
        if not batch:
            return
        for candidate, (value, attrs) in zip(batch, evaluate(batch), strict=True):
            search.tell(candidate, value, attrs)
        if on_batch:
            on_batch(len(search.finished()), search.spec.trials)
