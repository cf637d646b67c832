"""Read a suite or card file: UTF-8 text, ``safe_load``, bounded in size and depth.

PyYAML shares the node of an anchor among its aliases, so a 400-byte file can
describe a list of 9^9 items (an "alias bomb") that only blows up later, when
it is validated or printed; and its composer recurses once per nesting level,
so thousands of ``[`` end in a RecursionError. The loader below counts the
document's nodes with aliases expanded and its depth before anything is built
from it, and refuses what exceeds ``rlbench.limits``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, Node, SequenceNode

from rlbench.errors import SpecError
from rlbench.limits import MAX_FILE_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES


class _TooBig(ComposerError):
    """A document beyond the limits; ``problem`` says which."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents too deep or too large."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooBig(None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expanded_size(node)
        return node


def _check_expanded_size(root: Node) -> None:
    """Count nodes and depth as if every alias were copied out; raise past the limits.

    Shared nodes are counted once per reference but computed once (memoised
    by identity), so the count itself costs time linear in the file.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded depth)
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            active.discard(key)
            kids = _children(node)
            count = 1 + sum(sizes[id(k)][0] for k in kids)
            depth = 1 + max((sizes[id(k)][1] for k in kids), default=0)
            if count > MAX_YAML_NODES:
                raise _TooBig(
                    None,
                    None,
                    f"larger than {MAX_YAML_NODES:,} values once its aliases are expanded",
                    node.start_mark,
                )
            if depth > MAX_YAML_DEPTH:
                raise _TooBig(
                    None,
                    None,
                    f"nested deeper than {MAX_YAML_DEPTH} levels once its aliases are expanded",
                    node.start_mark,
                )
            sizes[key] = (count, depth)
            continue
        if key in sizes:
            continue
        if key in active:
            raise _TooBig(
                None,
                None,
                "recursive (an alias refers to a value that contains it)",
                node.start_mark,
            )
        active.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in sizes)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def read_yaml(path: Path) -> Any:
    """Load a YAML file safely; every problem is a SpecError naming the file (and line).

    Raises:
        SpecError: unreadable, too large, not UTF-8, not valid YAML, or beyond the
            depth / size limits of ``rlbench.limits``.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(
                f"the file is {size:,} bytes; suite and card files are limited to "
                f"{MAX_FILE_BYTES:,} bytes",
                str(path),
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read file ({exc.strerror})", str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"not a text file: byte {exc.start} is not UTF-8 (suites and cards are UTF-8 YAML)",
            str(path),
        ) from None
    return load_text(text, str(path))


def load_text(text: str, source: str) -> Any:
    """``safe_load`` a YAML string within the limits (see ``read_yaml``)."""
    loader = None
    try:
        loader = _BoundedLoader(text)  # its reader already refuses control characters
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, _TooBig):
            raise SpecError(f"the document is {problem}; refused", source, where) from None
        raise SpecError(f"not valid YAML: {problem}", source, where) from None
    except (ValueError, OverflowError) as exc:
        # a scalar that resolves to a type but cannot be built (a 5,000-digit int,
        # a timestamp such as 2024-13-45)
        first = str(exc).splitlines()[0][:120]
        if "integer string conversion" in first:
            first = "an integer with thousands of digits"
        raise SpecError(f"not valid YAML: a value cannot be read ({first})", source) from None
    finally:
        if loader is not None:
            loader.dispose()
