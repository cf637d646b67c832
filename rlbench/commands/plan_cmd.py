"""``rlbench run --dry-run``: the plan of a suite, as terminal tables.

Called from ``rlbench.cli``; rich and the folder checks are imported inside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _plan_table(plan: Any, root: Path, done: set[str]) -> tuple[Any, int]:
    """Trials, env steps and stored trials per (agent, env); and the number of rows."""
    from collections import defaultdict

    from rich.table import Table

    rows: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    configs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t in plan.trials:
        key = (t.agent, t.env)
        rows[key]["trials"] += 1
        rows[key]["steps"] += t.budget_steps
        rows[key]["stored"] += t.trial_id in done
        configs[key].add(t.config_id)
    table = Table(title=f"plan of suite {plan.suite.name!r} → {root}")
    for col in ("agent", "env", "configs", "seeds", "trials", "env steps", "already stored"):
        table.add_column(col, justify="left" if col in ("agent", "env") else "right")
    for (agent, env), r in rows.items():
        table.add_row(
            agent, env, str(len(configs[(agent, env)])), str(len(plan.suite.seed_list())),
            str(r["trials"]), f"{r['steps']:,}", str(r["stored"]),
        )  # fmt: skip
    return table, len(rows)


def _configs_table(plan: Any) -> Any:
    """One row per config of a perturbation plan: its label and the values it changes."""
    from rich.table import Table

    from rlbench.records import perturbation_label

    per_config = Table(title="configs")
    for col in ("agent", "env", "config", "perturbation", "hyperparameters changed"):
        per_config.add_column(col)
    for c in plan.configs:
        changed = {k: v for k, v in c.perturbation.items() if k not in ("kind", "factor")}
        if c.perturbation.get("kind") == "one-at-a-time":
            changed = {c.perturbation["param"]: c.hparams[c.perturbation["param"]]}
        shown = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in changed.items()
        )
        per_config.add_row(
            c.agent, c.env, c.config_id, perturbation_label(c.perturbation), shown or "-"
        )
    return per_config


def print_plan(plan: Any, root: Path, allow_changed_suite: bool = False) -> None:
    """Prints what ``rlbench run`` would do with ``plan`` into ``root``, refusing as it would."""
    from rlbench.commands.render import console
    from rlbench.cross_env_check import cross_env_support
    from rlbench.folder import assess_folder

    start, aside = assess_folder(root, plan, allow_changed_suite)  # refuses as run would
    table, n_rows = _plan_table(plan, root, set(start.stored))
    con = console()
    con.print(table)
    if plan.suite.sequential is not None:
        from rlbench.sequential import check, describe

        check(plan)
        con.print(describe(plan.suite) + "; the trials above are the most it may run")
    if len(plan.configs) > n_rows:  # perturbation plans: one row per config
        con.print(_configs_table(plan))
    con.print(f"total: {len(plan.trials)} trials, {plan.total_steps:,} env steps")
    if aside:
        con.print(f"{len(aside)} record files would be moved into quarantine/ or superseded/")
    for line in cross_env_support(plan):
        con.print(line)
    if plan.dropped:
        con.print(f"dropped {len(plan.dropped)} infeasible or duplicate configs:")
        for d in plan.dropped:
            con.print(f"  {d['agent']} on {d['env']} {d['perturbation']}: {d['reason']}")
