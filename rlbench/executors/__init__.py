"""Executors: where trials run. The driver talks to every executor through `Executor`.

An executor runs units (a trial, or a seed batch of trials: `rlbench.batching`)
and hands every record back to the driver, which alone writes the results
folder; so a record never depends on the executor that ran it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rlbench.batching import Unit
    from rlbench.trials import Trial

THREAD_CAPS = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
}
"""One BLAS/OpenMP thread per trial, on every executor: trials run side by side."""


class Executor(Protocol):
    """What the driver needs of an executor."""

    name: str

    def run(
        self,
        trials: Iterable[Unit],
        on_result: Callable[[dict[str, Any]], None],
        on_start: Callable[[Trial], None] | None = None,
    ) -> None:
        """Run every unit; call ``on_result(record)`` in the driver once per trial.

        A failure of a trial (exception, crash, timeout) arrives as a failed
        record; KeyboardInterrupt stops the work in flight and propagates.
        """
        ...
