"""rlbench's exceptions: a flat hierarchy with messages written for people.

Errors of input (a suite file, a card, a hyperparameter, a name) derive from
``InputError``; the CLI prints their message as one line and exits with code 2.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Any

from rlbench.limits import EXCERPT_CHARS


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` cut to at most ``limit`` characters, for error messages.

    Containers are shortened before they are rendered, so a huge value (an
    expanded YAML alias bomb) costs no more than a small one.
    """
    short = reprlib.Repr()
    short.maxlevel = 3
    short.maxlist = short.maxdict = short.maxtuple = short.maxset = 8
    short.maxstring = short.maxother = short.maxlong = limit
    try:
        text = short.repr(value)
    except ValueError:  # an int too long for str() (sys.get_int_max_str_digits)
        text = "<a number too long to print>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str, limit: int = 2000) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``) and
    cut to ``limit`` characters, so that a message stays one short line whatever a
    file's keys and values contain."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RlbenchError(Exception):
    """Base class of every error rlbench raises on purpose."""


class InputError(RlbenchError):
    """Bad input from the user: the CLI answers with one line and exit code 2."""


class SpecError(InputError):
    """A suite or card that does not fit its schema.

    Args:
        message: what is wrong and what is allowed.
        source: the file (or "<suite>" for an in-memory mapping).
        path: the field path inside it, e.g. ``agents[1].hparams.step_size``.
    """

    def __init__(self, message: str, source: str | None = None, path: str | None = None):
        self.source = source
        self.path = path
        self.detail = message
        where = ": ".join(p for p in (source, path) if p)
        super().__init__(one_line(f"{where}: {message}" if where else message))


class UnknownNameError(InputError):
    """A name (agent, env, hyperparameter, suite, ...) that does not exist."""

    def __init__(
        self,
        kind: str,
        name: str,
        known: Iterable[str],
        where: str | None = None,
        hint: str | None = None,
    ):
        known = sorted(set(known))
        close = difflib.get_close_matches(str(name)[:200], known, n=1, cutoff=0.6)
        message = f"unknown {kind} {excerpt(name)}"
        if close:
            message += f"; did you mean {close[0]!r}?"
        shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        message += f" (known: {shown})" if known else ""
        if hint:
            message += f"; {hint}"
        self.kind = kind
        self.name = name
        self.close_match = close[0] if close else None
        super().__init__(one_line(f"{where}: {message}" if where else message))


class StoreBusyError(InputError):
    """Another rlbench run holds the results folder."""


class MissingDependencyError(InputError):
    """An optional dependency (e.g. ray) is not installed."""


class TrialFailure(RlbenchError):
    """Raised inside a trial to end it as a ``failed`` record with a reason."""

    reason = "error"


class TrialDiverged(TrialFailure):
    """The agent diverged (NaN/inf loss, parameters or actions).

    Args:
        step: env steps done when the divergence was detected.
        detail: what diverged.
    """

    reason = "diverged"

    def __init__(self, step: int, detail: str):
        self.step = step
        self.detail = detail
        super().__init__(f"diverged at step {step}: {detail}")


class FolderWarning(UserWarning):
    """A file of a results folder that was ignored or moved aside (named in the message)."""
