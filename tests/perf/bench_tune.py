"""Cost of ``rlbench tune`` beyond its trials, and its speed-up from workers.

Run: python tests/perf/bench_tune.py [N_CONFIGS]

1. Driver overhead per tuning trial: a tune of N configs (default 40) of a
   near-instant agent (the fixture card ``slow`` with ``sleep`` searched in
   [0, 1 ms], 1 tuning seed, Pendulum-v1, 200 env steps), 1 worker, batches of
   4. Two figures per tuning trial (= one Optuna trial):
   - driver: wall time of the tuning phase outside the executor's runs (Optuna
     ask/tell on SQLite, trial construction by ``expand``, bookkeeping);
   - end to end: tuning-phase wall time minus the trials' own wall time (the
     driver, plus dispatching to the worker and receiving the record);
   - the driver process's CPU time in the tuning phase (what the driver costs
     on an idle machine; wall times on a loaded one are inflated by the load).
   Target: <= 50 ms.
2. Workers: a 20-config tune (batches of 4, 2 tuning seeds, ARS on the LQR,
   2,400 steps per trial) with --workers 1 and --workers 2; the speed-up is the
   ratio of the tuning-phase wall times (target >= 1.8x). On a shared, loaded
   machine this is bounded by the free cores: the script prints the load.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def overhead(n: int) -> None:
    import rlbench
    from rlbench.spec import parse_suite
    from rlbench.tune.run import run_tune

    suite = parse_suite(
        {
            "name": "bench-tune",
            "envs": ["Pendulum-v1"],
            "agents": [{"card": "slow", "hparams": {"sleep": 0.0}}],
            "cards": [str(ROOT / "tests" / "fixtures" / "cards")],
            "budget": {"steps": 200},
            "eval": {"every": 200, "episodes": 1},
            "tune": {
                "agent": "slow",
                "space": {"sleep": {"low": 0.0, "high": 0.001}},
                "sampler": "tpe",
                "trials": n,
                "batch": 4,
                "tuning_seeds": 1,
                "test_seeds": 1,
                "retest_top": 1,
                "retest_default": False,
            },
        },
        str(ROOT / "bench.yaml"),
    )
    with tempfile.TemporaryDirectory() as out:
        outcome = run_tune(suite, Path(out) / "t", workers=1, progress=False)
        trials = rlbench.load(Path(out) / "t").trials
        busy = float(trials.loc[trials["phase"] == "tune", "wall_time"].sum())
    t = outcome.timing
    driver = (t["search"] - t["search_executor"]) / n
    end_to_end = (t["search"] - busy) / n
    cpu = t["search_cpu"] / n
    load = os.getloadavg()[0]
    print(
        f"overhead: {n} tuning trials in {t['search']:.2f} s (trials themselves {busy:.2f} s); "
        f"per tuning trial: driver {1000 * driver:.1f} ms wall, {1000 * cpu:.1f} ms CPU of the "
        f"driver process; end to end {1000 * end_to_end:.1f} ms (target <= 50 ms); setup "
        f"{t['setup']:.2f} s, summary {t['summary']:.2f} s once; load average {load:.1f} "
        f"on {os.cpu_count()} CPUs"
    )


def workers(n: int = 20) -> None:
    from rlbench.spec import parse_suite
    from rlbench.tune.run import run_tune

    body = {
        "name": "bench-tune-workers",
        "envs": ["rlbench/LQR-v0"],
        "agents": [{"card": "ars", "name": "ars-v1",
                    "hparams": {"variant": "V1", "n_directions": 4, "top_directions": 4}}],
        "budget": {"steps": 2400},
        "eval": {"every": 1200, "episodes": 1},
        "tune": {"agent": "ars-v1", "space": {
                     "step_size": {"low": 0.002, "high": 0.05, "scale": "log"},
                     "noise": {"low": 0.005, "high": 0.05, "scale": "log"}},
                 "sampler": "tpe", "trials": n, "batch": 4, "tuning_seeds": 2,
                 "test_seeds": 1, "retest_top": 1, "retest_default": False},
    }  # fmt: skip
    import rlbench

    walls = {}
    for k in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            outcome = run_tune(parse_suite(body), Path(out) / "t", workers=k, progress=False)
            trials = rlbench.load(Path(out) / "t").trials
        walls[k] = outcome.timing["search"]
        print(
            f"workers {k}: tuning phase of {n} configs ({2 * n} trials) in {walls[k]:.1f} s; "
            f"at most {_concurrent(trials)} trials ran at once"
        )
    load = os.getloadavg()
    print(
        f"speed-up 2 vs 1 workers: {walls[1] / walls[2]:.2f}x (target >= 1.8x); "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )


def _concurrent(trials) -> int:
    """The most trials whose [started, ended] intervals overlap (from the records)."""
    events = sorted([(t, 1) for t in trials["started"]] + [(t, -1) for t in trials["ended"]])
    best = now = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


if __name__ == "__main__":
    overhead(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
    workers()
