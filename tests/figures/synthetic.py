"""A synthetic results folder, written the way the driver writes one.

Records are built as `rlbench.records.TrialRecord` and written with
`rlbench.store.Store.write_record`; returns follow a saturating learning curve
per agent plus seeded noise, so the figures have something to show.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from rlbench.records import Curve, TrialRecord, provenance, summarize
from rlbench.store import Store, run_entry

# (start, plateau) of each env's return, roughly the real envs' scales
ENV_SCALES = {
    "Pendulum-v1": (-1400.0, -200.0),
    "CartPole-v1": (20.0, 480.0),
    "MountainCarContinuous-v0": (-40.0, 90.0),
    "rlbench/LQR-v0": (-5e5, -60.0),
}


def write_results(
    root: Path,
    agents: tuple[str, ...] = ("alpha", "beta", "gamma"),
    envs: tuple[str, ...] = ("Pendulum-v1", "CartPole-v1"),
    seeds: int = 6,
    budget_steps: int = 1000,
    eval_every: int = 200,
    failed: int = 1,
    perturbed: bool = True,
    nan_trials: int = 0,
    twins: dict[str, str] | None = None,
) -> Path:
    """Writes a results folder under ``root`` and returns it.

    Args:
        agents, envs, seeds: the grid of base trials (env ids with real cards,
            so that normalisation works).
        budget_steps, eval_every: the step grid.
        failed: trials (the last seeds of the first agent and env) written as failed.
        perturbed: also write one perturbed config (``step_size`` x0.5) of the
            second agent, one-at-a-time.
        nan_trials: done trials of the last agent with a diverged (NaN) curve end.
        twins: ``{agent: other agent}``: the agent's records copy the other's
            numbers (as ARS V1 and V1-t with ``top_directions == n_directions``).
    """
    store = Store(root).lock()
    started = time.time()
    try:
        store.write_suite(f"# synthetic suite\nname: synthetic\nseeds: {seeds}\n")
        store.add_run(run_entry("synthetic", len(agents) * len(envs) * seeds))
        steps = list(range(0, budget_steps + 1, eval_every))
        configs = [(agent, {"kind": "base"}, 1.0) for agent in agents]
        if perturbed and len(agents) > 1:
            configs.append(
                (agents[1], {"kind": "one-at-a-time", "param": "step_size", "factor": 0.5}, 0.5)
            )
        for agent_index, (agent, perturbation, factor) in enumerate(configs):
            source = (twins or {}).get(agent, agent)
            source_index = agents.index(source) if source != agent else agent_index
            quality = 0.4 + 0.25 * (agents.index(source) % 4) * factor
            for env_index, env in enumerate(envs):
                low, high = ENV_SCALES.get(env, (0.0, 100.0))
                for seed in range(seeds):
                    rng = np.random.default_rng([source_index, env_index, seed])
                    progress = 1 - np.exp(-3 * np.array(steps) / budget_steps)
                    mean = low + (high - low) * quality * progress
                    noise = 0.08 * abs(high - low) * rng.standard_normal(len(steps)).cumsum() / 3
                    returns = (mean + noise).tolist()
                    is_failed = agent_index == 0 and env_index == 0 and seed >= seeds - failed
                    is_nan = (
                        agent == agents[-1]
                        and perturbation["kind"] == "base"
                        and (env_index == 0 and seed < nan_trials)
                    )
                    if is_nan:
                        returns[-1] = float("nan")
                    curve = Curve(
                        step=steps,
                        episodes=[s // 200 for s in steps],
                        return_mean=returns,
                        return_std=[abs(r) * 0.05 for r in returns],
                        wall_time=[0.01 * i for i in range(len(steps))],
                    )
                    if is_failed:
                        cut = slice(0, 2)  # a failed trial keeps a partial curve
                        curve = Curve(
                            steps[cut], curve.episodes[cut], returns[cut],
                            curve.return_std[cut], curve.wall_time[cut],
                        )  # fmt: skip
                    config_id = f"{agent}-{perturbation['kind']}-{factor:g}"
                    status = "failed" if is_failed else "done"
                    record = TrialRecord(
                        trial_id=f"{agent}-{env}-{config_id}-{seed}".replace("/", "_"),
                        agent=agent, card="random", env=env, config_id=config_id, seed=seed,
                        hparams={"step_size": 0.02 * factor}, perturbation=perturbation,
                        budget_steps=budget_steps, eval_every=eval_every, eval_episodes=2,
                        threshold=None, status=status,
                        error="RuntimeError: synthetic failure" if is_failed else None,
                        reason="exception" if is_failed else None,
                        failed_step=steps[1] if is_failed else None, curve=curve,
                        summary=summarize(curve if not is_failed else Curve(), None),
                        provenance=provenance(), started=started, ended=started + 1.0,
                        wall_time=1.0,
                    )  # fmt: skip
                    store.write_record(record.to_dict())
        store.update_last_run(ended=time.time(), executor="synthetic")
    finally:
        store.unlock()
    return root
