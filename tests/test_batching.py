"""Seed batches: grouping of trials, and a batched sweep through the driver (resume per trial)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from rlbench.batching import group, trials_of, unit_timeout
from rlbench.driver import run_suite
from rlbench.spec import load_suite
from rlbench.trials import Trial


def _trial(seed: int, config: str = "c1", batch: bool = True, size: int = 8) -> Trial:
    return Trial(
        trial_id=f"{config}-{seed}",
        agent="td3-batched",
        card="td3-batched",
        entry="rlbench.algos.batched_td3:td3",
        config_id=config,
        hparams={"tau": 0.005 if config == "c1" else 0.01},
        perturbation={"kind": "base"},
        env="Pendulum-v1",
        gym_id="Pendulum-v1",
        horizon=200,
        make_kwargs={},
        threshold=None,
        seed=seed,
        budget_steps=100,
        eval_every=50,
        eval_episodes=1,
        batch_entry="rlbench.algos.batched_td3:td3_batch" if batch else None,
        batch_seeds=size,
    )


def _ids(units: list[Any]) -> list[Any]:
    return [tuple(t.trial_id for t in u) if isinstance(u, tuple) else u.trial_id for u in units]


def test_group_batches_seeds_of_one_config_in_order():
    trials = [_trial(0), _trial(0, "c2"), _trial(1), _trial(2), _trial(1, "c2")]
    assert _ids(group(trials)) == [("c1-0", "c1-1", "c1-2"), ("c2-0", "c2-1")]


def test_group_respects_the_batch_size_and_the_option():
    trials = [_trial(s, size=2) for s in range(5)]
    assert _ids(group(trials)) == [("c1-0", "c1-1"), ("c1-2", "c1-3"), "c1-4"]
    assert _ids(group(trials, batch_seeds=3)) == [("c1-0", "c1-1", "c1-2"), ("c1-3", "c1-4")]
    assert _ids(group(trials, batch_seeds=1)) == [f"c1-{s}" for s in range(5)]


def test_cards_without_a_batch_entry_run_alone():
    trials = [_trial(s, batch=False) for s in range(3)]
    assert _ids(group(trials, batch_seeds=8)) == ["c1-0", "c1-1", "c1-2"]
    assert group([]) == []


def test_unit_helpers():
    one, two = _trial(0), _trial(1)
    assert trials_of(one) == (one,) and trials_of((one, two)) == (one, two)
    assert unit_timeout((one, two), 10.0) == 20.0 and unit_timeout(one, 10.0) == 10.0
    assert replace(one, batch_seeds=3).trial_id == one.trial_id


def _curves(root: Path) -> dict[int, Any]:
    out = {}
    for path in (root / "records").glob("*.json"):
        record = json.loads(path.read_text())
        assert record["status"] == "done", record["error"]
        out[record["seed"]] = {k: v for k, v in record["curve"].items() if k != "wall_time"}
    return out


def test_batched_sweep_resumes_per_trial(tmp_path):
    """A batch of 3 seeds in one worker; a lost record reruns alone and is the same."""
    suite_path = tmp_path / "suite.yaml"
    suite_path.write_text(
        "name: batched\nenvs: [Pendulum-v1]\nagents:\n  - card: ddpg-batched\n"
        '    hparams: {learning_starts: 50, batch_size: 16, "policy_kwargs.net_arch": [16, 16]}\n'
        "seeds: 3\nbudget: {steps: 120}\neval: {every: 60, episodes: 1}\n"
    )
    suite = load_suite(str(suite_path))
    root = tmp_path / "out"
    first = run_suite(suite, root, workers=1, progress=False, batch_seeds=3)
    assert first.status_counts == {"done": 3} and first.ran == 3
    before = _curves(root)
    lost = next(
        p for p in (root / "records").glob("*.json") if json.loads(p.read_text())["seed"] == 1
    )
    lost.unlink()
    second = run_suite(suite, root, workers=1, progress=False, batch_seeds=3)
    assert second.ran == 1 and second.skipped == 2 and second.status_counts == {"done": 3}
    assert _curves(root) == before
