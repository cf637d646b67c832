"""Agent and environment cards: declarative YAML, validated into typed models.

Cards live in the checkout's top-level ``agents/`` and ``envs/`` folders and are
shipped inside the wheel as ``rlbench/_cards``. Users add their own folders with
``--cards DIR`` (a folder holding ``agents/`` and/or ``envs/``, or YAML files
directly). A user's card with the same name as a shipped one replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from rlbench.errors import InputError, SpecError, UnknownNameError, excerpt
from rlbench.hparam_values import HParamSpec, flatten_hparams
from rlbench.models import Model
from rlbench.schema_errors import translate
from rlbench.yamlfile import read_yaml

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_card_dirs() -> list[Path]:
    """Folders holding the shipped cards: the wheel's copy, else the checkout's."""
    for root in (_PACKAGE_DIR / "_cards", _PACKAGE_DIR.parent):
        if (root / "agents").is_dir() and (root / "envs").is_dir():
            return [root]
    return []


_CONSTRAINT = re.compile(
    r"^\s*([A-Za-z_][\w.]*|-?[\d.eE+-]+)\s*(<=|<|>=|>|==|!=)\s*([A-Za-z_][\w.]*|-?[\d.eE+-]+)\s*$"
)
_OPS = {
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class PerEnv(Model):
    """Per-env default overrides of an agent card, with their source."""

    source: str = ""
    hparams: dict[str, Any] = Field(default_factory=dict)


class AgentCard(Model):
    """A declarative agent: its implementation, hyperparameters and spaces."""

    name: str
    entry: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    validator: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    description: str = ""
    source: str = ""
    hparams: dict[str, HParamSpec] = Field(default_factory=dict)
    constraints: list[str] = Field(default_factory=list)
    per_env: dict[str, PerEnv] = Field(default_factory=dict)
    # seed batching (rlbench.batching): a factory taking a list of contexts, and
    # how many seeds of one config it trains together unless --batch-seeds says
    batch_entry: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    batch_seeds: int = Field(default=1, ge=1)
    clip_actions: bool = Field(
        default=True,
        description="whether the evaluation clips the policy's actions to the action box; "
        "a card with a bool hyperparameter clip_actions declares it per config instead",
    )
    path: str = ""

    @model_validator(mode="before")
    @classmethod
    def _nested_per_env(cls, data: Any) -> Any:
        # per-env defaults may use SB3's nested form, as suites may
        if not isinstance(data, dict) or not isinstance(data.get("hparams"), dict):
            return data
        per_env = data.get("per_env")
        if not isinstance(per_env, dict):
            return data
        known = [str(k) for k in data["hparams"]]
        flat = {}
        for env, over in per_env.items():
            if isinstance(over, dict) and isinstance(over.get("hparams"), dict):
                where = f"per_env.{env}.hparams"
                over = {**over, "hparams": flatten_hparams(over["hparams"], known, where)}
            flat[env] = over
        return {**data, "per_env": flat}

    @model_validator(mode="after")
    def _check(self) -> AgentCard:
        for i, text in enumerate(self.constraints):
            m = _CONSTRAINT.match(text)
            if not m:
                raise ValueError(
                    f"constraints[{i}] {text!r} is not of the form 'name <= other' "
                    "(operators <=, <, >=, >, ==, !=)"
                )
            for side in (m.group(1), m.group(3)):
                if side[0].isalpha() or side[0] == "_":
                    if side not in self.hparams:
                        raise ValueError(f"constraints[{i}] names unknown hyperparameter {side!r}")
        for env, over in self.per_env.items():
            for key in over.hparams:
                if key not in self.hparams:
                    raise UnknownNameError(
                        "hyperparameter", key, self.hparams, where=f"per_env.{env}.hparams"
                    )
        spec = self.hparams.get("clip_actions")
        if spec is not None and spec.type != "bool":
            raise ValueError(f"hyperparameter clip_actions must be a bool, not {spec.type}")
        return self

    def evaluation_clips(self, hparams: Mapping[str, Any]) -> bool:
        """The rule the runner's evaluation applies to this config's actions: clip
        to the action box or pass them as the policy returns them."""
        if "clip_actions" in self.hparams:
            return bool(hparams.get("clip_actions", self.hparams["clip_actions"].default))
        return self.clip_actions

    def check_constraints(self, hparams: Mapping[str, Any]) -> list[str]:
        """Return the constraints that ``hparams`` violates (empty when feasible)."""
        broken = []
        for text in self.constraints:
            m = _CONSTRAINT.match(text)
            assert m is not None  # checked at load
            left, op, right = m.groups()
            a = hparams.get(left) if left in self.hparams else float(left)
            b = hparams.get(right) if right in self.hparams else float(right)
            if a is None or b is None:
                continue
            if not _OPS[op](a, b):
                broken.append(f"{text} ({left}={a!r}, {right}={b!r})")
        return broken

    def defaults(self, env_id: str) -> dict[str, Any]:
        """The card's default hyperparameters for one env (per-env overrides applied)."""
        values = {name: spec.default for name, spec in self.hparams.items()}
        if env_id in self.per_env:
            values.update(self.per_env[env_id].hparams)
        return values


class Threshold(Model):
    value: float
    source: str = ""


class Scores(Model):
    random: float | None = None
    reference: float | None = None
    source: str = ""


class Budget(Model):
    steps: int = Field(gt=0)
    eval_every: int = Field(gt=0)
    eval_episodes: int = Field(gt=0)


class EnvCard(Model):
    """A declarative environment: id, horizon, thresholds and reference scores."""

    name: str
    gym_id: str
    family: str = ""
    horizon: int = Field(gt=0)
    survival_bonus: float = 0.0
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    default_threshold: str | None = None
    scores: Scores = Field(default_factory=Scores)
    budget: Budget | None = None
    make_kwargs: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, str] = Field(
        default_factory=dict,
        description="extra evaluation metrics: name -> 'module:function(policy) -> float'",
    )
    notes: str = ""
    path: str = ""

    @model_validator(mode="after")
    def _check(self) -> EnvCard:
        if self.default_threshold is not None and self.default_threshold not in self.thresholds:
            raise ValueError(
                f"default_threshold {self.default_threshold!r} is not one of the thresholds "
                f"({', '.join(self.thresholds) or 'none'})"
            )
        return self

    def threshold(self, name: str | None = None) -> float | None:
        """The value of a named threshold (the default one when ``name`` is None)."""
        key = name or self.default_threshold
        return self.thresholds[key].value if key else None


def _card_files(dirs: Iterable[Path], kind: str) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        sub = d / kind
        root = sub if sub.is_dir() else d
        files += sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    return files


def parse_agent_card(data: Any, source: str) -> AgentCard:
    if not isinstance(data, dict):
        raise SpecError("an agent card must be a mapping with name, entry and hparams", source)
    try:
        return AgentCard.model_validate({**data, "path": source})
    except ValidationError as err:
        raise translate(err, AgentCard, source) from None
    except UnknownNameError as err:
        raise SpecError(str(err), source) from None
    except SpecError as err:
        raise SpecError(err.detail, err.source or source, err.path) from None


def parse_env_cards(data: Any, source: str) -> list[EnvCard]:
    if not isinstance(data, dict) or set(data) != {"envs"} or not isinstance(data["envs"], dict):
        raise SpecError("an env card file must be a mapping with one key 'envs'", source)
    cards = []
    for name, body in data["envs"].items():
        if not isinstance(body, dict):
            raise SpecError("must be a mapping", source, f"envs.{name}")
        try:
            cards.append(EnvCard.model_validate({"name": name, **body, "path": source}))
        except ValidationError as err:
            raise translate(err, EnvCard, source, f"envs.{name}") from None
    return cards


def check_card_dir(path: Path, where: str = "card folder") -> None:
    """Refuse a card folder that does not exist or is a file.

    Raises:
        InputError: naming ``where`` (``--cards`` or a suite's ``cards[i]``) and the path.
    """
    if not path.exists():
        problem = "does not exist"
    elif not path.is_dir():
        problem = "is not a folder"
    else:
        return
    raise InputError(
        f"{where} {excerpt(str(path), 300)} {problem}; it must be a folder holding agents/ "
        "and/or envs/ (or card YAML files)"
    )


class Catalog:
    """All cards visible to a run: the shipped ones plus the user's folders."""

    def __init__(self, extra_dirs: Iterable[Path] = ()):
        self.extra_dirs = tuple(Path(d) for d in extra_dirs)
        for d in self.extra_dirs:
            check_card_dir(d)
        dirs = shipped_card_dirs() + list(self.extra_dirs)
        self.agents: dict[str, AgentCard] = {}
        self.envs: dict[str, EnvCard] = {}
        for path in _card_files(dirs, "agents"):
            card = parse_agent_card(read_yaml(path), str(path))
            self.agents[card.name] = card
        for path in _card_files(dirs, "envs"):
            for env in parse_env_cards(read_yaml(path), str(path)):
                self.envs[env.name] = env

    def agent(self, name: str, where: str | None = None) -> AgentCard:
        if name not in self.agents:
            raise UnknownNameError(
                "agent", name, self.agents, where, hint="add a card with --cards DIR"
            )
        return self.agents[name]

    def env(self, name: str, where: str | None = None) -> EnvCard:
        if name not in self.envs:
            raise UnknownNameError(
                "env", name, self.envs, where, hint="add an env card with --cards DIR"
            )
        return self.envs[name]


@lru_cache(maxsize=8)
def catalog(extra_dirs: tuple[str, ...] = ()) -> Catalog:
    """The (cached) catalog of shipped cards plus ``extra_dirs``."""
    return Catalog(Path(d) for d in extra_dirs)


def env_reference_scores(env_ids: Iterable[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Random and reference scores of envs, for normalisation (random = 0, reference = 1).

    Raises:
        InputError: when an env's card has no scores to normalise with.
    """
    cat = catalog()
    random, reference = {}, {}
    for env_id in env_ids:
        scores = cat.env(env_id).scores
        if scores.random is None or scores.reference is None:
            raise SpecError(
                "has no random/reference scores to normalise with; add them under scores:",
                cat.env(env_id).path,
                f"envs.{env_id}.scores",
            )
        random[env_id], reference[env_id] = scores.random, scores.reference
    return random, reference
