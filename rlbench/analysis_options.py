"""How an analysis computes: one typed, validated, frozen options object.

`AnalysisOptions` is the single source of the analysis settings that the
commands (``compare``, ``power``, ``sensitivity``, ``report``, ``plot``), the
report and the sensitivity analysis share: each field's default, its help text
(the typer option's help, see `rlbench.commands.options`) and its check live
here once. `select_configs` is the one base-config policy: which configs of a
perturbation plan an analysis of agents compares.

Light on purpose (no pandas, numpy or scipy at import): the command line
builds its options from it, and ``rlbench --help`` stays fast.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rlbench.errors import InputError, UnknownNameError
from rlbench.table_schema import METRICS, STATISTICS

# the numbers of rlbench/stats/defaults.py, read without importing the rlbench.stats
# package (its __init__ imports scipy, which `rlbench --help` must not)
_DEFAULTS = runpy.run_path(str(Path(__file__).with_name("stats") / "defaults.py"))

FAILED_POLICIES = ("worst", "exclude")
NAN_POLICIES = ("raise", "omit")
CONFIG_POLICIES = ("base", "all")


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
        configs: which configs a comparison of agents uses (see `select_configs`).
    """

    metric: str = _field("final_return", "Score column: final_return, auc or best_return.")
    stat: str = _field("iqm", "Statistic over seeds: iqm, mean or median.")
    reps: int = _field(
        _DEFAULTS["RESAMPLES"],
        "Bootstrap resamples of every CI (sensitivity: also the held-out tuning splits).",
    )
    seed: int = _field(_DEFAULTS["SEED"], "Seed of the bootstrap resamples.")
    confidence: float = _field(_DEFAULTS["CONFIDENCE"], "Confidence level of the intervals.")
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


@dataclass(frozen=True)
class ConfigSelection:
    """The trials a comparison of agents uses, and what `select_configs` did.

    Attributes:
        trials: the selected trials (a new table when an agent was relabelled).
        n_left_out: trials of perturbed configs left out (``configs='base'``).
        relabelled: agents shown config by config as ``agent[label]``.
    """

    trials: Any
    n_left_out: int = 0
    relabelled: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        """What the selection did, in words (empty when it did nothing)."""
        out = []
        if self.n_left_out:
            out.append(
                f"comparing base configs only; {self.n_left_out} trials of perturbed configs "
                "left out (rlbench sensitivity analyses them; --configs all compares every config)"
            )
        if self.relabelled:
            out.append(
                "agents without a base config (a grid plan) are compared config by "
                "config, as agent[config]"
            )
        return out


def has_perturbed_configs(trials: Any) -> bool:
    """Whether a trials table holds a config other than an agent's base config."""
    if "perturbation" not in trials.columns:
        return False
    return bool((trials["perturbation"].fillna("base") != "base").any())


def select_configs(trials: Any, configs: str = "base") -> ConfigSelection:
    """The one base-config policy: which configs a comparison of agents uses.

    Where every agent has one config per env, the table is used as it is. Else
    ``base`` keeps each agent's base config (``perturbation == 'base'``) and
    leaves the perturbed ones to the sensitivity analysis; an agent whose plan
    has no base config (a grid without one) is shown config by config, as
    ``agent[label]``, never pooled and never dropped. ``all`` shows every
    perturbed config as an agent of its own, ``agent[label]``.

    Args:
        trials: the trials table (``rlbench.load(path).trials``).
        configs: ``base`` or ``all``.

    Returns:
        A `ConfigSelection`.
    """
    if configs not in CONFIG_POLICIES:
        raise InputError(f"--configs: {configs!r} is not allowed; expected base or all")
    if "perturbation" not in trials.columns:
        return ConfigSelection(trials)
    config = "config_id" if "config_id" in trials.columns else "perturbation"
    if not trials.groupby(["agent", "env"])[config].nunique().max() > 1:
        return ConfigSelection(trials)
    is_base = trials["perturbation"].fillna("base") == "base"
    if configs == "all":
        keep, split = is_base | ~is_base, ~is_base
    else:
        has_base = is_base.groupby([trials["agent"], trials["env"]]).transform("any")
        keep, split = is_base | ~has_base, ~has_base
    kept = trials[keep].copy()
    split = split[keep]
    relabelled = tuple(sorted(set(kept.loc[split, "agent"].astype(str))))
    kept.loc[split, "agent"] = (
        kept.loc[split, "agent"] + "[" + kept.loc[split, "perturbation"] + "]"
    )
    return ConfigSelection(kept, int((~keep).sum()), relabelled)
