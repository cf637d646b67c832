"""Benchmark: ``rlbench report`` on a folder of 2,000 synthetic trials.

4 agents x 5 envs x 100 seeds (one agent also with a perturbed config, one
failed trial), 51 evaluations per curve, written as the driver writes records
(`tests.figures.synthetic`). Times ``rlbench report`` end to end in a
subprocess (load, statistics, every figure as PNG and PDF, tables, page) and,
in-process, each figure kind. Target: under 60 s on 2 cores.

Run from the checkout: ``python tests/perf/bench_report.py [--seeds 100] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for tests.*

from tests.figures.synthetic import write_results

AGENTS = ("ars-v1", "ars-v2", "ddpg", "random")
ENVS = ("Pendulum-v1", "CartPole-v1", "MountainCarContinuous-v0", "rlbench/LQR-v0", "Other-v0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="write the folder here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_report_"))
    folder = root / "results"
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()
    write_results(folder, AGENTS, ENVS, args.seeds, budget_steps=50_000, eval_every=1000,
                  perturbed=False)  # fmt: skip
    n_records = len(list((folder / "records").glob("*.json")))
    print(f"wrote {n_records} records in {time.perf_counter() - start:.1f} s")

    command = [sys.executable, "-m", "rlbench.cli", "report", str(folder)]
    probe = subprocess.run([*command[:4], "--help"], capture_output=True)
    if probe.returncode != 0:  # not registered in rlbench.cli yet: the same function
        command = [sys.executable, "-c", "import sys; from rlbench.report import build_report; "
                   "build_report(sys.argv[1])", str(folder)]  # fmt: skip
        print("(rlbench.cli has no report command: timing rlbench.report.build_report)")
    start = time.perf_counter()
    subprocess.run(command, check=True)
    total = time.perf_counter() - start
    print(f"rlbench report: {total:.1f} s for {n_records} trials (target < 60 s)")

    import rlbench
    from rlbench.analysis_options import AnalysisOptions as Options
    from rlbench.report.data import KINDS, ReportData

    start = time.perf_counter()
    report = ReportData(rlbench.load(folder), Options())
    print(f"  load: {time.perf_counter() - start:.2f} s")
    for kind in KINDS:
        if kind == "sensitivity":
            continue
        start = time.perf_counter()
        try:
            figure = report.figure(kind)
        except rlbench.errors.InputError as error:  # e.g. no normalisation for Other-v0
            print(f"  {kind}: not drawn ({error})")
            continue
        drawn = time.perf_counter() - start
        start = time.perf_counter()
        from rlbench.figures import save_figure

        save_figure(figure, root / "single" / kind)
        print(
            f"  {kind}: inputs + figure {drawn:.2f} s, "
            f"PNG + PDF {time.perf_counter() - start:.2f} s"
        )
    if args.keep is None:
        shutil.rmtree(root)
    sys.exit(0 if total < 60 else 1)


if __name__ == "__main__":
    main()
