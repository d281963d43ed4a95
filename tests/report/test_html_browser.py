"""The HTML report in a real headless browser: no console errors, the charts are drawn.

Runs in CI (.ci/run installs Debian's chromium): with CI=true a missing browser fails the test;
locally it skips.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from llmcost.report import render
from tests.report.browser import FLAGS, find_chromium, png_pixels, png_size, run_page

DATA_CHARTS = ["Daily spend and forecast", "Cost by model", "Per-turn input growth", "Cache hit rate over time",
               "Complexity mix"]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail("CI=true but no chromium on PATH: the HTML report must be checked in a real browser "
                    "(.ci/run installs it with apt-get install chromium)")
    pytest.skip("chromium not installed (apt-get install -y chromium); runs in CI")


@pytest.fixture(scope="module")
def html_file(sample_doc: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("html") / "report.html"
    p.write_text(render(sample_doc, "html"), encoding="utf-8")
    return p


def _colourful(png: bytes) -> float:
    """Share of pixels that are clearly coloured (not white, grey or black)."""
    px = png_pixels(png)
    return sum(1 for r, g, b in px if max(r, g, b) - min(r, g, b) > 60) / len(px)


def test_self_contained(html_file: Path) -> None:
    text = html_file.read_text()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", text) + re.findall(r"url\(([^)]+)\)", text)
    assert refs == []
    assert re.findall(r"https?://(?!www\.w3\.org/2000/svg)", text) == []
    assert "default-src 'none'" in text


def test_renders_without_console_errors_and_draws_the_charts(chromium: str, html_file: Path) -> None:
    run = run_page(
        chromium, html_file.as_uri(),
        expressions={"charts": "document.body.getAttribute('data-charts')",
                     "captions": "[...document.querySelectorAll('figcaption')].map(e => e.textContent)",
                     "svg_nodes": "document.querySelectorAll('svg.chart *').length"},
        clips={name: f"figure:nth-of-type({i + 1}) svg" for i, name in enumerate(DATA_CHARTS)},
    )
    assert run.errors == []
    assert ("log", "llmcost-report: 6 charts, 14 tables") in run.console or any(
        t == "log" and m.startswith("llmcost-report: 6 charts") for t, m in run.console), run.console
    assert run.values["charts"] == "6"
    assert run.values["captions"][:5] == DATA_CHARTS and run.values["captions"][5] == "Scenarios side by side"
    assert run.values["svg_nodes"] > 300
    for name in DATA_CHARTS:
        share = _colourful(run.shots[name])
        assert share > 0.01, f"{name}: only {share:.2%} coloured pixels in its screenshot"


def test_the_check_sees_errors(chromium: str, tmp_path: Path) -> None:
    """Negative control: a page with a console error, an exception and a missing file is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><body><script>console.error("boom"); missingFunction();</script>'
                   f'<img src="{(tmp_path / "missing.png").as_uri()}"></body>')
    run = run_page(chromium, bad.as_uri(), width=400, height=300)
    text = "\n".join(run.errors)
    assert "console.error: boom" in text and "missingFunction" in text and "log.error" in text


def test_issue_command_line_screenshot(chromium: str, html_file: Path, tmp_path: Path) -> None:
    """The exact command from the issue: screenshot written, our console line logged, no uncaught error."""
    shot = tmp_path / "shot.png"
    res = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1280,3000", "--enable-logging=stderr", "--v=0", html_file.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert png_size(shot.read_bytes()) == (1280, 3000)
    console = [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]
    assert any("llmcost-report: 6 charts" in ln for ln in console), console
    assert not any("Uncaught" in ln for ln in console), console
