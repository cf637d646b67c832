"""Hostile and huge input: one line, exit 2, quickly; never a traceback or a hang."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from rlbench import limits
from rlbench.errors import SpecError
from rlbench.trials import eval_grid
from rlbench.yamlfile import load_text
from tests.conftest import run_cli
from tests.inprocess import run_main
from tests.test_bad_input import BASE, assert_own_words


def alias_bomb(levels: int) -> str:
    """Each level lists the previous one nine times: 9**levels values in ~400 bytes."""
    lines = ["seeds:", "  - &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, levels):
        lines.append(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return BASE.replace("seeds: 2\n", "\n".join(lines) + "\n")


def one_error_line(tmp_path, text: str | bytes) -> str:
    suite = tmp_path / "bad.yaml"
    suite.write_bytes(text if isinstance(text, bytes) else text.encode())
    started = time.perf_counter()
    result = run_main("run", suite, "--out", tmp_path / "r", "--dry-run")
    seconds = time.perf_counter() - started
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"rlbench: error: {suite}: "), lines[0]
    assert_own_words(lines[0])
    assert seconds < 20, seconds  # a hang bound (the alias bomb took minutes), not a benchmark
    assert not (tmp_path / "r").exists()
    return lines[0]


@pytest.mark.parametrize("levels", [8, 9])
def test_alias_bomb_is_refused_quickly(tmp_path, levels):
    text = alias_bomb(levels)
    assert len(text) < 700
    line = one_error_line(tmp_path, text)
    assert "larger than 100,000 values once its aliases are expanded" in line


def test_small_aliases_still_work():
    data = load_text("a: &x [1, 2]\nb: *x\n", "<t>")
    assert data == {"a": [1, 2], "b": [1, 2]}


def test_recursive_alias(tmp_path):
    line = one_error_line(tmp_path, BASE + "description: &d [*d]\n")
    assert "recursive" in line


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_nesting(tmp_path, opener):
    closer = "]" if opener == "[" else "}"
    line = one_error_line(tmp_path, "x: " + opener * 5000 + "1" + closer * 5000 + "\n")
    assert f"nested deeper than {limits.MAX_YAML_DEPTH} levels" in line


def test_nesting_within_the_limit():
    depth = limits.MAX_YAML_DEPTH - 2
    assert load_text("[" * depth + "]" * depth, "<t>") is not None


def test_binary_file(tmp_path):
    line = one_error_line(tmp_path, b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary")
    assert "not a text file" in line and "UTF-8" in line


def test_file_too_large(tmp_path):
    line = one_error_line(tmp_path, BASE + "#" * (limits.MAX_FILE_BYTES + 1) + "\n")
    assert f"limited to {limits.MAX_FILE_BYTES:,} bytes" in line


def test_integer_with_thousands_of_digits(tmp_path):
    line = one_error_line(tmp_path, BASE.replace("seeds: 2", "seeds: " + "7" * 5000))
    assert "an integer with thousands of digits" in line


def test_bad_timestamp(tmp_path):
    line = one_error_line(tmp_path, BASE + "description: 2024-13-45\n")
    assert "a value cannot be read" in line


def test_seeds_ten_million_dry_run_is_refused_at_once(tmp_path):
    line = one_error_line(tmp_path, BASE.replace("seeds: 2", "seeds: 10000000"))
    assert "seeds: 10000000 is not allowed" in line and "10,000" in line


def test_eval_grid_is_lazy():
    grid = eval_grid(10**15, 7)
    assert len(grid) == 10**15 // 7 + 2
    assert grid[0] == 0 and grid[1] == 7 and grid[-1] == 10**15 and grid[-2] == 10**15 // 7 * 7
    assert list(eval_grid(100, 30)) == [0, 30, 60, 90, 100]
    assert eval_grid(100, 30)[1:3] == [30, 60]
    with pytest.raises(IndexError):
        eval_grid(100, 50)[3]


def test_limits_accept_the_largest_allowed(tmp_path):
    """At the limits the suite validates (and the message-free path is fast)."""
    from rlbench.spec import parse_suite

    steps = limits.MAX_STEPS
    every = -(-steps // (limits.MAX_EVALUATIONS - 1))  # the smallest every within the limit
    assert len(eval_grid(steps, every)) <= limits.MAX_EVALUATIONS < len(eval_grid(steps, every - 1))
    suite = parse_suite(
        {
            "name": "t",
            "envs": ["Pendulum-v1"],
            "agents": ["random"],
            "seeds": limits.MAX_SEEDS,
            "budget": {"steps": steps},
            "eval": {"every": every, "episodes": limits.MAX_EVAL_EPISODES},
        }
    )
    assert len(suite.seed_list()) == limits.MAX_SEEDS


@pytest.mark.parametrize(
    "args,expected",
    [
        (["run", "quickstart", "--workers", "two"], "run: --workers: 'two' is not allowed; "),
        (
            ["run", "quickstart", "--workers=0"],
            "run: --workers: '0' is not allowed; expected at least 1",
        ),
        (
            ["run", "quickstart", "--trial-timeout", "soon"],
            "'soon' is not allowed; expected a number",
        ),
        (["list", "bogus"], "list: kind: 'bogus' is not one of 'agents', 'envs', 'suites'"),
        (["run"], "run: Missing argument 'suite'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["run", "quickstart", "--bogus"], "No such option: --bogus"),
    ],
)
def test_usage_errors_are_one_line(args, expected):
    result = run_main(*args)
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rlbench: error: "), result.stderr
    assert expected in lines[0], lines[0]
    assert "Input should" not in lines[0]


def test_usage_error_real_cli():
    proc = run_cli("run", "quickstart", "--workers", "two")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rlbench: error: run: --workers: 'two' is not allowed; expected an integer "
        "(see rlbench run --help)"
    ]


def test_help_still_prints():
    assert "Usage:" in run_main("run", "--help").stdout
    no_args = run_main()
    assert "Commands" in no_args.stdout + no_args.stderr


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_cards_option_must_be_a_folder(tmp_path, kind):
    target = tmp_path / "cards"
    if kind == "file":
        target.write_text("not a folder")
    for args in (["run", "quickstart", "--dry-run"], ["list", "agents"]):
        result = run_main(*args, "--cards", target)
        assert result.code == 2
        problem = "does not exist" if kind == "missing" else "is not a folder"
        assert result.stderr.strip() == (
            f"rlbench: error: --cards '{target}' {problem}; it must be a folder holding "
            "agents/ and/or envs/ (or card YAML files)"
        )


def test_missing_entry_module_is_refused_at_dry_run(tmp_path):
    cards = tmp_path / "mine" / "agents"
    cards.mkdir(parents=True)
    (cards / "mine.yaml").write_text("name: mine\nentry: my_missing_module:train\nhparams: {}\n")
    suite = tmp_path / "s.yaml"
    suite.write_text(BASE.replace("card: random", "card: mine"))
    proc = run_cli("run", suite, "--dry-run", "--cards", tmp_path / "mine")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"rlbench: error: {suite}: agents[0].card: agent card 'mine' ({cards / 'mine.yaml'}): "
        "entry 'my_missing_module:train' cannot be imported: no module named "
        "'my_missing_module' in the card folders, the suite's folder, the current folder or "
        "sys.path; put the module in a --cards folder or on PYTHONPATH"
    ]
    (tmp_path / "mine" / "my_missing_module.py").write_text("def train(ctx):\n    pass\n")
    assert run_cli("run", suite, "--dry-run", "--cards", tmp_path / "mine").returncode == 0


def test_validation_does_not_import_torch(tmp_path):
    """Checking SB3 cards' entries (and their validators) leaves torch unimported."""
    suite = tmp_path / "s.yaml"
    suite.write_text(BASE.replace("{card: random}", "{card: ddpg}, {card: ppo}, ars"))
    code = (
        "import sys\n"
        "from tests.inprocess import run_main\n"
        f"result = run_main('run', {str(suite)!r}, '--dry-run')\n"
        "assert result.code == 0, result\n"
        "print('HEAVY', [m for m in ('torch', 'stable_baselines3') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_load_text_errors_name_the_source():
    with pytest.raises(SpecError, match=r"^<t>: line 1: not valid YAML"):
        load_text("a: [", "<t>")


def test_readme_lists_the_limits():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text[text.index("### Limits") :]
    section = section[: section.index("\n## ")]
    for value in (
        limits.MAX_FILE_BYTES,
        limits.MAX_YAML_DEPTH,
        limits.MAX_YAML_NODES,
        limits.MAX_SEEDS,
        limits.MAX_STEPS,
        limits.MAX_EVALUATIONS,
        limits.MAX_EVAL_EPISODES,
        limits.MAX_CONFIGS,
        limits.MAX_TRIALS,
    ):
        assert f"| {value:,}" in section, value
    assert limits.MAX_SEED == 2**63 - 1 and "below 2^63" in section


def test_user_validator_in_a_cards_folder(tmp_path):
    """A card's validator beside its agent in a --cards folder is found and run."""
    folder = tmp_path / "mine"
    (folder / "agents").mkdir(parents=True)
    (folder / "mine_agent_v.py").write_text(
        "from rlbench.errors import SpecError\n\n\n"
        "def train(ctx):\n    pass\n\n\n"
        "def check(hparams, env_id):\n"
        "    if hparams['width'] > 4:\n"
        "        raise SpecError('width above 4 is not supported', path='hparams.width')\n"
    )
    (folder / "agents" / "mine.yaml").write_text(
        "name: mine\nentry: mine_agent_v:train\nvalidator: mine_agent_v:check\n"
        "hparams: {width: {type: int, default: 2}}\n"
    )
    suite = tmp_path / "s.yaml"
    suite.write_text(BASE.replace("card: random", "card: mine"))
    assert run_main("run", suite, "--dry-run", "--cards", folder).code == 0
    suite.write_text(BASE.replace("card: random", "card: mine, hparams: {width: 8}"))
    result = run_main("run", suite, "--dry-run", "--cards", folder)
    assert result.code == 2
    assert "agents[0].hparams.width: width above 4 is not supported (on Pendulum-v1)" in (
        result.stderr
    )


def test_plan_size_counts_every_plan():
    """Each plan kind is sized before expansion (an absolute plan has no base config)."""
    from rlbench.spec import parse_suite
    from rlbench.suite_compiler import expand
    from rlbench.suite_limits import plan_size

    space = {"step_size": {"scale": "log", "low": 0.001, "high": 0.1}}
    plans = [
        ({"plan": "one-at-a-time", "params": ["step_size"], "factors": [0.5, 2]}, 3),
        ({"plan": "grid", "values": {"step_size": [0.01, 0.02], "noise": [0.1, 0.2, 0.3]}}, 6),
        ({"plan": "random", "n": 4, "params": ["step_size"]}, 5),
        ({"plan": "absolute", "values": {"step_size": [0.01, 0.02]}}, 2),
        ({"plan": "absolute", "ranges": space, "n": 3}, 3),
    ]
    base = {"name": "t", "envs": ["Pendulum-v1"], "seeds": 1}
    base |= {"budget": {"steps": 400}, "eval": {"every": 200, "episodes": 1}}
    for perturb, configs in plans:
        suite = parse_suite({**base, "agents": [{"card": "ars", "perturb": perturb}]})
        assert plan_size(suite.agents[0].perturb) == configs == len(expand(suite).configs)
    huge = {"plan": "absolute", "ranges": space, "n": limits.MAX_CONFIGS + 1}
    with pytest.raises(SpecError, match="10,001 configs; an agent's plan is limited to 10,000"):
        expand(parse_suite({**base, "agents": [{"card": "ars", "perturb": huge}]}))
