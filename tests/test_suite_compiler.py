"""The suite compiler keeps every shipped and reference suite's trial ids.

The hashes below were computed from the trial ids before the compiler was split
into named steps; they pin the ids against accidental change. A trial id changes
only with what determines the trial's result (then bump
``rlbench.protocol.PROTOCOL_VERSION`` and update the hashes on purpose): records
already stored are skipped as done only while their ids stay the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rlbench.spec import load_suite, shipped_suites
from rlbench.suite_compiler import expand

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference"

SHIPPED_IDS = "2a0d9fc6e039a6667334f897c2390b3c05517d24a31f91b3f35a235ecca76e94"
"""sha256 of the sorted trial ids of every shipped suite (tuning suites have none), one a line."""

REFERENCE_IDS = {
    "adkins2024-cross-env-small/suite.yaml": "166c17284b72ec1a",
    "colas2018-power-small/suite.yaml": "89967d3bbf42168a",
    "henderson2018-seeds-small/suite.yaml": "c1b17c9aaa8a3d5f",
    "mania2018-lqr-small/suite.yaml": "325c59c207c5cf26",
    "mania2018-seeds-small/suite.yaml": "a3ec1d4b095d5728",
    "mania2018-sensitivity-small/suite.yaml": "df2ba08eb6138ced",
    "mania2018-table1-small/suite.yaml": "c7d84c59b72483d0",
}
"""The same hash (16 hex digits) for the suite of each committed reference folder."""


def _hash(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def test_shipped_suites_keep_their_trial_ids():
    ids: list[str] = []
    for path in shipped_suites().values():
        suite = load_suite(str(path))
        if suite.seeds is not None:
            ids += [t.trial_id for t in expand(suite).trials]
    assert len(ids) == len(set(ids)) == 217
    assert _hash(ids) == SHIPPED_IDS


@pytest.mark.parametrize("suite_file", sorted(REFERENCE_IDS))
def test_reference_suites_keep_their_trial_ids(suite_file):
    plan = expand(load_suite(str(REFERENCE / suite_file)))
    assert _hash([t.trial_id for t in plan.trials])[:16] == REFERENCE_IDS[suite_file]


def test_trials_come_in_suite_order():
    """Agents in suite order, then envs, then configs (base first), then seeds."""
    plan = expand(load_suite(str(shipped_suites()["quickstart"])))
    suite = plan.suite
    labels = [suite.agent_label(i) for i in range(len(suite.agents))]
    envs = [e.id for e in suite.env_entries()]
    keys = [(labels.index(t.agent), envs.index(t.env)) for t in plan.trials]
    assert keys == sorted(keys)
    seeds = suite.seed_list()
    for i in range(0, len(plan.trials), len(seeds)):
        assert [t.seed for t in plan.trials[i : i + len(seeds)]] == seeds
