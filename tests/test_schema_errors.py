"""Every kind of error the suite and card schemas raise, in rlbench's words.

Each case names the pydantic error type it provokes (checked, so the table
documents which types are translated) and the words the message must hold.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rlbench.cards import AgentCard, EnvCard
from rlbench.errors import SpecError
from rlbench.schema_errors import describe, translate
from rlbench.spec import Suite
from tests.conftest import TINY_SUITE
from tests.test_bad_input import PYDANTIC_TEXTS

SUITE = TINY_SUITE
CARD = {"name": "x", "entry": "m:f", "hparams": {"a": {"type": "int", "default": 1}}}
ENV = {"name": "E", "gym_id": "E-v0", "horizon": 10}


def with_(base, path, value):
    out = {**base}
    node = out
    for key in path[:-1]:
        node[key] = node[key].copy() if isinstance(node[key], (dict, list)) else node[key]
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


CASES = [
    # (model, data, pydantic type, path, words)
    (Suite, with_(SUITE, ["name"], KeyError), "missing", "name", ["required key is missing"]),
    (Suite, {**SUITE, "sedes": 1}, "extra_forbidden", "sedes", ["did you mean 'seeds'?"]),
    (Suite, with_(SUITE, ["name"], "a b"), "string_pattern_mismatch", "name", ["letters"]),
    (Suite, with_(SUITE, ["name"], 3), "string_type", "name", ["3 is not allowed", "text"]),
    (Suite, with_(SUITE, ["envs"], []), "too_short", "envs", ["at least 1 item"]),
    (Suite, with_(SUITE, ["envs"], "Pendulum-v1"), "list_type", "envs", ["expected a list"]),
    (Suite, with_(SUITE, ["agents"], [3]), "model_type", "agents[0]", ["a mapping with keys card"]),
    (Suite, with_(SUITE, ["budget"], 4), "model_type", "budget", ["a mapping with keys steps"]),
    (Suite, with_(SUITE, ["budget"], {"steps": "x"}), "int_parsing", "budget.steps", ["integer"]),
    (Suite, with_(SUITE, ["budget"], {"steps": 2.5}), "int_from_float", "budget.steps", ["2.5"]),
    (
        Suite,
        with_(SUITE, ["budget"], {"steps": 0}),
        "greater_than",
        "budget.steps",
        ["greater than 0"],
    ),
    (
        Suite,
        with_(SUITE, ["budget"], {"steps": 10**11}),
        "less_than_equal",
        "budget.steps",
        ["at most"],
    ),
    (Suite, with_(SUITE, ["budget"], {"steps": True}), "value_error", "budget.steps", ["True"]),
    (Suite, with_(SUITE, ["seeds"], True), "value_error", "seeds", ["True is not allowed"]),
    (
        Suite,
        with_(SUITE, ["agents"], [{"card": "x", "perturb": {"plan": "sobol"}}]),
        "union_tag_invalid",
        "agents[0].perturb",
        ["unknown plan 'sobol'", "one-at-a-time, grid, random"],
    ),
    (
        Suite,
        with_(SUITE, ["agents"], [{"card": "x", "perturb": {"n": 2}}]),
        "union_tag_not_found",
        "agents[0].perturb",
        ["'plan' is missing"],
    ),
    (
        Suite,
        with_(
            SUITE, ["agents"], [{"card": "x", "perturb": {"plan": "random", "n": 2, "seed": -1}}]
        ),
        "greater_than_equal",
        "agents[0].perturb.seed",
        ["at least 0"],
    ),
    (
        Suite,
        with_(SUITE, ["agents"], [{"card": "x", "perturb": {"plan": "grid", "values": {}}}]),
        "too_short",
        "agents[0].perturb.values",
        ["at least 1 item"],
    ),
    (
        Suite,
        with_(SUITE, ["agents"], [{"card": "x", "hparams": [1]}]),
        "dict_type",
        "agents[0].hparams",
        ["[1] is not allowed", "a mapping"],
    ),
    (
        Suite,
        with_(
            SUITE,
            ["agents"],
            [{"card": "x", "perturb": {"plan": "random", "n": 2, "include_base": "maybe"}}],
        ),
        "bool_parsing",
        "agents[0].perturb.include_base",
        ["true or false"],
    ),
    (
        Suite,
        with_(SUITE, ["envs"], [{"id": "E", "horizon": 0}]),
        "greater_than",
        "envs[0].horizon",
        ["greater than 0"],
    ),
    (
        Suite,
        with_(SUITE, ["envs"], [{"id": "E", "budget": {"stepz": 3}}]),
        "missing",  # steps missing and stepz extra: the typo is reported
        "envs[0].budget.stepz",
        ["did you mean 'steps'?"],
    ),
    (
        Suite,
        with_(SUITE, ["envs"], [[1]]),
        "string_type",
        "envs[0]",
        ["[1] is not allowed", "expected text or a mapping with keys id"],
    ),
    (
        AgentCard,
        {**CARD, "hparams": {"a": {"type": "complex"}}},
        "literal_error",
        "hparams.a.type",
        ["'int'"],
    ),
    (
        AgentCard,
        {
            **CARD,
            "hparams": {"a": {"type": "int", "perturb": {"scale": "log", "low": "x", "high": 1}}},
        },
        "float_parsing",
        "hparams.a.perturb.low",
        ["'x' is not allowed", "number"],
    ),
    (
        AgentCard,
        {**CARD, "entry": "nope"},
        "string_pattern_mismatch",
        "entry",
        ["'module:function'"],
    ),
    (AgentCard, {**CARD, "constraints": "a < 1"}, "list_type", "constraints", ["a list of text"]),
    (EnvCard, {**ENV, "horizon": "long"}, "int_parsing", "horizon", ["'long'", "integer"]),
    (
        EnvCard,
        {**ENV, "thresholds": {"a": {"value": None}}},
        "float_type",
        "thresholds.a.value",
        ["None"],
    ),
    (EnvCard, {**ENV, "gym_idd": "x"}, "extra_forbidden", "gym_idd", ["did you mean 'gym_id'?"]),
]


@pytest.mark.parametrize(
    "model,data,kind,path,words", CASES, ids=[f"{c[0].__name__}-{c[2]}-{c[3]}" for c in CASES]
)
def test_translated(model, data, kind, path, words):
    data = {**data, "source": "f.yaml"} if model is Suite else data
    try:
        model.model_validate(data)
    except ValidationError as err:
        assert kind in {e["type"] for e in err.errors()}, err.errors()
        error = translate(err, model, "f.yaml")
    except SpecError as exc:  # rlbench's own validators raise SpecError directly
        error = exc
    else:
        pytest.fail("no error")
    assert error.path == path, str(error)
    message = str(error)
    assert message.startswith(f"f.yaml: {path}: "), message
    for word in words:
        assert word in message, message
    for text in PYDANTIC_TEXTS:
        assert text not in message, message


def test_describe():
    assert describe(list[int]) == "a list of integers"
    assert describe(int | list[int]) == "an integer or a list of integers"
    assert describe(dict[str, float]) == "a mapping"
    assert describe(bool) == "true or false"
