"""The README's own-agent example works as printed."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import rlbench
from tests.conftest import run_cli

README = Path(__file__).resolve().parents[1] / "README.md"


def block_after(text: str, marker: str) -> str:
    tail = text[text.index(marker) :]
    return re.search(r"```\w*\n(.*?)```", tail, re.S).group(1)


def write_my_cards(tmp_path: Path) -> str:
    """The README's two files, in ``tmp_path/my_cards``; returns the README text."""
    text = README.read_text()
    cards = tmp_path / "my_cards"
    (cards / "agents").mkdir(parents=True)
    (cards / "my_agent.py").write_text(block_after(text, "`my_cards/my_agent.py`"))
    (cards / "agents" / "my-agent.yaml").write_text(
        block_after(text, "`my_cards/agents/my-agent.yaml`")
    )
    return text


def test_readme_agent_example_with_cards_option(tmp_path):
    """``rlbench run my-suite.yaml --cards my_cards``, as printed, from the folder
    holding ``my_cards``: the workers must import the card's module from there."""
    text = write_my_cards(tmp_path)
    command = re.search(r"Then `rlbench (run my-suite\.yaml --cards my_cards)`", text).group(1)
    agents = yaml.safe_load(re.search(r"with `agents: (\[.*?\])`", text).group(1))
    suite = {
        "name": "my-study",
        "envs": ["Pendulum-v1"],
        "agents": agents,
        "seeds": 2,
        "budget": {"steps": 2000},
        "eval": {"every": 1000, "episodes": 2},
    }
    (tmp_path / "my-suite.yaml").write_text(yaml.safe_dump(suite))
    proc = run_cli(*command.split(), "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    res = rlbench.load(tmp_path / "results" / "my-study")
    assert (res.trials["status"] == "done").all() and len(res.trials) == 2
    assert len(res.curves) == 2 * 3


def test_readme_agent_example(tmp_path, suite_file):
    write_my_cards(tmp_path)
    path = suite_file(
        agents=[{"card": "my-agent"}],
        seeds=2,
        budget={"steps": 2000},
        eval={"every": 1000, "episodes": 2},
        cards=["my_cards"],
    )
    proc = run_cli("run", path, "--out", tmp_path / "r", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    res = rlbench.load(tmp_path / "r")
    assert (res.trials["status"] == "done").all() and len(res.curves) == 2 * 3
