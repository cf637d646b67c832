"""The evaluation grid of a trial, as a lazy sequence.

A budget of 10^10 steps evaluated every step would be 10^10 ints if built as a
tuple; the grid is arithmetic, so it is computed on demand instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload


class EvalGrid(Sequence[int]):
    """Evaluation steps 0, every, 2·every, ... and the budget itself, computed on demand.

    A sequence of ints (index, ``len``, iteration, ``==`` with a tuple) that holds
    two numbers, whatever the budget.
    """

    def __init__(self, budget_steps: int, every: int):
        self.budget_steps, self.every = budget_steps, every
        self._regular = range(0, budget_steps + 1, every)
        self._extra = budget_steps % every != 0  # the budget is not a multiple of every

    def __len__(self) -> int:
        return len(self._regular) + self._extra

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...
    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("evaluation grid index out of range")
        return self._regular[index] if index < len(self._regular) else self.budget_steps

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EvalGrid):
            return (self.budget_steps, self.every) == (other.budget_steps, other.every)
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.budget_steps, self.every))

    def __repr__(self) -> str:
        return f"EvalGrid(budget_steps={self.budget_steps}, every={self.every})"


def eval_grid(budget_steps: int, every: int) -> EvalGrid:
    """Evaluation steps: 0, every, 2·every, ... and the budget itself (lazily)."""
    return EvalGrid(budget_steps, every)
