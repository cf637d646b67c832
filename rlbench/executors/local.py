"""Local executor: a pool of spawned worker processes, one trial at a time each.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one worker dies (a
segfault, ``os._exit``) it breaks the whole pool and fails every pending
future. Here each worker has its own pipe; the driver watches the pipes and the
process sentinels, so a dead worker costs exactly its one trial (recorded as
failed) and is replaced. Workers are long-lived to keep per-trial overhead low;
every trial reseeds the global RNGs where it starts, so a record never depends
on which worker ran it or what ran before.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from rlbench.batching import Unit, trials_of, unit_timeout
from rlbench.executors import THREAD_CAPS
from rlbench.runner import failed_record, timeout_record
from rlbench.trials import Trial

READY = "ready"


def _exit_with_driver(driver_pid: int, every: float = 0.5) -> None:
    """End this worker soon after its driver is gone (even by SIGKILL).

    A worker busy with a trial does not read its pipe, so it would otherwise
    run on as an orphan until the trial ends.
    """
    while True:
        time.sleep(every)
        if os.getppid() != driver_pid:
            os._exit(1)


def _worker_main(conn: Connection, log_path: str | None, driver_pid: int) -> None:
    # the driver handles Ctrl-C and SIGTERM (a signal sent to the whole group
    # reaches the workers too) and stops the workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_driver, args=(driver_pid,), daemon=True).start()
    if log_path:
        # MuJoCo prints harmless warnings straight to fd 2; keep them in a log
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    from rlbench.batching import run_unit

    conn.send(READY)  # a trial's timeout starts now, not while the worker imports
    while True:
        try:
            unit = conn.recv()
        except EOFError:
            return
        if unit is None:
            return
        conn.send(run_unit(unit))  # a list: one record per trial of the unit


@dataclass
class _Slot:
    index: int
    process: Any
    conn: Connection
    trial: Unit | None = None  # one trial, or a seed batch (rlbench.batching)
    started: float = 0.0


class LocalExecutor:
    """Run trials on ``workers`` local processes.

    Args:
        workers: number of worker processes (default: CPU count).
        trial_timeout: seconds after which a trial's worker is killed and the
            trial recorded as failed (None: no limit).
        log_dir: folder for the workers' stderr (None: inherit).
    """

    name = "local"

    def __init__(
        self,
        workers: int | None = None,
        trial_timeout: float | None = None,
        log_dir: Path | None = None,
    ):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.trial_timeout = trial_timeout
        self.log_dir = log_dir
        self._ctx = mp.get_context("spawn")
        self._kept: list[_Slot] | None = None  # idle workers kept between runs

    @contextlib.contextmanager
    def keep_workers(self) -> Iterator[LocalExecutor]:
        """Keep the worker processes alive between ``run`` calls (batches of a tune)."""
        self._kept = []
        try:
            yield self
        finally:
            kept, self._kept = self._kept, None
            self._shutdown(kept or [])

    def _start(self, index: int) -> _Slot:
        parent, child = self._ctx.Pipe()
        log = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = str(self.log_dir / f"worker-{index}.log")
        saved = {k: os.environ.get(k) for k in THREAD_CAPS}
        os.environ.update(THREAD_CAPS)  # one BLAS thread per worker
        try:
            proc = self._ctx.Process(
                target=_worker_main, args=(child, log, os.getpid()), daemon=True
            )
            proc.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        return _Slot(index, proc, parent)

    def run(
        self,
        trials: Iterable[Unit],
        on_result: Callable[[dict[str, Any]], None],
        on_start: Callable[[Trial], None] | None = None,
    ) -> None:
        """Run every trial; call ``on_result(record)`` in the driver for each.

        An item may be a seed batch (a tuple of trials, ``rlbench.batching``):
        it runs in one worker and its records arrive one per trial.

        Failures of a trial (exception, crash of its process, timeout) arrive
        as failed records. KeyboardInterrupt stops the workers and propagates.
        """
        queue = deque(trials)
        slots: list[_Slot] = self._kept or []
        keep = self._kept is not None
        try:
            # inside the try: a stop while workers start still stops those started
            for i in range(len(slots), min(self.workers, len(queue))):
                slots.append(self._start(i))
            while True:
                self._dispatch(slots, queue, on_start)
                busy = [s for s in slots if s.trial is not None]
                if not busy:
                    break
                ready = wait(
                    [s.conn for s in busy] + [s.process.sentinel for s in busy],
                    self._wait_for(busy),
                )
                for i, slot in enumerate(slots):
                    if slot.trial is None:
                        continue
                    if slot.conn in ready or slot.process.sentinel in ready:
                        records = self._receive(slot)
                        if isinstance(records, str):  # READY
                            slot.started = time.monotonic()
                            continue
                        if records is None:
                            records = self._crashed(slot)
                            slots[i] = self._replace(slot)
                        else:
                            slots[i].trial = None
                        for record in records:
                            on_result(record)
                    elif self.trial_timeout is not None and _timed_out(slot, self.trial_timeout):
                        unit = slot.trial
                        slots[i] = self._replace(slot)
                        for trial in trials_of(unit):
                            on_result(timeout_record(trial, self.trial_timeout))
        except BaseException:
            keep = False
            raise
        finally:
            if keep:
                self._kept = slots
            else:
                self._kept = [] if self._kept is not None else None
                self._shutdown(slots)

    @staticmethod
    def _dispatch(
        slots: list[_Slot], queue: deque[Unit], on_start: Callable[[Trial], None] | None
    ) -> None:
        """Hand the next unit to every idle worker."""
        for slot in slots:
            if slot.trial is None and queue:
                slot.trial = queue.popleft()
                slot.started = time.monotonic()
                slot.conn.send(slot.trial)
                for trial in trials_of(slot.trial):
                    if on_start:
                        on_start(trial)

    def _wait_for(self, busy: list[_Slot]) -> float:
        """Seconds to wait for a worker: 0.5, or less when a timeout falls due sooner."""
        if self.trial_timeout is None:
            return 0.5
        ends = [s.started + unit_timeout(s.trial, self.trial_timeout) for s in busy]
        return max(0.0, min(0.5, min(ends) - time.monotonic()))

    @staticmethod
    def _crashed(slot: _Slot) -> list[dict[str, Any]]:
        """Failed records of the unit whose worker died."""
        slot.process.join(5)
        code = slot.process.exitcode
        why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        assert slot.trial is not None  # only a busy worker can die mid-trial
        return [
            failed_record(trial, f"worker process died ({why}) while running the trial", "crashed")
            for trial in trials_of(slot.trial)
        ]

    def _receive(self, slot: _Slot) -> list[dict[str, Any]] | str | None:
        try:
            if slot.conn.poll():
                return slot.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def _replace(self, slot: _Slot) -> _Slot:
        slot.process.kill()
        slot.process.join(5)
        slot.conn.close()
        return self._start(slot.index)

    def _shutdown(self, slots: list[_Slot]) -> None:
        for slot in slots:
            try:
                if slot.trial is None:
                    slot.conn.send(None)
                else:
                    slot.process.kill()
            except (OSError, BrokenPipeError):
                pass
        for slot in slots:
            slot.process.join(2)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(2)
            slot.conn.close()


def _timed_out(slot: _Slot, limit: float) -> bool:
    """Whether the slot's unit has run past its timeout (``limit`` per trial)."""
    assert slot.trial is not None
    return time.monotonic() - slot.started >= unit_timeout(slot.trial, limit)
