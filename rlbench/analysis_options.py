"""How an analysis computes: one typed, validated, frozen options object.

`AnalysisOptions` is the single source of the analysis settings that the
commands (``compare``, ``power``, ``sensitivity``, ``report``, ``plot``), the
report and the sensitivity analysis share: each field's default, its help text
(the typer option's help, see `rlbench.commands.options`) and its check live
here once. The ``configs`` field names the base-config policy, which
`rlbench.stats.trial_scores.select_configs` applies.

Light on purpose (no pandas, numpy or scipy at import): the command line
builds its options from it, and ``rlbench --help`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from rlbench.defaults import CONFIDENCE, CONFIG_POLICIES, RESAMPLES, SEED
from rlbench.errors import InputError, UnknownNameError
from rlbench.table_schema import METRICS, STATISTICS

FAILED_POLICIES = ("worst", "exclude")
NAN_POLICIES = ("raise", "omit")


def _field(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class AnalysisOptions:
    """The settings of one analysis; checked when made (`InputError` names the flag).

    Attributes:
        metric: the score column (`rlbench.table_schema.METRICS`).
        stat: the statistic over seeds of one config (sensitivity).
        reps: bootstrap resamples of every interval (and held-out tuning splits).
        seed: seed of every resample.
        confidence: confidence level of every interval, in (0, 1).
        failed: what a failed run scores: ``worst`` or ``exclude`` (`rlbench.stats.failed`).
        nan_policy: done trials with a NaN score: ``raise`` or ``omit`` (counted).
        configs: which configs a comparison of agents uses
            (`rlbench.stats.trial_scores.select_configs`).
    """

    metric: str = _field("final_return", "Score column: final_return, auc or best_return.")
    stat: str = _field("iqm", "Statistic over seeds: iqm, mean or median.")
    reps: int = _field(
        RESAMPLES,
        "Bootstrap resamples of every CI (sensitivity: also the held-out tuning splits).",
    )
    seed: int = _field(SEED, "Seed of the bootstrap resamples.")
    confidence: float = _field(CONFIDENCE, "Confidence level of the intervals.")
    failed: str = _field(
        "worst",
        "worst: a failed run scores its env's lowest observed score and ranks last "
        "(default); exclude: compare the survivors only (failed runs counted, not scored).",
    )
    nan_policy: str = _field(
        "raise", "'raise' on done trials with a NaN score, or 'omit' them (counted)."
    )
    configs: str = _field("base", "base: each agent's base config; all: every config as an agent.")

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise UnknownNameError("metric", self.metric, METRICS, where="--metric")
        if self.stat not in STATISTICS:
            raise UnknownNameError("statistic", self.stat, STATISTICS, where="--stat")
        reps = self.reps
        if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
            raise InputError(f"--reps: must be a positive number of resamples, got {reps}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InputError(f"--seed: must be an int, got {self.seed!r}")
        if not 0 < self.confidence < 1:
            raise InputError(f"--confidence: must be in (0, 1), got {self.confidence}")
        for flag, value, allowed in (
            ("--failed", self.failed, FAILED_POLICIES),
            ("--nan-policy", self.nan_policy, NAN_POLICIES),
            ("--configs", self.configs, CONFIG_POLICIES),
        ):
            if value not in allowed:
                raise InputError(
                    f"{flag}: {value!r} is not allowed; expected {' or '.join(allowed)}"
                )


def help_of(name: str) -> str:
    """The help text of one `AnalysisOptions` field (the command-line option's help)."""
    for option in fields(AnalysisOptions):
        if option.name == name:
            return str(option.metadata["help"])
    raise KeyError(name)


DEFAULTS = AnalysisOptions()
"""Every field at its default."""
