"""Is one algorithm more sensitive to its hyperparameters than another?

On a common scale: returns normalised per env by the env cards' reference
scores (random = 0, reference = 1) and perturbations as multiplicative factors
of each agent's own base config (its one-at-a-time configs). An agent's
sensitivity on an env is the mean over those configs of the absolute change
``|stat(base) - stat(config)|`` in normalised units (a config that does better
than the base counts as much as one that does worse: sensitivity is movement
either way); over envs, the mean of the per-env values. Beside it, the signed
mean drop ``stat(base) - stat(config)`` (> 0: the perturbed configs do worse
on average) says which way the movement goes. Seeds are resampled within each (agent, env) (configs
paired by seed), independently across agents, so a pairwise difference
``sensitivity(x) - sensitivity(y)`` on the envs both ran gets a percentile CI.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from rlbench.sensitivity import estimators as est
from rlbench.sensitivity.analysis import Settings, _excluded
from rlbench.sensitivity.results import AgentSensitivity, PairwiseSensitivity, Ranking
from rlbench.sensitivity.table import ConfigTable

METHOD = "percentile, bootstrap over seeds within each agent and env"


CHANGE = "mean |normalised change| from base"
DROP = "mean normalised drop from base (base - config; > 0 = worse)"


def _changes(table: ConfigTable, reference: tuple[float, float], settings: Settings):
    """Mean absolute and mean signed normalised change from base: points and (reps,) draws.

    Returns:
        ``(|change| point, |change| draws, labels, excluded, seeds, drop point, drop draws)``.
    """
    assert table.base is not None
    rows = [r for r, kind in enumerate(table.kinds) if kind == "one-at-a-time"]
    scores = (table.scores[[table.base, *rows]] - reference[0]) / (reference[1] - reference[0])
    point = est.statistic(scores, settings.stat)
    rng = est.group_rng(settings.seed, table.agent, table.env, "ranking")
    dist = est.resampled_statistics(
        scores, settings.stat, est.seed_resamples(len(table.seeds), settings.reps, rng)
    )
    with warnings.catch_warnings():  # a config with no finite run is left out of the mean
        warnings.simplefilter("ignore", RuntimeWarning)
        value = np.nanmean(np.abs(point[0] - point[1:]))
        values = np.nanmean(np.abs(dist[0] - dist[1:]), axis=0)
        drop = np.nanmean(point[0] - point[1:])
        drops = np.nanmean(dist[0] - dist[1:], axis=0)
    labels = tuple(table.labels[r] for r in rows)
    excluded = _excluded(table, [table.base, *rows])
    return value, values, labels, excluded, len(table.seeds), drop, drops


def rank(
    tables: list[ConfigTable],
    references: dict[str, tuple[float, float]],
    settings: Settings,
) -> tuple[Ranking | None, list[str]]:
    """Agents ranked by sensitivity with CIs on the pairwise differences.

    Args:
        tables: one per (agent, env).
        references: ``{env: (random score, reference score)}``.

    Returns:
        The ranking (None with fewer than two eligible agents) and notes.
    """
    notes: list[str] = []
    per_agent = _changes_per_agent(tables, references, settings, notes)
    if len(per_agent) < 2:
        return None, notes
    agents = [_agent_sensitivity(agent, per_agent[agent], settings) for agent in sorted(per_agent)]
    pairs = _pairs(per_agent, settings, notes)
    if len({a.perturbations for a in agents}) > 1:
        notes.append(
            "the agents were perturbed differently (see the perturbations column): "
            "their sensitivities are not like for like"
        )
    if len({a.envs for a in agents}) > 1:
        notes.append(
            "the agents ran on different envs: overall sensitivities average "
            "different envs; pairwise differences use the shared envs only"
        )
    agents.sort(key=lambda a: (a.sensitivity.estimate, a.agent))
    return Ranking(tuple(agents), tuple(pairs), "normalised (random = 0, reference = 1)"), notes


def _changes_per_agent(
    tables: list[ConfigTable],
    references: dict[str, tuple[float, float]],
    settings: Settings,
    notes: list[str],
) -> dict[str, dict[str, tuple]]:
    """``{agent: {env: changes}}`` of the tables that can be ranked; notes say what is left out."""
    per_agent: dict[str, dict[str, tuple]] = {}
    for table in tables:
        if table.base is None or "one-at-a-time" not in table.kinds:
            continue
        if table.env not in references:
            notes.append(
                f"{table.agent} on {table.env}: no reference scores in the env card: "
                "left out of the cross-agent ranking"
            )
            continue
        if not np.isfinite(table.scores[table.base]).any():
            notes.append(
                f"{table.agent} on {table.env}: the base config has no finite run: "
                "left out of the cross-agent ranking"
            )
            continue
        per_agent.setdefault(table.agent, {})[table.env] = _changes(
            table, references[table.env], settings
        )
    return per_agent


def _agent_sensitivity(
    agent: str, changes: dict[str, tuple], settings: Settings
) -> AgentSensitivity:
    """One agent's sensitivity over its envs (mean of the per-env changes) and per env."""
    envs = sorted(changes)
    entries = [changes[env] for env in envs]
    runs = tuple(e[4] for e in entries)
    excluded = sum(e[3] for e in entries)
    per_env = tuple(settings.interval(CHANGE, e[0], e[1], METHOD, (e[4],), e[3]) for e in entries)

    def pooled(label: str, point: int, resampled: int) -> Any:
        """The mean over envs of one estimate (entry ``point``) and its resamples."""
        return settings.interval(
            label,
            np.mean([e[point] for e in entries]),
            np.mean([e[resampled] for e in entries], axis=0),
            METHOD,
            runs,
            excluded,
        )

    overall, drop = pooled(CHANGE, 0, 1), pooled(DROP, 5, 6)
    labels = sorted({label for e in entries for label in e[2]})
    return AgentSensitivity(agent, tuple(envs), overall, per_env, tuple(labels), excluded, drop)


def _pairs(
    per_agent: dict[str, dict[str, tuple]], settings: Settings, notes: list[str]
) -> list[PairwiseSensitivity]:
    """The difference of sensitivity of every pair of agents, over their shared envs."""
    pairs = []
    for x, y in itertools.combinations(sorted(per_agent), 2):
        common = sorted(set(per_agent[x]) & set(per_agent[y]))
        if not common:
            notes.append(f"{x} and {y} share no env: no pairwise sensitivity difference")
            continue
        diff_point = np.mean([per_agent[x][e][0] - per_agent[y][e][0] for e in common])
        diff_dist = np.mean([per_agent[x][e][1] - per_agent[y][e][1] for e in common], axis=0)
        interval = settings.interval(
            "difference of sensitivity (x - y)", diff_point, diff_dist, METHOD, (len(common),)
        )
        pairs.append(PairwiseSensitivity(x, y, tuple(common), interval))
    return pairs
