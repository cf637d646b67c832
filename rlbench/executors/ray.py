"""Ray executor: the same trial function as the local pool, as Ray tasks.

Records come back to the driver, which alone writes the store, so a suite run
on Ray gives the same records as a local run (timing fields aside) and resume
works across executors. Ray retries a task whose worker process died
(``max_retries``); past that, or past ``trial_timeout``, the trial becomes a
failed record.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rlbench.batching import Unit, trials_of, unit_timeout
from rlbench.errors import MissingDependencyError
from rlbench.executors import THREAD_CAPS
from rlbench.runner import failed_record, timeout_record
from rlbench.trials import Trial


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError(
            "--executor ray needs Ray, which is not installed; install it with "
            "pip install 'rlbench[ray]' (or pip install 'ray[default]')"
        ) from None
    return ray


STARTED = "started"


def _run_trial_task(unit: Unit) -> Iterator[Any]:
    """A streaming task: first the start marker, then the unit's records.

    The marker comes once the worker has imported the runner, so a trial's
    timeout counts the trial, not the worker's start-up (as in the local pool).
    """
    from rlbench.batching import run_unit

    yield STARTED
    yield run_unit(unit)  # one record per trial of the unit (a trial or a seed batch)


class RayExecutor:
    """Run trials as Ray tasks on a cluster (or a local Ray started for the run).

    Args:
        address: cluster address (``ray start --head`` prints it); None starts a
            local Ray instance for this run and stops it afterwards.
        trial_timeout: seconds before a running trial is cancelled (failed).
        max_retries: retries of a trial whose worker process died.
        cpus_per_trial: CPUs Ray reserves for each trial.
        workers: with a local instance, the CPUs it may use (default: all).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        trial_timeout: float | None = None,
        max_retries: int = 1,
        cpus_per_trial: float = 1.0,
        workers: int | None = None,
    ):
        self.ray = _import_ray()
        self.address = address
        self.trial_timeout = trial_timeout
        self.max_retries = max_retries
        self.cpus_per_trial = cpus_per_trial
        self.workers = workers

    def _init(self) -> bool:
        """Connect (or start a local instance); True when this run started it."""
        ray = self.ray
        if ray.is_initialized():
            return False
        env = dict(THREAD_CAPS)
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "runtime_env": {"env_vars": env},
            "configure_logging": False,
        }
        if self.address:
            ray.init(address=self.address, **kwargs)
        else:
            ray.init(num_cpus=self.workers, **kwargs)
        return True

    def run(
        self,
        trials: Iterable[Unit],
        on_result: Callable[[dict[str, Any]], None],
        on_start: Callable[[Trial], None] | None = None,
    ) -> None:
        ray = self.ray
        started_here = self._init()
        # a task's clock starts at its start marker (None until then)
        running: dict[Any, tuple[Unit, float | None]] = {}
        try:
            task = ray.remote(_run_trial_task).options(
                num_cpus=self.cpus_per_trial,
                max_retries=self.max_retries,
                retry_exceptions=False,
                num_returns="streaming",
            )
            cpus = float(ray.cluster_resources().get("CPU", 1))
            # keep only as many tasks in flight as can run: a submitted task is
            # then a running one (timeouts) and the driver holds few refs
            capacity = max(1, int(cpus // self.cpus_per_trial))
            queue = deque(trials)
            while queue or running:
                while queue and len(running) < capacity:
                    unit = queue.popleft()
                    running[task.remote(unit)] = (unit, None)
                    for trial in trials_of(unit):
                        if on_start:
                            on_start(trial)
                ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
                for gen in ready:
                    unit, _ = running[gen]
                    records = self._next(gen, unit)
                    if records is None:  # the start marker
                        running[gen] = (unit, time.monotonic())
                        continue
                    running.pop(gen)
                    for record in records:
                        on_result(record)
                if self.trial_timeout is not None:
                    now = time.monotonic()
                    for gen, (unit, t0) in list(running.items()):
                        if t0 is not None and now - t0 >= unit_timeout(unit, self.trial_timeout):
                            ray.cancel(gen, force=True)
                            running.pop(gen)
                            for trial in trials_of(unit):
                                on_result(timeout_record(trial, self.trial_timeout))
        finally:
            # on a stop (Ctrl-C, SIGTERM) the trials in flight end with the run,
            # also on a cluster that outlives it
            for gen in running:
                ray.cancel(gen, force=True)
            if started_here:
                ray.shutdown()

    def _next(self, gen: Any, unit: Unit) -> list[dict[str, Any]] | None:
        """The task's next output: None for its start marker, else its records."""
        ray = self.ray
        try:
            value = ray.get(next(gen))
        except StopIteration:
            why = "Ray: the task ended without returning its records"
        except ray.exceptions.WorkerCrashedError as exc:
            why = (
                f"worker process died while running the trial (after {self.max_retries} "
                f"retries): {str(exc).splitlines()[0]}"
            )
        except ray.exceptions.RayError as exc:
            why = f"Ray: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        else:
            return None if value == STARTED else list(value)
        return [failed_record(trial, why, "crashed") for trial in trials_of(unit)]
