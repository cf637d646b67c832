"""Per-trial overhead of the executors at scale: driver time per trial, local vs Ray.

Run: python tests/perf/bench_executors.py [N_TRIALS]

A suite of N tiny trials (random agent, 200 env steps, one evaluation episode
at 0 and 200) runs on the local pool and on a local Ray instance, 2 workers
each. Per-trial overhead = (wall time × workers − Σ trial wall time) / N: the
time a worker slot spends on anything but running the trial itself. Also
prints the driver's peak RSS after each executor.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path


def main(n: int) -> None:
    import rlbench
    from rlbench.spec import parse_suite

    suite = parse_suite(
        {
            "name": "scale",
            "envs": ["Pendulum-v1"],
            "agents": [{"card": "random"}],
            "seeds": n,
            "budget": {"steps": 200},
            "eval": {"every": 200, "episodes": 1},
        }
    )
    workers = 2
    for executor in ("local", "ray"):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            summary = rlbench.run_suite(
                suite, Path(out), workers=workers, executor=executor, progress=False
            )
            wall = time.perf_counter() - t0
            trials = rlbench.load(out).trials
            busy = float(trials["wall_time"].sum())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        per_trial = (wall * workers - busy) / n
        print(
            f"{executor}: {n} trials in {wall:.1f} s ({summary.status_counts}); "
            f"mean trial {1000 * busy / n:.1f} ms; overhead per trial {1000 * per_trial:.1f} ms "
            f"(incl. start-up); driver peak RSS {rss:.0f} MB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
