"""Run ``rlbench.cli.main`` in this process: the CLI's own error path, without a
subprocess's start-up cost (for many cases and the fuzz test)."""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass
from unittest import mock


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def run_main(*args: object) -> Outcome:
    """``rlbench ARGS`` through ``rlbench.cli.main``; any exception other than
    SystemExit (a traceback a user would see) propagates to the test."""
    from rlbench.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with (
        mock.patch.object(sys, "argv", ["rlbench", *map(str, args)]),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    assert isinstance(code, int) or code is None, code
    return Outcome(code or 0, out.getvalue(), err.getvalue())
