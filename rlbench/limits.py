"""The limits rlbench enforces on its input, checked before anything runs.

Each guards against a typo or a hostile file turning into a hang, a huge
message or memory exhaustion deep inside a worker. They are far above what a
study needs (Mania et al. 2018 use 100 seeds; the zoo's longest budgets are
10^7 steps); the README lists them.
"""

from __future__ import annotations

MAX_FILE_BYTES = 1_000_000
"""A suite or card file larger than this is refused (bytes)."""

MAX_YAML_DEPTH = 50
"""Nesting depth of a YAML document (mappings and lists inside each other)."""

MAX_YAML_NODES = 100_000
"""Nodes of a YAML document once its aliases are expanded (against alias bombs)."""

MAX_SEEDS = 10_000
"""Seeds per suite (a count, or the length of a seed list)."""

MAX_SEED = 2**63 - 1
"""Largest seed value: it must fit a 64-bit integer column of the results tables."""

MAX_STEPS = 10**10
"""Training budget of one trial, in env steps."""

MAX_EVALUATIONS = 100_000
"""Evaluation points of one trial: step 0, every eval.every steps, and the budget."""

MAX_EVAL_EPISODES = 10_000
"""Episodes per evaluation."""

MAX_CONFIGS = 10_000
"""Configs of one agent's perturbation plan (grid points, random samples, ...)."""

MAX_TRIALS = 100_000
"""Trials of one suite (agents × envs × configs × seeds)."""

EXCERPT_CHARS = 60
"""Longest excerpt of a bad value that an error message echoes."""
