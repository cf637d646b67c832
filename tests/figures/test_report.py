"""The report of a synthetic and of a real tiny run; the page checked in headless Chromium."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import rlbench
from rlbench.analysis_options import AnalysisOptions as Options
from rlbench.commands.report_cmd import plot_command, report_command
from rlbench.errors import InputError
from rlbench.figures import plot_power
from rlbench.report import build_report
from rlbench.report.data import KINDS, ReportData
from tests.figures.synthetic import write_results

FIGURES = ("curves", "percentiles", "seeds", "aggregates", "profiles", "improvement",
           "seed_split", "power")  # fmt: skip
TABLES = ("trials", "per_env", "aggregates", "improvement", "tests", "seed_split", "power",
          "failures", "runs", "provenance")  # fmt: skip
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars")  # fmt: skip


@pytest.fixture(scope="module")
def synthetic_report(synthetic_results, tmp_path_factory):
    return build_report(synthetic_results, tmp_path_factory.mktemp("report"), Options(reps=200))


def test_report_writes_every_figure_table_and_page(synthetic_report):
    out = synthetic_report.parent
    for name in FIGURES:
        for suffix in ("png", "pdf"):
            assert (out / f"{name}.{suffix}").stat().st_size > 1000, name
    for name in TABLES:
        assert (out / f"{name}.csv").stat().st_size > 20, name
    page = synthetic_report.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', page)  # offline: nothing fetched
    assert "<style>" in page and 'rel="stylesheet"' not in page
    for name in FIGURES:
        assert f'<img src="{name}.png"' in page
    assert "200 resamples" in page and "5-6 seeds (done trials) per agent and env" in page
    assert "RuntimeError: synthetic failure" in page  # failures listed, not dropped
    assert "# synthetic suite" in page  # provenance: the suite
    assert rlbench.__version__ in page  # provenance: versions


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (CI installs Debian's, and there the test never skips)",
)
def test_page_loads_in_chromium_without_broken_images_or_errors(synthetic_report, tmp_path):
    url = synthetic_report.resolve().as_uri()
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'dom'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stderr[-2000:]
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(0)))
    assert attributes.get("data-loaded") == "true"
    assert int(attributes["data-images"]) >= len(FIGURES)
    assert attributes["data-broken-images"] == ""
    assert "data-errors" not in attributes
    assert not re.search(r"Uncaught|ERROR:CONSOLE", dom.stderr)
    shot = tmp_path / "page.png"
    subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'shot'}",
         f"--screenshot={shot}", "--window-size=1280,2000", url],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def _cli():
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("plot")(plot_command)
    return app


def test_plot_command_writes_any_format(synthetic_results, tmp_path):
    runner = CliRunner()
    for suffix in ("svg", "pdf", "png"):
        out = tmp_path / f"curves.{suffix}"
        result = runner.invoke(
            _cli(),
            [
                "plot",
                str(synthetic_results),
                "--kind",
                "curves",
                "--env",
                "Pendulum-v1",
                "--out",
                str(out),
                "--reps",
                "50",
            ],
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    result = runner.invoke(_cli(), ["plot", str(synthetic_results), "--kind", "curves",
                                    "--out", str(tmp_path / "x.docx")])  # fmt: skip
    assert isinstance(result.exception, InputError)
    assert "unknown figure format 'docx'" in str(result.exception)
    result = runner.invoke(_cli(), ["report", str(tmp_path / "missing")])
    assert str(result.exception) == f"{tmp_path / 'missing'}: no such results folder"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A real run: random and ARS (step size perturbed) on Pendulum, 4 seeds, 600 steps."""
    suite = rlbench.parse_suite({
        "name": "tiny-report", "envs": ["Pendulum-v1"],
        "agents": [{"card": "random"}, {"card": "ars", "hparams": {"variant": "V1"},
                   "perturb": {"plan": "one-at-a-time", "params": ["step_size"],
                               "factors": [0.5]}}],
        "seeds": 4, "budget": {"steps": 600}, "eval": {"every": 200, "episodes": 2},
    })  # fmt: skip
    out = tmp_path_factory.mktemp("tiny") / "results"
    rlbench.run_suite(suite, out, workers=2, progress=False)
    return out


def test_every_figure_kind_from_a_real_tiny_run(tiny_run, tmp_path):
    report = ReportData(rlbench.load(tiny_run), Options(reps=100))
    for kind in KINDS:
        if kind == "sensitivity":
            if importlib.util.find_spec("rlbench.sensitivity") is None:
                continue
        figure = report.figure(kind)
        assert figure.axes, kind
    curves = report.figure("curves").axes[0]
    assert len(curves.get_lines()) == 2  # random and ars
    assert {tuple(line.get_xdata()) for line in curves.get_lines()} == {(0, 200, 400, 600)}
    index = build_report(tiny_run, tmp_path / "report", Options(reps=100))
    page = index.read_text()
    assert "perturbed configs left out" in page
    assert (tmp_path / "report" / "curves.pdf").stat().st_size > 1000


class _Page(HTMLParser):
    """The figures (their data attributes, image and caption) and not-drawn notes of a page."""

    def __init__(self):
        super().__init__()
        self.figures: list[dict] = []
        self.not_drawn: dict[str, str] = {}
        self.images: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "figure":
            self.figures.append({**attributes, "caption": "", "img": None})
        elif tag == "img":
            self.images.append(attributes["src"])
            if self.figures:
                self.figures[-1]["img"] = attributes["src"]
        elif tag == "figcaption":
            self._in = "caption"
        elif tag == "p" and "not-drawn" in (attributes.get("class") or ""):
            self._in = attributes["data-stem"]
            self.not_drawn[self._in] = ""

    def handle_endtag(self, tag):
        if tag in ("figcaption", "p"):
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.figures[-1]["caption"] += data
        elif self._in is not None:
            self.not_drawn[self._in] += data


@pytest.fixture(scope="module")
def plain_report(tmp_path_factory):
    """Twins (beta-twin copies beta's numbers), 5 seeds (seed splits: k = 2 only), one
    perturbed agent (no cross-agent ranking) and no thresholds (no success rates); the
    report folder holds images of an earlier report that cannot be drawn now."""
    root = tmp_path_factory.mktemp("plain")
    results = write_results(root / "results", agents=("alpha", "beta", "beta-twin"),
                            envs=("Pendulum-v1",), seeds=5, failed=0,
                            twins={"beta-twin": "beta"})  # fmt: skip
    out = root / "report"
    out.mkdir()
    for stale in ("seed_split.png", "seed_split.pdf", "sensitivity_ranking.png"):
        (out / stale).write_bytes(b"\x89PNG stale")
    return build_report(results, out, Options(reps=100))


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (CI installs Debian's, and there the test never skips)",
)
def test_page_in_chromium_has_no_degenerate_placeholder_or_hidden_figure(plain_report, tmp_path):
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'dom'}",
         "--virtual-time-budget=10000", "--dump-dom", plain_report.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 'data-loaded="true"' in dom.stdout and 'data-broken-images=""' in dom.stdout
    page = _Page()
    page.feed(dom.stdout)
    out = plain_report.parent
    drawn = {figure["data-stem"]: figure for figure in page.figures}
    assert {"curves", "percentiles", "seeds", "aggregates", "profiles", "power",
            "sensitivity"} <= set(drawn)  # fmt: skip
    for stem, figure in drawn.items():
        assert figure["img"] == f"{stem}.png" and (out / f"{stem}.png").exists()
        # a curve needs two x values: no image of a dot on a stretched axis
        if figure["data-fewest-x"]:
            assert int(figure["data-fewest-x"]) >= 2, stem
        # every legend entry visible: identical series are named in the caption
        for group in filter(None, figure["data-identical"].split(";")):
            assert " = ".join(group.split("=")) in figure["caption"], stem
    assert drawn["curves"]["data-identical"] == "beta=beta-twin"
    assert "beta-twin" in drawn["curves"]["data-series"].split("|")
    # what cannot be drawn is said in words, with no image file (stale ones removed)
    assert set(page.not_drawn) == {"seed_split", "success_rates", "sensitivity_ranking"}
    for stem, sentence in page.not_drawn.items():
        assert sentence.split(" not drawn: ")[1], stem
        images = [p for p in out.glob(f"{stem}.*") if p.suffix in (".png", ".pdf", ".svg")]
        assert not images and f"{stem}.png" not in page.images, stem
    assert "single x value (seeds per group, k = 2)" in page.not_drawn["seed_split"]
    assert "no cross-agent ranking" in page.not_drawn["sensitivity_ranking"]
    assert (out / "seed_split.csv").exists()  # the numbers stay, as a table


def test_twins_are_drawn_apart_and_tables_show_estimates_with_ci(plain_report):
    report = ReportData(rlbench.load(plain_report.parent.parent / "results"), Options(reps=100))
    lines = {line.get_gid(): line for line in report.figure("curves").axes[0].get_lines()}
    beta, twin = lines["series:beta"], lines["series:beta-twin"]
    assert list(beta.get_ydata()) == list(twin.get_ydata())
    assert beta.get_linestyle() == "-" and twin.get_linestyle() == "--"
    page = plain_report.read_text()
    assert '<th class="text">mean [CI]</th>' in page  # per env: one cell, as the terminal
    assert re.search(r"\d+ of \d+ columns shown; all: <a href=\"per_env.csv\">CSV</a>", page)
    full = pd.read_csv(plain_report.parent / "per_env.csv")
    assert {"mean", "ci_lower", "ci_upper", "method", "resamples"} <= set(full.columns)


def test_one_agent_has_no_comparison_figures_and_says_why(tmp_path):
    results = write_results(tmp_path / "results", agents=("solo",), envs=("Pendulum-v1",),
                            seeds=4, failed=0, perturbed=False)  # fmt: skip
    report = ReportData(rlbench.load(results), Options(reps=50))
    for kind, what in (("power", "power"), ("improvement", "the probability of improvement")):
        with pytest.raises(InputError, match=f"^{what} needs at least 2 agents to compare$"):
            report.figure(kind)
    with pytest.raises(InputError, match=r"^no power curves: on every env the agents tie"):
        plot_power({"Pendulum-v1": []})
    page = build_report(results, tmp_path / "report", Options(reps=50)).read_text()
    assert 'data-stem="power">Statistical power not drawn: power needs at least 2 agents' in page
    assert not (tmp_path / "report" / "power.png").exists()


def test_plot_command_refuses_a_figure_of_dots(plain_report, tmp_path):
    results = plain_report.parent.parent / "results"
    out = tmp_path / "split.png"
    result = CliRunner().invoke(_cli(), ["plot", str(results), "--kind", "seed-split",
                                         "--out", str(out), "--reps", "50"])  # fmt: skip
    assert isinstance(result.exception, InputError) and not out.exists()
    assert str(result.exception) == (
        "--kind seed-split: every curve in Pendulum-v1 has a single x value (seeds per group, "
        "k = 2), a dot rather than a curve; nothing written (`rlbench report` shows these "
        "numbers as a table)"
    )


def test_sensitivity_section_uses_the_report_options(monkeypatch):
    """The report's metric, resamples, seed and CI level reach the sensitivity analysis."""
    import pandas as pd

    from rlbench import sensitivity
    from rlbench.report.data import sensitivity_analysis

    seen = {}

    def analyse(trials, **kwargs):
        seen.update(kwargs)
        return None

    monkeypatch.setattr(sensitivity, "analyse", analyse)
    trials = pd.DataFrame({"perturbation": ["base", "step_sizex2"]})
    options = Options(metric="auc", reps=123, seed=7, confidence=0.9)
    sensitivity_analysis(trials, options)
    assert seen == {"options": options}
