"""Real files written by other projects ingest with the totals ../shared/real-samples/SOURCES.md
states (issue 20).

Every expected figure below is restated from SOURCES.md, where it was counted by hand from the
files (small scripts, not this tool); a comment names the SOURCES.md section. The files are read
where they are and never copied into the repository. A folder's case is skipped only when that
folder is absent (a checkout without ../shared).

The claude_code and codex folders are checked by the tests of the Claude Code and Codex readers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.storage.store import Store
from tests.conftest import SHARED

REAL = SHARED / "real-samples"
OTHER_TESTS = {"claude_code", "codex"}
"""Folders whose totals the Claude Code / Codex reader tests assert."""

pytestmark = pytest.mark.real_samples
runner = CliRunner()


def _folder(name: str) -> Path:
    folder = REAL / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (../shared/real-samples is not beside the checkout)")
    return folder


def _report(name: str, tmp_path: Path) -> tuple[dict, Path]:
    store = tmp_path / "store"
    res = runner.invoke(app, ["--logs", str(_folder(name)), "--store", str(store), "--format", "json",
                              "--no-forecast"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ingest"]["rows_quarantined"] == 0, doc["ingest"]["by_file"]
    return doc, store


def _tokens(row: dict) -> tuple[int, int, int, int]:
    return (row["input_tokens"], row["cache_read_tokens"], row["cache_write_tokens"], row["output_tokens"])


def _models(doc: dict) -> dict[tuple[str, str], dict]:
    return {(r["provider"], r["model"]): r for r in doc["by_provider_model"]}


def test_every_real_sample_folder_has_its_totals_checked() -> None:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} is absent")
    folders = {p.name for p in REAL.iterdir() if p.is_dir()}
    checked = {name.removeprefix("test_").split("__")[0] for name in globals() if name.startswith("test_")}
    assert folders - OTHER_TESTS <= checked, f"no totals test for {sorted(folders - OTHER_TESTS - checked)}"


def test_focus(tmp_path: Path) -> None:
    doc, store = _report("focus", tmp_path)
    # SOURCES.md "focus/*.csv": 33.90 for 2025-01 (whole month) + 104.50 for 2025-05
    assert Decimal(doc["totals"]["billed_cost_usd"]) == Decimal("138.40")
    models = _models(doc)
    assert set(models) == {("solora ai", "solora-reasoning-pro"), ("solora ai", "solora-atlas-5.5"),
                           ("solora ai", "solora-atlas-5.4-mini")}
    # input, cache read, cache write, output
    assert _tokens(models["solora ai", "solora-reasoning-pro"]) == (500_000, 8_000_000, 2_000_000, 1_500_000)
    assert _tokens(models["solora ai", "solora-atlas-5.5"]) == (10_000_000, 0, 0, 2_000_000)
    assert _tokens(models["solora ai", "solora-atlas-5.4-mini"]) == (3_000_000, 0, 0, 500_000)
    assert _tokens(doc["totals"]) == (13_500_000, 8_000_000, 2_000_000, 4_000_000)
    # cache read / (uncached input + cache read + cache write), from the token figures above
    assert doc["cache"]["hit_rate"] == pytest.approx(8_000_000 / 23_500_000)
    by_model = {r["model"]: r["hit_rate"] for r in doc["cache"]["by_model"]}
    assert by_model["solora-reasoning-pro"] == pytest.approx(8_000_000 / 10_500_000)
    # each month's charge over its days, adding up exactly to the month's bill
    con = Store.open(store).connect()
    months = con.execute("""SELECT strftime(ts, '%Y-%m'), count(DISTINCT CAST(ts AS DATE)), sum(cost_usd),
                                   max(cost_usd) FROM costs GROUP BY 1 ORDER BY 1""").fetchall()
    assert [(m, days, total) for m, days, total, _ in months] == [
        ("2025-01", 31, Decimal("33.90")), ("2025-05", 31, Decimal("104.50"))]
    assert all(peak < total / 30 for _, _, total, peak in months)  # no line's day holds its month


def test_simonw_llm(tmp_path: Path) -> None:
    doc, store = _report("simonw_llm", tmp_path)
    # SOURCES.md "simonw_llm/logs.db": 8 turns in 4 threads; input as logged 8,526 -> uncached 502;
    # cache_read 4,012; cache_write 4,012; output 87
    assert doc["totals"]["requests"] == 8
    assert _tokens(doc["totals"]) == (502, 4_012, 4_012, 87)
    con = Store.open(store).connect()
    assert con.execute("SELECT count(DISTINCT conversation_id) FROM usage").fetchone() == (4,)
    # gpt-5.6-sol at $4 input / $0.4 cache read / $5 cache write / $20 output per million = $0.0218888;
    # the whole file $0.0222020 (SOURCES.md rounds to 7 places)
    assert Decimal(_models(doc)["openai", "gpt-5.6-sol"]["cost_usd"]) == Decimal("0.0218888")
    assert Decimal(doc["totals"]["cost_usd"]).quantize(Decimal("1e-7")) == Decimal("0.0222020")


def test_anthropic_messages(tmp_path: Path) -> None:
    doc, store = _report("anthropic_messages", tmp_path)
    # SOURCES.md "anthropic_messages": 11 requests; input 1,727; cache_read 3,812; cache_write 2,008
    # (1h 0); output 1,664
    assert doc["totals"]["requests"] == 11
    assert _tokens(doc["totals"]) == (1_727, 3_812, 2_008, 1_664)
    con = Store.open(store).connect()
    assert con.execute("SELECT sum(cache_write_1h_tokens) FROM usage").fetchone() == (0,)


def test_openai_responses(tmp_path: Path) -> None:
    doc, _ = _report("openai_responses", tmp_path)
    # SOURCES.md "openai_responses": 13 requests; prompt incl. cache 16,601 -> uncached 553;
    # cache_read 8,024; cache_write 8,024; output 347 (reasoning 192)
    t = doc["totals"]
    assert t["requests"] == 13
    assert _tokens(t) == (553, 8_024, 8_024, 347) and t["reasoning_tokens"] == 192
    assert sum(_tokens(t)[:3]) == 16_601
    # "Two bodies are Gemini's OpenAI-compatible endpoint (model gemini-2.5-pro-preview-05-06)"
    gemini = [r for r in doc["by_provider_model"] if r["model"].startswith("gemini")]
    assert [(r["provider"], r["model"], r["requests"]) for r in gemini] == [
        ("google", "gemini-2.5-pro-preview-05-06", 2)]


def test_gemini_generate_content(tmp_path: Path) -> None:
    doc, _ = _report("gemini_generate_content", tmp_path)
    # SOURCES.md "gemini_generate_content": 14 requests; input 4,573; cache 0;
    # output 6,849 = candidates 2,619 + thoughts 4,230
    t = doc["totals"]
    assert t["requests"] == 14
    assert _tokens(t) == (4_573, 0, 0, 6_849) and t["reasoning_tokens"] == 4_230
    # issue 20: `models/gemini-2.5-pro` is the same model as `gemini-2.5-pro`
    assert not [m for _, m in _models(doc) if m.startswith("models/")]


def test_openai_usage_api(tmp_path: Path) -> None:
    doc, _ = _report("openai_usage_api", tmp_path)
    # SOURCES.md "openai_usage_api": 5 requests, 2024-11-01; input 1,000 incl. 800 cached -> uncached
    # 200; cache_read 800; output 500; model null (unpriced)
    t = doc["totals"]
    assert t["requests"] == 5 and t["first_ts"].startswith("2024-11-01")
    assert _tokens(t) == (200, 800, 0, 500)
    assert t["cost_usd"] is None and t["unpriced_requests"] == 5
    assert [r["model"] for r in doc["by_provider_model"]] == [None]


def test_otel_genai(tmp_path: Path) -> None:
    doc, _ = _report("otel_genai", tmp_path)
    # SOURCES.md "otel_genai": 7 spans; input 8,422 (the instrumentation drops cache detail); output 71;
    # cache unknown
    t = doc["totals"]
    assert t["requests"] == 7
    assert _tokens(t) == (8_422, 0, 0, 71)
    assert doc["cache"]["hit_rate"] is None and doc["cache"]["hit_rate_reason"].startswith("unknown")
