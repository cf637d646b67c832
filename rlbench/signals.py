"""Stopping a run on SIGINT (Ctrl-C) and SIGTERM (``timeout``, Slurm, ``kill``).

Python's own Ctrl-C handling is not enough for a driver of long sweeps:

- a process started with SIGINT ignored (a background job of a
  non-interactive shell, some CI runners and schedulers) inherits the
  ignore, so Python never raises KeyboardInterrupt and Ctrl-C or
  ``kill -INT`` is silently lost;
- SIGTERM kills the process at once by default: workers are orphaned and the
  manifest's run is left open.

``stop_on_signals`` installs explicit handlers for both signals that raise
``Interrupted`` (a KeyboardInterrupt, so ``except KeyboardInterrupt`` still
catches it) the first time, and only note later signals, so that the cleanup
of the first one (stopping workers, closing the run in the manifest) runs to
its end. ``deferred`` blocks both signals around a short critical section (a
record write and its bookkeeping); a signal that arrives meanwhile is
delivered as soon as the section ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# Every stop signal this process received, and whether the code that stopped
# on it reported it (the driver does, in its summary). Typer turns any
# KeyboardInterrupt into a silent exit 130; the CLI's entry point reads this to
# say what happened and to exit 143 for SIGTERM.
_received: list[int] = []
_reported: list[bool] = [False]


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by ``signum``; ``exit_code`` is 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code(exc: BaseException) -> int:
    """The shell's exit code for a stop: 130 for Ctrl-C, 143 for SIGTERM."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise ``Interrupted`` once.

    Outside the main thread (where Python cannot install handlers) this does
    nothing. The previous handlers are restored on exit.
    """
    if not _in_main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        _received.append(signum)
        if len(received) == 1:
            raise Interrupted(signum)
        # a second signal during the cleanup of the first: the cleanup goes on

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the duration of the block."""
    if not _in_main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def mark_reported() -> None:
    """The stop was reported to the user (e.g. in a run's summary)."""
    _reported[0] = True


def unreported_stop() -> int | None:
    """The first stop signal received that nobody reported, if any."""
    return _received[0] if _received and not _reported[0] else None
