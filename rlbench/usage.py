"""Command-line usage errors as one line, like every other bad input.

Typer prints a usage error as four lines (usage, a hint, a blank line, then
"Error: Invalid value for '--workers': Input should be a valid integer ...",
a pydantic text that does not even echo the value). ``OneLineGroup`` turns
every usage error of the command line into an ``InputError`` instead, which
``rlbench.cli.main`` prints as one ``rlbench: error: ...`` line with exit code 2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from typer._click.core import Context
from typer._click.exceptions import BadParameter, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from rlbench.errors import InputError, excerpt

_PYDANTIC_WORDS = [
    (re.compile(r"Input should be a valid integer.*"), "expected an integer"),
    (re.compile(r"Input should be a valid number.*"), "expected a number"),
    (re.compile(r"Input should be a valid boolean.*"), "expected true or false"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"expected at least \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"expected more than \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"expected at most \1"),
    (re.compile(r"Input should be less than (\S+)"), r"expected less than \1"),
    (re.compile(r"^Value error, "), ""),
]


class OneLineGroup(TyperGroup):
    """rlbench's command group: usage errors are raised as ``InputError``."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        self._argv = list(args)  # kept to echo a bad option's value
        try:
            return super().make_context(info_name, args, parent, **extra)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise InputError(usage_line(exc, self._argv)) from None

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise InputError(usage_line(exc, getattr(self, "_argv", []))) from None


def usage_line(exc: UsageError, argv: Sequence[str]) -> str:
    """One line: the command, the option, the value given, what is allowed."""
    names: list[str] = []
    ctx = exc.ctx
    while ctx is not None and ctx.parent is not None:  # the root's name is the program's
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    command = " ".join(names)
    if isinstance(exc, BadParameter) and exc.param is not None and exc.message:
        opts = list(getattr(exc.param, "opts", []) or [])
        name = "/".join(o for o in opts if o.startswith("-")) or exc.param.name or "argument"
        message = exc.message
        for pattern, words in _PYDANTIC_WORDS:
            message = pattern.sub(words, message)
        raw = _raw_value(opts, argv)
        if raw is not None and message.startswith("expected"):
            message = f"{excerpt(raw)} is not allowed; {message}"
        elif raw is not None and excerpt(raw) not in message:
            message = f"{excerpt(raw)}: {message}"
        text = f"{name}: {message}"
    else:
        text = exc.format_message()
    hint = f" (see rlbench {command} --help)" if command else " (see rlbench --help)"
    prefix = f"{command}: " if command else ""
    return prefix + " ".join(text.split()).rstrip(".") + hint


def _raw_value(opts: Sequence[str], argv: Sequence[str]) -> str | None:
    """What the user typed for an option (``--workers two`` or ``--workers=two``)."""
    for i, arg in enumerate(argv):
        for opt in opts:
            if not opt.startswith("-"):
                continue
            if arg == opt and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(opt + "="):
                return arg[len(opt) + 1 :]
    return None
