"""The README's own-agent example works as printed."""

from __future__ import annotations

import re
from pathlib import Path

import rlbench
from tests.conftest import run_cli

README = Path(__file__).resolve().parents[1] / "README.md"


def block_after(text: str, marker: str) -> str:
    tail = text[text.index(marker) :]
    return re.search(r"```\w*\n(.*?)```", tail, re.S).group(1)


def test_readme_agent_example(tmp_path, suite_file):
    text = README.read_text()
    cards = tmp_path / "my_cards"
    (cards / "agents").mkdir(parents=True)
    (cards / "my_agent.py").write_text(block_after(text, "`my_cards/my_agent.py`"))
    (cards / "agents" / "my-agent.yaml").write_text(
        block_after(text, "`my_cards/agents/my-agent.yaml`")
    )
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
