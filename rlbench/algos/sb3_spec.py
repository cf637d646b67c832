"""Hyperparameters of the stable-baselines3 agents: names and value structure.

This module is imported for every config while a suite is expanded, before
anything runs, so it must not import torch or stable-baselines3. The adapter
(``rlbench.algos.sb3``) builds SB3's keyword arguments from the names here.

Names are SB3's own keyword arguments. A name with a dot (``policy_kwargs.net_arch``)
is a flat card name for one key of a nested keyword argument
(``policy_kwargs={"net_arch": ...}``).

Typed representations that differ from SB3's Python values:

* ``action_noise``: ``{type: normal | ornstein-uhlenbeck, sigma: float > 0}`` or
  null (no noise); the same ``sigma`` on every action dimension, as in
  rl-baselines3-zoo's ``noise_type``/``noise_std``.
* ``train_freq``: an int, counted in env steps (SB3's ``(n, "episode")`` form is
  not offered, so one typed value means one thing).
* ``policy_kwargs.activation_fn``: a name from ``ACTIVATIONS`` (SB3 takes a
  ``torch.nn`` class).
* ``policy_kwargs.net_arch``: a list of layer widths for DDPG/TD3/SAC (actor and
  critic alike); ``{pi: [...], vf: [...]}`` for PPO/A2C.
* ``ent_coef`` of SAC: ``"auto"``, ``"auto_<initial value>"`` or a number
  written as a string (``"0.1"``), because one card type must hold all three.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rlbench.errors import SpecError, UnknownNameError, excerpt

NOISE_TYPES: tuple[str, ...] = ("normal", "ornstein-uhlenbeck")
NOISE_KEYS: tuple[str, ...] = ("type", "sigma")
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "elu", "leaky_relu", "gelu", "silu")

_OFF_POLICY_COMMON: tuple[str, ...] = (
    "learning_rate",
    "buffer_size",
    "learning_starts",
    "batch_size",
    "tau",
    "gamma",
    "train_freq",
    "gradient_steps",
    "action_noise",
    "policy_kwargs.net_arch",
    "policy_kwargs.activation_fn",
)
_ON_POLICY_COMMON: tuple[str, ...] = (
    "learning_rate",
    "n_steps",
    "gamma",
    "gae_lambda",
    "ent_coef",
    "vf_coef",
    "max_grad_norm",
    "normalize_advantage",
    "use_sde",
    "sde_sample_freq",
    "policy_kwargs.net_arch",
    "policy_kwargs.activation_fn",
    "policy_kwargs.log_std_init",
    "policy_kwargs.ortho_init",
)


@dataclass(frozen=True)
class AlgoSpec:
    """What the adapter needs to know about one SB3 algorithm.

    Attributes:
        sb3_class: the class name in ``stable_baselines3``.
        on_policy: True for PPO/A2C (rollout learners), False for replay learners.
        names: every hyperparameter name the card accepts (flat names).
    """

    sb3_class: str
    on_policy: bool
    names: tuple[str, ...]


ALGOS: dict[str, AlgoSpec] = {
    "ddpg": AlgoSpec("DDPG", False, _OFF_POLICY_COMMON),
    "td3": AlgoSpec(
        "TD3",
        False,
        (*_OFF_POLICY_COMMON, "policy_delay", "target_policy_noise", "target_noise_clip"),
    ),
    "sac": AlgoSpec(
        "SAC",
        False,
        (
            *_OFF_POLICY_COMMON,
            "ent_coef",
            "target_update_interval",
            "use_sde",
            "sde_sample_freq",
            "use_sde_at_warmup",
            "policy_kwargs.log_std_init",
            "policy_kwargs.use_expln",
        ),
    ),
    "ppo": AlgoSpec(
        "PPO",
        True,
        (*_ON_POLICY_COMMON, "batch_size", "n_epochs", "clip_range", "clip_range_vf", "target_kl"),
    ),
    "a2c": AlgoSpec("A2C", True, (*_ON_POLICY_COMMON, "rms_prop_eps", "use_rms_prop")),
}


def check_names(algo: str, hparams: Mapping[str, Any]) -> None:
    """Reject a hyperparameter name that the algorithm does not accept.

    The card loader already does this against the card; the adapter repeats it
    so that a hand-built context fails before training, never inside SB3.

    Raises:
        UnknownNameError: naming the unknown hyperparameter, a close match and
            the valid names.
    """
    known = ALGOS[algo].names
    for name in hparams:
        if name not in known:
            raise UnknownNameError("hyperparameter", name, known, where=f"{algo} hparams")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_action_noise(value: Any) -> None:
    path = "hparams.action_noise"
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise SpecError(
            f"expected null or a mapping {{type: {' | '.join(NOISE_TYPES)}, sigma: float > 0}}, "
            f"got {excerpt(value)}",
            path=path,
        )
    extra = sorted(set(value) - set(NOISE_KEYS))
    if extra:
        raise SpecError(
            f"unknown key {excerpt(extra[0])} in action_noise (allowed: {', '.join(NOISE_KEYS)})",
            path=f"{path}.{extra[0]}",
        )
    noise_type = value.get("type")
    if noise_type not in NOISE_TYPES:
        close = difflib.get_close_matches(str(noise_type), NOISE_TYPES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SpecError(
            f"unknown noise type {excerpt(noise_type)}{hint} (allowed: {', '.join(NOISE_TYPES)})",
            path=f"{path}.type",
        )
    sigma: Any = value.get("sigma")
    if not (_is_number(sigma) and math.isfinite(float(sigma)) and float(sigma) > 0):
        raise SpecError(f"sigma must be a number > 0, got {excerpt(sigma)}", path=f"{path}.sigma")


def _check_layers(value: Any, path: str) -> None:
    if (
        not isinstance(value, Sequence)
        or isinstance(value, str)
        or not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in value)
    ):
        raise SpecError(
            "expected a list of layer widths (positive ints), e.g. [400, 300], "
            f"got {excerpt(value)}",
            path=path,
        )


def _check_net_arch(value: Any, on_policy: bool) -> None:
    path = "hparams.policy_kwargs.net_arch"
    if not on_policy:
        _check_layers(value, path)
        return
    if not isinstance(value, Mapping) or set(value) != {"pi", "vf"}:
        raise SpecError(
            "expected a mapping {pi: [widths], vf: [widths]}, "
            f"e.g. {{pi: [64, 64], vf: [64, 64]}}, got {excerpt(value)}",
            path=path,
        )
    for key in ("pi", "vf"):
        _check_layers(value[key], f"{path}.{key}")


def _check_ent_coef_str(value: Any) -> None:
    path = "hparams.ent_coef"
    text = str(value)
    number = text[len("auto_") :] if text.startswith("auto_") else text
    if text == "auto":
        return
    try:
        parsed = float(number)
    except ValueError:
        parsed = float("nan")
    if not (math.isfinite(parsed) and parsed > 0):
        raise SpecError(
            "expected 'auto', 'auto_<initial value>' or a positive number as a string, "
            f"got {excerpt(value)}",
            path=path,
        )


def _validate(algo: str, hparams: Mapping[str, Any]) -> None:
    spec = ALGOS[algo]
    check_names(algo, hparams)
    if "action_noise" in hparams:
        _check_action_noise(hparams["action_noise"])
    if "policy_kwargs.net_arch" in hparams:
        _check_net_arch(hparams["policy_kwargs.net_arch"], spec.on_policy)
    activation = hparams.get("policy_kwargs.activation_fn")
    if activation is not None and activation not in ACTIVATIONS:
        close = difflib.get_close_matches(str(activation), ACTIVATIONS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SpecError(
            f"unknown activation {excerpt(activation)}{hint} (allowed: {', '.join(ACTIVATIONS)})",
            path="hparams.policy_kwargs.activation_fn",
        )
    if hparams.get("gradient_steps") == 0:
        raise SpecError(
            "gradient_steps must be -1 (as many as env steps collected) or >= 1, got 0",
            path="hparams.gradient_steps",
        )
    if algo == "sac" and "ent_coef" in hparams:
        _check_ent_coef_str(hparams["ent_coef"])


def validate_ddpg(hparams: Mapping[str, Any], env_id: str) -> None:
    """Check the structure of DDPG hyperparameter values (card ``validator``).

    Args:
        hparams: flat hyperparameter names to values, already type-checked.
        env_id: the environment (unused; part of the validator signature).

    Raises:
        SpecError: with ``path='hparams.<name>'`` and what is allowed.
    """
    _validate("ddpg", hparams)


def validate_td3(hparams: Mapping[str, Any], env_id: str) -> None:
    """Check the structure of TD3 hyperparameter values (see ``validate_ddpg``)."""
    _validate("td3", hparams)


def validate_sac(hparams: Mapping[str, Any], env_id: str) -> None:
    """Check the structure of SAC hyperparameter values (see ``validate_ddpg``)."""
    _validate("sac", hparams)


def validate_ppo(hparams: Mapping[str, Any], env_id: str) -> None:
    """Check the structure of PPO hyperparameter values (see ``validate_ddpg``)."""
    _validate("ppo", hparams)


def validate_a2c(hparams: Mapping[str, Any], env_id: str) -> None:
    """Check the structure of A2C hyperparameter values (see ``validate_ddpg``)."""
    _validate("a2c", hparams)
