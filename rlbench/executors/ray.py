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
from collections.abc import Callable, Iterable
from typing import Any

from rlbench.batching import Unit, trials_of, unit_timeout
from rlbench.errors import MissingDependencyError
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


def _run_trial_task(unit: Unit) -> list[dict[str, Any]]:
    from rlbench.batching import run_unit

    return run_unit(unit)  # one record per trial of the unit (a trial or a seed batch)


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
        env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
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
        running: dict[Any, tuple[Unit, float]] = {}
        try:
            task = ray.remote(_run_trial_task).options(
                num_cpus=self.cpus_per_trial, max_retries=self.max_retries, retry_exceptions=False
            )
            cpus = float(ray.cluster_resources().get("CPU", 1))
            # keep only as many tasks in flight as can run: a submitted task is
            # then a running one (timeouts) and the driver holds few refs
            capacity = max(1, int(cpus // self.cpus_per_trial))
            queue = deque(trials)
            while queue or running:
                while queue and len(running) < capacity:
                    unit = queue.popleft()
                    running[task.remote(unit)] = (unit, time.monotonic())
                    for trial in trials_of(unit):
                        if on_start:
                            on_start(trial)
                ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
                for ref in ready:
                    unit, _ = running.pop(ref)
                    for record in self._result(ref, unit):
                        on_result(record)
                if self.trial_timeout is not None:
                    now = time.monotonic()
                    for ref, (unit, t0) in list(running.items()):
                        if now - t0 >= unit_timeout(unit, self.trial_timeout):
                            ray.cancel(ref, force=True)
                            running.pop(ref)
                            for trial in trials_of(unit):
                                on_result(timeout_record(trial, self.trial_timeout))
        finally:
            # on a stop (Ctrl-C, SIGTERM) the trials in flight end with the run,
            # also on a cluster that outlives it
            for ref in running:
                ray.cancel(ref, force=True)
            if started_here:
                ray.shutdown()

    def _result(self, ref: Any, unit: Unit) -> list[dict[str, Any]]:
        ray = self.ray
        try:
            return list(ray.get(ref))
        except ray.exceptions.WorkerCrashedError as exc:
            why = (
                f"worker process died while running the trial (after {self.max_retries} "
                f"retries): {str(exc).splitlines()[0]}"
            )
        except ray.exceptions.RayError as exc:
            why = f"Ray: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        return [failed_record(trial, why, "crashed") for trial in trials_of(unit)]
