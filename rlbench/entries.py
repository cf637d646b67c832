"""Check that a card's ``module:function`` entry exists, without importing it.

A misspelt entry used to pass ``--dry-run`` and then fail every trial in its
worker. Importing the module at validation would be exact but would pull torch
(SB3's agents) into the CLI's start-up; instead the module is located with
import machinery that runs no module code (``PathFinder`` on each package's
``__path__``), and the name is looked up in the module's source by parsing it.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib.machinery import ModuleSpec
from pathlib import Path


def entry_problem(entry: str, search_path: Sequence[str] = ()) -> str | None:
    """Why ``package.module:name`` would not import in a worker, or None when it would.

    Args:
        entry: ``module:name`` as written in a card.
        search_path: folders the worker adds to ``sys.path`` (the trial's
            ``python_path``), searched besides the current ``sys.path``.

    Returns:
        One sentence for the error message, or None. A name defined in a way
        that parsing cannot see (a module ``__getattr__``, ``import *``,
        compiled extensions) is given the benefit of the doubt.
    """
    return _problem(entry, tuple(search_path))


@lru_cache(maxsize=256)
def _problem(entry: str, search_path: tuple[str, ...]) -> str | None:
    module, _, attr = entry.partition(":")
    loaded = sys.modules.get(module)
    if loaded is not None:
        if hasattr(loaded, attr):
            return None
        return f"module {module!r} ({getattr(loaded, '__file__', '?')}) defines no {attr!r}"
    spec = _find(module, search_path)
    if isinstance(spec, str):
        return spec
    origin = spec.origin
    if not origin or not origin.endswith(".py"):
        return None
    names = _defined_names(origin)
    if names is None or attr in names:
        return None
    return f"module {module!r} ({origin}) defines no {attr!r}"


def _find(module: str, search_path: tuple[str, ...]) -> ModuleSpec | str:
    """The module's spec, found without executing any package, or why it is missing."""
    parts = module.split(".")
    spec = importlib.machinery.PathFinder.find_spec(parts[0], list(search_path))
    if spec is None:
        try:
            spec = importlib.util.find_spec(parts[0])  # sys.path, installed packages
        except (ImportError, ValueError):
            spec = None
    if spec is None:
        return (
            f"no module named {parts[0]!r} in the card folders, the suite's folder, "
            "the current folder or sys.path"
        )
    for depth in range(1, len(parts)):
        name = ".".join(parts[: depth + 1])
        locations = spec.submodule_search_locations
        if locations is None:
            return f"{'.'.join(parts[:depth])!r} is a module, not a package: no {name!r}"
        found = sys.modules.get(name)
        spec = (
            found.__spec__
            if found is not None and found.__spec__ is not None
            else importlib.machinery.PathFinder.find_spec(name, list(locations))
        )
        if spec is None:
            return f"no module named {name!r}"
    return spec


@lru_cache(maxsize=64)
def _defined_names(origin: str) -> frozenset[str] | None:
    """Names bound anywhere in a Python file (a superset of its module attributes);
    None when any name could exist (``import *``, a module ``__getattr__``)."""
    try:
        tree = ast.parse(Path(origin).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None  # the worker's import will say what is wrong
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Global):
            names.update(node.names)
    if "__getattr__" in names:
        return None
    return frozenset(names)
