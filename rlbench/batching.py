"""Seed batches: K trials that differ only in seed, run in one worker as one unit.

A card with a ``batch_entry`` (a factory that takes a list of trial contexts and
returns one failure or None per context) can train several seeds of one config
together. ``group`` turns the driver's list of trials into units of work: a
single ``Trial``, or a tuple of trials that share everything but their seed.
Executors run a unit with ``run_unit`` and get one ordinary record per trial
back, so the store, resume (only the missing seeds of a batch rerun: grouping
is applied to the trials still to run) and the statistics never see batches.

A seed's record must not depend on its batch: the batched learner draws each
seed's randomness from that seed's own streams (``rlbench.seeding``), which is
why ``batch_seeds`` is not part of a trial's id.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from rlbench.trials import Trial

Unit = Trial | tuple[Trial, ...]
"""What an executor sends to a worker: one trial, or a seed batch of trials."""

_NOT_SHARED = {"trial_id", "seed"}


def _batch_key(trial: Trial) -> tuple[str, ...]:
    from rlbench.trials import canonical_json

    return tuple(
        canonical_json(getattr(trial, f.name)) for f in fields(trial) if f.name not in _NOT_SHARED
    )


def group(trials: Iterable[Trial], batch_seeds: int | None = None) -> list[Unit]:
    """Group trials into seed batches, in the order of their first trial.

    Args:
        trials: the trials to run (already filtered by the store: done trials
            are not here, so a partly finished batch reruns its missing seeds).
        batch_seeds: seeds per batch for every batchable card (``--batch-seeds``);
            None: each card's own ``batch_seeds``. Cards without a
            ``batch_entry`` always run one trial per unit.

    Returns:
        Units: a ``Trial`` alone, or a tuple of at most K trials that share
        everything but the seed (and id).
    """
    units: list[Unit] = []
    open_batches: dict[tuple[str, ...], list[Trial]] = {}
    slots: dict[tuple[str, ...], int] = {}
    for trial in trials:
        size = batch_seeds if batch_seeds is not None else trial.batch_seeds
        if trial.batch_entry is None or size <= 1:
            units.append(trial)
            continue
        key = _batch_key(trial)
        batch = open_batches.get(key)
        if batch is None or len(batch) >= size:
            batch = open_batches[key] = []
            slots[key] = len(units)
            units.append(())
        batch.append(trial)
        units[slots[key]] = tuple(batch)
    return [u[0] if isinstance(u, tuple) and len(u) == 1 else u for u in units]


def trials_of(unit: Unit) -> tuple[Trial, ...]:
    """The trials of a unit, in order."""
    return unit if isinstance(unit, tuple) else (unit,)


def unit_timeout(unit: Unit | None, trial_timeout: float) -> float:
    """A batch of K trials may run K times ``--trial-timeout``."""
    return trial_timeout * (len(trials_of(unit)) if unit is not None else 1)


def run_unit(unit: Unit) -> list[dict[str, Any]]:
    """Run a unit of work (in a worker); one record per trial. Never raises for a
    failure of the trials themselves."""
    from rlbench.runner import run_trial

    if isinstance(unit, Trial):
        return [run_trial(unit)]
    return run_batch(list(unit))


def run_batch(trials: list[Trial]) -> list[dict[str, Any]]:
    """Run a seed batch through its card's ``batch_entry``; one record per trial.

    A failure of one seed (returned by the factory) fails that seed's record
    only; an exception of the factory itself fails every trial of the batch.
    """
    from rlbench.runner import Context, finish_record, load_entry, prepare_process

    first = trials[0]
    assert first.batch_entry is not None
    prepare_process(first)  # the batched learner draws from no global RNG
    started = time.time()
    contexts = [Context(trial) for trial in trials]
    failures: list[BaseException | None]
    try:
        factory: Any = load_entry(first.batch_entry)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            failures = list(factory(contexts))
        if len(failures) != len(trials):
            raise RuntimeError(
                f"batch entry {first.batch_entry!r} returned {len(failures)} results "
                f"for {len(trials)} trials"
            )
    except Exception as exc:  # a failing batch must become records, not a dead sweep
        failures = [exc] * len(trials)
    finally:
        for ctx in contexts:
            ctx.close()
    return [
        finish_record(trial, ctx, failure, started)
        for trial, ctx, failure in zip(trials, contexts, failures, strict=True)
    ]
