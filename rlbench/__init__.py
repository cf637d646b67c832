"""rlbench: measure how robust reinforcement-learning algorithms are.

Public API (imported lazily, so ``import rlbench`` stays light)::

    rlbench.run_suite(suite, out=None, workers=None, ...)  -> RunSummary
    rlbench.load(path)                                      -> Results (.trials, .curves)
    rlbench.load_suite(name_or_path), rlbench.expand(suite)
    rlbench.stats                                           statistics on score arrays
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "run_suite": ("rlbench.driver", "run_suite"),
    "RunSummary": ("rlbench.driver", "RunSummary"),
    "load": ("rlbench.store", "load"),
    "Results": ("rlbench.store", "Results"),
    "load_suite": ("rlbench.spec", "load_suite"),
    "parse_suite": ("rlbench.spec", "parse_suite"),
    "expand": ("rlbench.suite_compiler", "expand"),
    "run_trial": ("rlbench.runner", "run_trial"),
}

__all__ = [*_LAZY, "__version__", "stats"]


def __getattr__(name: str) -> Any:
    if name == "stats":
        return importlib.import_module("rlbench.stats")
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'rlbench' has no attribute {name!r}")
