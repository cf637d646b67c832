"""The pydantic base of every suite and card model, and the types both kinds of file use.

Suite files (`rlbench.spec`, `rlbench.plans`, `rlbench.tune.spec`) and card files
(`rlbench.cards`) are validated into frozen models that refuse unknown keys, so
that a misspelt key is an error naming it, never a silently ignored setting.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator


class Model(BaseModel):
    """A frozen model of YAML data: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PerturbSpace(Model):
    """Where a random perturbation plan samples a hyperparameter."""

    scale: Literal["log", "linear", "int"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> PerturbSpace:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"a log scale needs low > 0, got {self.low}")
        return self


def _no_bool(value: Any) -> Any:
    # pydantic reads true as 1 for an int field; a count written as true is a mistake
    if isinstance(value, bool):
        raise ValueError(f"{value} is not allowed; expected an integer")
    return value


Count = Annotated[int, BeforeValidator(_no_bool)]
"""An integer that is not a bool."""
