"""Defaults of every analysis: one definition, used by the library and the CLI.

Estimators whose protocol fixes another number (a paper's resample count, a
power search) say so where they set it.
"""

from __future__ import annotations

RESAMPLES = 2000
"""Bootstrap resamples of a confidence interval."""

CONFIDENCE = 0.95
"""Confidence level of every interval."""

SEED = 0
"""Seed of the bootstrap resamples."""

CONFIG_POLICIES = ("base", "all")
"""Which configs a comparison of agents uses: each agent's base config, or every config."""
