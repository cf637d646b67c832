"""A corpus of malformed suites and cards: one clear line, exit code 2, nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import CARDS, run_cli
from tests.inprocess import run_main

BASE = """\
name: t
envs: [Pendulum-v1]
agents: [{card: random}]
seeds: 2
budget: {steps: 400}
eval: {every: 200, episodes: 2}
"""


def variant(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


SLOW = "agents: [{card: slow, hparams: {sleep: 0.0}}]\ncards: [CARDS]"


def slow(hparams: str = "", perturb: str = "") -> str:
    agent = (
        "{card: slow"
        + (f", hparams: {{{hparams}}}" if hparams else "")
        + (f", perturb: {{{perturb}}}" if perturb else "")
        + "}"
    )
    return variant("agents: [{card: random}]", f"agents: [{agent}]\ncards: ['{CARDS}']")


# (case id, suite text, substrings the one-line message must contain)
CASES = [
    ("bad-yaml", "name: t\nenvs: [Pendulum-v1\n", ["not valid YAML", "line"]),
    ("not-a-mapping", "- name: t\n", ["a suite must be a mapping", "list"]),
    ("empty-file", "", ["a suite must be a mapping", "empty file"]),
    ("unknown-top-key", BASE + "seed: 3\n", ["seed: unknown key"]),
    ("missing-name", BASE.replace("name: t\n", ""), ["name: required key is missing"]),
    ("empty-envs", variant("envs: [Pendulum-v1]", "envs: []"), ["envs", "at least 1"]),
    ("missing-agents", variant("agents: [{card: random}]\n", ""), ["agents: required key"]),
    (
        "env-typo",
        variant("[Pendulum-v1]", "[Pendulum-v2]"),
        ["envs[0]", "unknown env 'Pendulum-v2'", "did you mean 'Pendulum-v1'"],
    ),
    (
        "agent-typo",
        variant("card: random", "card: randm"),
        ["agents[0].card", "unknown agent 'randm'", "did you mean 'random'"],
    ),
    ("negative-seed", variant("seeds: 2", "seeds: [-1, 2]"), ["seeds", "non-negative", "-1"]),
    ("zero-seeds", variant("seeds: 2", "seeds: 0"), ["seeds: 0 is not allowed", "from 1 to"]),
    ("empty-seed-list", variant("seeds: 2", "seeds: []"), ["seeds", "empty"]),
    ("repeated-seed", variant("seeds: 2", "seeds: [1, 1]"), ["seeds", "repeats"]),
    (
        "float-string-steps",
        variant("steps: 400", "steps: 1e5"),
        ["budget.steps", "'1e5'", "integer"],
    ),
    (
        "negative-steps",
        variant("steps: 400", "steps: -5"),
        ["budget.steps", "-5", "greater than 0"],
    ),
    (
        "eval-beyond-budget",
        variant("every: 200", "every: 800"),
        ["eval.every", "larger than budget"],
    ),
    (
        "unknown-hparam",
        variant("{card: random}", "{card: random, hparams: {lr: 1}}"),
        ["agents[0].hparams", "unknown hyperparameter of agent 'random' 'lr'"],
    ),
    (
        "hparam-typo",
        slow("sleeep: 1"),
        ["unknown hyperparameter", "'sleeep'", "did you mean 'sleep'"],
    ),
    (
        "hparam-wrong-type",
        slow("sleep: abc"),
        ["agents[0].hparams.sleep", "'abc' is not allowed", "expected a float >= 0"],
    ),
    ("hparam-out-of-bounds", slow("sleep: -1"), ["agents[0].hparams.sleep", "-1"]),
    (
        "unknown-plan",
        slow(perturb="plan: sobol"),
        ["unknown plan 'sobol'", "one-at-a-time, grid, random"],
    ),
    (
        "perturb-unknown-param",
        slow(perturb="plan: one-at-a-time, params: [slep], factors: [2]"),
        ["perturb.params[0]", "did you mean 'sleep'"],
    ),
    (
        "perturb-empty-factors",
        slow(perturb="plan: one-at-a-time, params: [sleep], factors: []"),
        ["perturb", "factors", "at least 1"],
    ),
    (
        "perturb-negative-factor",
        slow(perturb="plan: one-at-a-time, params: [sleep], factors: [-2]"),
        ["factors must be positive"],
    ),
    (
        "perturb-grid-empty",
        slow(perturb="plan: grid, values: {sleep: []}"),
        ["values.sleep is an empty list"],
    ),
    (
        "perturb-random-no-space",
        slow(perturb="plan: random, n: 3, params: [sleep]"),
        ["sleep has no perturbation space"],
    ),
    (
        "duplicate-agent-name",
        variant("[{card: random}]", "[{card: random}, {card: random}]"),
        ["two agents are named 'random'", "distinct 'name'"],
    ),
    ("duplicate-env", variant("[Pendulum-v1]", "[Pendulum-v1, Pendulum-v1]"), ["listed twice"]),
    (
        "unknown-threshold",
        variant("[Pendulum-v1]", "[{id: CartPole-v1, threshold: mania}]"),
        ["envs[0].threshold", "unknown threshold", "'mania'"],
    ),
    ("bad-device", BASE + "device: tpu\n", ["device", "cpu, cuda"]),
    (
        "negative-horizon",
        variant("[Pendulum-v1]", "[{id: Pendulum-v1, horizon: -5}]"),
        ["envs[0].horizon", "greater than 0"],
    ),
    ("bad-name", variant("name: t", "name: 'my suite'"), ["name", "'my suite'"]),
    (
        "ars-impossible-top",
        variant("{card: random}", "{card: ars, hparams: {n_directions: 4, top_directions: 8}}"),
        ["agents[0].hparams", "violates top_directions <= n_directions"],
    ),
    (
        "ars-negative-step",
        variant("{card: random}", "{card: ars, hparams: {step_size: -0.1}}"),
        ["agents[0].hparams.step_size", "-0.1"],
    ),
    (
        "ddpg-bad-noise",
        variant(
            "{card: random}", "{card: ddpg, hparams: {action_noise: {type: gaussian, sigma: 0.1}}}"
        ),
        ["agents[0].hparams.action_noise.type", "unknown noise type 'gaussian'", "normal"],
    ),
    (
        "inline-card-bad-entry",
        variant("{card: random}", "{card: {name: mine, entry: 'not an entry'}}"),
        ["agents[0].card", "entry"],
    ),
]


@pytest.mark.parametrize("case,text,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_suite(tmp_path, case, text, expected):
    suite = tmp_path / "bad.yaml"
    suite.write_text(text)
    out = tmp_path / "results"
    proc = run_cli("run", suite, "--out", out)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    for part in expected:
        assert part in lines[0], lines[0]
    assert str(suite) in lines[0] or case == "unknown-suite"
    assert not out.exists()
    assert_own_words(lines[0])


PYDANTIC_TEXTS = (
    "Input should",
    "Value error",
    "valid dictionary",
    "instance of",
    "discriminator",
    "String should",
    "after validation",
    "Field required",
    "Extra inputs",
    "errors.pydantic.dev",
)


def assert_own_words(line: str) -> None:
    """No pydantic phrasing, and short (values are echoed as excerpts)."""
    for text in PYTHON_OR_PYDANTIC:
        assert text not in line, line
    assert len(line) < 600, line


PYTHON_OR_PYDANTIC = (*PYDANTIC_TEXTS, "Traceback", "Error:")


BAD_CARDS = [
    (
        "card-unknown-key",
        "name: x\nentry: m:f\nhparams: {}\ncolour: red\n",
        ["colour", "unknown key"],
    ),
    ("card-bad-type", "name: x\nentry: m:f\nhparams: {a: {type: complex}}\n", ["hparams.a.type"]),
    (
        "card-bad-constraint",
        "name: x\nentry: m:f\nhparams: {a: {type: int}}\nconstraints: ['a <= b']\n",
        ["unknown hyperparameter 'b'"],
    ),
    ("card-not-yaml", "name: [x\n", ["not valid YAML"]),
]


@pytest.mark.parametrize("case,text,expected", BAD_CARDS, ids=[c[0] for c in BAD_CARDS])
def test_bad_card(tmp_path, suite_file, case, text, expected):
    cards = tmp_path / "cards" / "agents"
    cards.mkdir(parents=True)
    (cards / "x.yaml").write_text(text)
    out = tmp_path / "results"
    proc = run_cli("run", suite_file(), "--out", out, "--cards", tmp_path / "cards")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "x.yaml" in lines[0]
    for part in expected:
        assert part in lines[0], lines[0]
    assert not out.exists()


def test_unknown_shipped_suite(tmp_path):
    proc = run_cli("run", "quikstart", "--out", tmp_path / "r")
    assert proc.returncode == 2
    assert "unknown suite 'quikstart'; did you mean 'quickstart'?" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_usage_error_exit_2(tmp_path):
    proc = run_cli("run")
    assert proc.returncode == 2
    proc = run_cli("run", "quickstart", "--workers", "0")
    assert proc.returncode == 2


def test_yaml_float_strings_are_converted(tmp_path, suite_file):
    """YAML 1.1 reads 1e-3 as a string; a float hyperparameter converts it."""
    from rlbench.spec import load_suite
    from rlbench.suite_compiler import expand

    path = suite_file(agents=[{"card": "slow", "hparams": {"sleep": "1e-3"}}], cards=[str(CARDS)])
    plan = expand(load_suite(str(path)))
    assert plan.trials[0].hparams["sleep"] == 0.001


BIG = "x" * 5000
GRID = "{card: ars, perturb: {plan: grid, values: {step_size: [STEPS], noise: [1, 2, 3, 4, 5, 6]}}}"
ONE_AT_A_TIME = "{card: ars, perturb: {plan: one-at-a-time, params: [step_size], factors: [F]}}"

# (case id, suite text, substrings of the one-line message), run in-process through cli.main
MORE = [
    ("seeds-bools", variant("seeds: 2", "seeds: [true, false]"), ["seeds", "True", "not bools"]),
    ("seeds-string", variant("seeds: 2", 'seeds: "3"'), ["seeds", "'3' is not allowed", "count"]),
    ("seed-string-in-list", variant("seeds: 2", 'seeds: [0, "3"]'), ["seeds", "'3' (item 1)"]),
    ("seed-fraction", variant("seeds: 2", "seeds: [1.5]"), ["seeds", "1.5 (item 0)"]),
    (
        "seeds-too-many",
        variant("seeds: 2", "seeds: 10000000"),
        ["seeds: 10000000 is not allowed", "from 1 to 10,000"],
    ),
    (
        "steps-too-many",
        variant("steps: 400", "steps: 1000000000000000"),
        ["budget.steps", "1000000000000000", "at most 10,000,000,000"],
    ),
    ("steps-bool", variant("steps: 400", "steps: true"), ["budget.steps", "True", "an integer"]),
    (
        "evaluations-too-many",
        variant("budget: {steps: 400}", "budget: {steps: 1000000000}").replace(
            "every: 200", "every: 1"
        ),
        ["eval.every", "1,000,000,001 evaluations", "limit is 100,000"],
    ),
    (
        "episodes-too-many",
        variant("episodes: 2", "episodes: 1000000"),
        ["eval.episodes", "1000000", "at most 10,000"],
    ),
    (
        "env-eval-too-large",
        variant(
            "[Pendulum-v1]", "[CartPole-v1, {id: Pendulum-v1, eval: {every: 5000, episodes: 2}}]"
        ),
        ["envs[1].eval.every", "5,000", "larger than budget.steps (400)", "Pendulum-v1"],
    ),
    (
        "env-budget-too-small",
        variant("[Pendulum-v1]", "[{id: Pendulum-v1, budget: {steps: 100}}]"),
        ["envs[0].budget.steps: 100 is smaller than eval.every (200)"],
    ),
    (
        "key-typo-did-you-mean",
        variant("{card: random}", "{card: random, hparms: {}}"),
        ["agents[0].hparms: unknown key; did you mean 'hparams'?", "allowed keys: card, name"],
    ),
    (
        "top-key-typo",
        BASE + "bugdet: {steps: 3}\n",
        ["bugdet: unknown key; did you mean 'budget'?", "allowed keys: name, description, envs"],
    ),
    (
        "plan-key-typo",
        slow(perturb="plan: grid, valuez: {sleep: [0.0]}"),
        ["perturb.valuez: unknown key; did you mean 'values'?", "plan, values, include_base"],
    ),
    (
        "name-without-card",
        variant("{card: random}", "{name: ars}"),
        ["agents[0].card: required key is missing; did you mean `card: ars`?"],
    ),
    (
        "name-without-card-not-a-card",
        variant("{card: random}", "{name: my-label}"),
        ["agents[0].card: required key is missing"],
    ),
    (
        "agent-number",
        variant("[{card: random}]", "[3]"),
        ["agents[0]: 3 is not allowed", "a mapping with keys card, name, hparams, perturb"],
    ),
    (
        "agents-mapping",
        variant("[{card: random}]", "{card: random}"),
        ["agents", "is not allowed; expected a list"],
    ),
    (
        "card-list",
        variant("{card: random}", "{card: [1]}"),
        ["agents[0].card", "text or a mapping"],
    ),
    (
        "plan-missing",
        slow(perturb="params: [sleep], factors: [2]"),
        ["agents[0].perturb", "'plan' is missing", "one-at-a-time, grid, random"],
    ),
    (
        "name-pattern",
        variant("name: t", "name: 'a b'"),
        ["name: 'a b' is not allowed", "letters, digits"],
    ),
    ("envs-empty", variant("[Pendulum-v1]", "[]"), ["envs: [] is too short", "at least 1 item"]),
    (
        "budget-not-mapping",
        variant("{steps: 400}", "400"),
        ["budget: 400", "a mapping with keys steps"],
    ),
    (
        "eval-missing-key",
        variant("{every: 200, episodes: 2}", "{every: 200}"),
        ["eval.episodes: required"],
    ),
    (
        "horizon-float",
        variant("[Pendulum-v1]", "[{id: Pendulum-v1, horizon: 2.5}]"),
        ["envs[0].horizon", "2.5", "integer"],
    ),
    (
        "plan-factor-text",
        slow(perturb="plan: one-at-a-time, params: [sleep], factors: [abc]"),
        ["factors[0]", "'abc'", "number"],
    ),
    (
        "include-base-text",
        slow(perturb="plan: random, n: 2, include_base: maybe"),
        ["include_base", "'maybe'", "true or false"],
    ),
    ("random-n-too-many", slow(perturb="plan: random, n: 20000"), ["perturb.n", "at most 10,000"]),
    (
        "grid-too-large",
        variant(
            "{card: random}",
            GRID.replace("STEPS", ", ".join(f"{(i + 1) / 1e4:g}" for i in range(2000))),
        ),
        ["agents[0].perturb", "12,000 configs", "limited to 10,000"],
    ),
    (
        "suite-too-many-trials",
        variant("seeds: 2", "seeds: 10000").replace(
            "{card: random}",
            ONE_AT_A_TIME.replace("F", ", ".join(str(f) for f in range(2, 12))),
        ),
        ["suite expands to up to 110,000 trials", "limited to 100,000"],
    ),
    (
        "huge-value-echo",
        slow(f"sleep: {BIG}"),
        ["agents[0].hparams.sleep", "xxx...", "expected a float"],
    ),
    ("huge-env-name", variant("[Pendulum-v1]", f"[{BIG}]"), ["envs[0]", "unknown env", "..."]),
    (
        "hparam-nan",
        variant("{card: random}", "{card: ddpg, hparams: {policy_kwargs.net_arch: [.nan]}}"),
        ["policy_kwargs.net_arch", "nan", "only numbers, text"],
    ),
    (
        "nested-and-dotted",
        variant(
            "{card: random}",
            "{card: ddpg, hparams: {policy_kwargs: {net_arch: [64]}, policy_kwargs.net_arch: [8]}}",
        ),
        ["policy_kwargs.net_arch is given twice"],
    ),
    (
        "inline-card-missing-module",
        variant("{card: random}", "{card: {name: mine, entry: 'no_such_module_xyz:train'}}"),
        [
            "agents[0].card",
            "entry 'no_such_module_xyz:train' cannot be imported",
            "no module named",
        ],
    ),
    (
        "inline-card-missing-function",
        variant("{card: random}", "{card: {name: mine, entry: 'rlbench.algos.random:trian'}}"),
        ["agents[0].card", "defines no 'trian'"],
    ),
    (
        "suite-cards-missing",
        BASE + "cards: [no_such_folder]\n",
        ["cards[0]", "no_such_folder' does not exist", "a folder holding agents/"],
    ),
]


@pytest.mark.parametrize("case,text,expected", MORE, ids=[c[0] for c in MORE])
def test_bad_suite_in_process(tmp_path, case, text, expected):
    suite = tmp_path / "bad.yaml"
    suite.write_text(text)
    out = tmp_path / "results"
    result = run_main("run", suite, "--out", out, "--dry-run")
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"rlbench: error: {suite}"), lines[0]
    for part in expected:
        assert part in lines[0], lines[0]
    assert_own_words(lines[0])
    assert not out.exists()
