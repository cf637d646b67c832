"""Seed-batched TD3/DDPG against SB3's: the same distribution of outcomes (slow, by hand).

Run: ``python -m pytest tests/algos/test_batched_td3_faithful.py -m slow -s`` (the
default sizes), or ``python tests/algos/test_batched_td3_faithful.py --seeds 20
--steps 20000 --learning-starts 10000 --arch 400,300`` for the zoo's full
Pendulum-v1 settings (about an hour per algorithm and core for SB3 alone).

Both sides get the zoo's Pendulum-v1 hyperparameters (gamma 0.98, buffer
200000, normal action noise 0.1, lr 1e-3, batch 256, train_freq 1,
gradient_steps 1) with the budget, ``learning_starts`` and network given on
the command line; SB3 runs through the ``td3``/``ddpg`` cards, the batched
learner through ``td3-batched``/``ddpg-batched`` with all seeds in one batch.
Each seed's final return and AUC (``records.summarize``) are compared by
Welch's t-test and the Mann-Whitney U test (two-sided; Bonferroni over the
four tests of one algorithm); the power of Welch's test to detect a 0.5 sigma
shift with these seed counts is printed (``rlbench.stats.power.welch_power``),
as is the overlap of the per-grid-step 95 % t intervals of the mean curves.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats

from rlbench.batching import run_batch
from rlbench.runner import run_trial
from rlbench.spec import load_suite
from rlbench.stats.power import welch_power
from rlbench.suite_compiler import expand
from rlbench.trials import Trial

ZOO_PENDULUM: dict[str, Any] = {
    "gamma": 0.98,
    "buffer_size": 200000,
    "action_noise": {"type": "normal", "sigma": 0.1},
    "gradient_steps": 1,
    "train_freq": 1,
    "learning_rate": 0.001,
    "batch_size": 256,
}


def _trials(
    folder: Path, card: str, seeds: int, steps: int, starts: int, arch: list[int]
) -> list[Trial]:
    hparams = {**ZOO_PENDULUM, "learning_starts": starts, "policy_kwargs.net_arch": arch}
    hp = ", ".join(f'"{k}": {v}' for k, v in hparams.items()).replace("'", "")
    path = folder / f"{card}.yaml"
    path.write_text(
        f"name: faithful\nenvs: [Pendulum-v1]\nagents:\n  - card: {card}\n    hparams: {{{hp}}}\n"
        f"seeds: {seeds}\nbudget: {{steps: {steps}}}\n"
        f"eval: {{every: {max(steps // 8, 1)}, episodes: 5}}\n"
    )
    return expand(load_suite(str(path))).trials


def _interval(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95 % t interval of the mean curve: (n, T) -> (low (T,), high (T,))."""
    n = curves.shape[0]
    half = scipy.stats.t.ppf(0.975, n - 1) * curves.std(axis=0, ddof=1) / np.sqrt(n)
    return curves.mean(axis=0) - half, curves.mean(axis=0) + half


def compare(
    algo: str, folder: Path, seeds: int, steps: int, starts: int, arch: list[int]
) -> dict[str, Any]:
    """Run both implementations and compare; returns the figures printed."""
    reference = [run_trial(t) for t in _trials(folder, algo, seeds, steps, starts, arch)]
    batched = run_batch(_trials(folder, f"{algo}-batched", seeds, steps, starts, arch))
    assert all(r["status"] == "done" for r in reference + batched)
    out: dict[str, Any] = {"algo": algo, "seeds": seeds}
    for metric in ("final_return", "auc"):
        x = np.array([r["summary"][metric] for r in reference])
        y = np.array([r["summary"][metric] for r in batched])
        out[metric] = {
            "sb3": (x.mean(), x.std(ddof=1)),
            "batched": (y.mean(), y.std(ddof=1)),
            "welch_p": scipy.stats.ttest_ind(x, y, equal_var=False).pvalue,
            "mwu_p": scipy.stats.mannwhitneyu(x, y, alternative="two-sided").pvalue,
        }
    out["power_0.5sigma"] = float(welch_power(seeds, 0.5, 1.0))
    low_x, high_x = _interval(np.array([r["curve"]["return_mean"] for r in reference]))
    low_y, high_y = _interval(np.array([r["curve"]["return_mean"] for r in batched]))
    out["ci_overlap"] = float(np.mean((low_x <= high_y) & (low_y <= high_x)))
    return out


def report(result: dict[str, Any]) -> str:
    lines = [f"{result['algo'].upper()}, {result['seeds']} seeds per side:"]
    for metric in ("final_return", "auc"):
        m = result[metric]
        lines.append(
            f"  {metric:12s} SB3 {m['sb3'][0]:8.1f} ± {m['sb3'][1]:6.1f}  "
            f"batched {m['batched'][0]:8.1f} ± {m['batched'][1]:6.1f}  "
            f"Welch p = {m['welch_p']:.3f}  Mann-Whitney p = {m['mwu_p']:.3f}"
        )
    lines.append(
        f"  power of Welch's test to detect 0.5 sigma: {result['power_0.5sigma']:.2f}; "
        f"mean-curve 95 % intervals overlap at {100 * result['ci_overlap']:.0f} % of grid steps"
    )
    return "\n".join(lines)


def _check(result: dict[str, Any]) -> None:
    for metric in ("final_return", "auc"):
        for test in ("welch_p", "mwu_p"):
            assert result[metric][test] > 0.05 / 4, (metric, test, result[metric])


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["td3", "ddpg"])
def test_batched_matches_sb3_in_distribution(tmp_path, algo):
    result = compare(algo, tmp_path, seeds=10, steps=2000, starts=500, arch=[64, 64])
    print(report(result))
    _check(result)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algos", nargs="+", default=["td3", "ddpg"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--learning-starts", type=int, default=500)
    parser.add_argument("--arch", default="64,64")
    args = parser.parse_args()
    arch = [int(w) for w in args.arch.split(",")]
    print(
        f"Pendulum-v1, zoo hyperparameters, {args.steps} steps, learning_starts "
        f"{args.learning_starts}, net_arch {arch}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for algo in args.algos:
            result = compare(algo, Path(folder), args.seeds, args.steps, args.learning_starts, arch)
            print(report(result), flush=True)
            _check(result)


if __name__ == "__main__":
    main()
