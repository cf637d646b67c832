"""Fuzz the input path: mutated suites reach the user as exit 0, 1 or 2, never a
traceback, never a hang.

Each example starts from a valid suite and applies random mutations (deleted
keys, swapped types, extra nesting, unknown keys, unicode, huge and non-finite
numbers), then is written as YAML, sometimes with random bytes spliced in, and
run as ``rlbench run FILE --dry-run`` through ``rlbench.cli.main`` itself (any
exception other than its SystemExit fails the test). A few fixed hostile files
go through the real CLI in a subprocess.
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.inprocess import run_main
from tests.test_input_limits import alias_bomb

VALID: dict[str, Any] = {
    "name": "fuzz",
    "envs": ["Pendulum-v1", {"id": "CartPole-v1", "budget": {"steps": 300}}],
    "agents": [
        {"card": "random"},
        {
            "card": "ars",
            "name": "ars-v1",
            "hparams": {"variant": "V1", "step_size": 0.02},
            "perturb": {"plan": "one-at-a-time", "params": ["step_size"], "factors": [0.5, 2]},
        },
    ],
    "seeds": 2,
    "budget": {"steps": 400},
    "eval": {"every": 200, "episodes": 2},
}

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
numbers = st.one_of(
    st.integers(-(10**20), 10**20),
    st.sampled_from([0, -1, 1, 2**63, 10**15, 10**7]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, text, st.sampled_from(["1e5", "ars", "grid"])
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a mapping/list tree."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, (*prefix, i))
    return out


def mutate(suite: dict[str, Any], draw: Any) -> dict[str, Any]:
    suite = copy.deepcopy(suite)
    for _ in range(draw(st.integers(1, 4))):
        where = paths(suite)
        path = draw(st.sampled_from(where))
        parent: Any = suite
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        kind = draw(st.sampled_from(["delete", "replace", "nest", "extra", "list-of"]))
        if kind == "delete":
            del parent[key]
        elif kind == "replace":
            parent[key] = draw(values)
        elif kind == "nest":
            parent[key] = draw(st.sampled_from([[parent[key]], {"x": parent[key]}]))
        elif kind == "list-of":
            parent[key] = [parent[key]] * draw(st.integers(0, 3))
        elif isinstance(parent, dict):
            parent[draw(text)] = draw(values)
        if not suite:
            break
    return suite


@st.composite
def suite_files(draw: Any) -> bytes:
    suite = mutate(VALID, draw)
    raw = yaml.safe_dump(suite, allow_unicode=True, sort_keys=False).encode()
    if draw(st.integers(0, 4)) == 0:  # splice random bytes in (binary, broken UTF-8)
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    return raw


HANG_SECONDS = 30
"""An example takes ~0.1 s; the bound catches hangs (an alias bomb took minutes), not
a slow machine (the project's hypothesis profile sets no per-example deadline)."""


def check_outcome(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "suite.yaml"
        path.write_bytes(raw)
        started = time.perf_counter()
        result = run_main("run", path, "--dry-run", "--out", Path(tmp) / "out")
        assert time.perf_counter() - started < HANG_SECONDS
        assert result.code in (0, 1, 2), result
        if result.code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("rlbench: error: "), result.stderr
            assert len(lines[0]) < 1000, lines[0]
        assert not (Path(tmp) / "out").exists()


@settings(
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(suite_files())
def test_mutated_suites_never_trace_back(raw):
    check_outcome(raw)


def test_the_valid_suite_is_valid():
    result = run_main("run", _write(yaml.safe_dump(VALID)), "--dry-run")
    assert result.code == 0, result


def _write(text: str | bytes) -> Path:
    folder = Path(tempfile.mkdtemp())
    path = folder / "suite.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


HOSTILE = [
    alias_bomb(9).encode(),
    b"\xff\xfe\x00\x00 binary \x89PNG",
    ("seeds: " + "[" * 3000 + "]" * 3000).encode(),
    yaml.safe_dump(
        {**VALID, "seeds": [True, False], "agents": ["ars", {"name": "random"}]}
    ).encode(),
]


def test_hostile_files_through_the_real_cli():
    for raw in HOSTILE:
        path = _write(raw)
        proc = run_cli("run", path, "--dry-run", timeout=60)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"rlbench: error: {path}: "), proc.stderr
