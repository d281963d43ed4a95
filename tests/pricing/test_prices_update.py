"""`llmcost-forecast prices update FILE|URL` (issue 16): install a newer genai-prices data file.

The data files here are small genai-prices v2 documents written for the test; expected costs are
computed by hand from the prices written in them (tokens x USD per 1M / 1,000,000). The URL case
serves the file from a bounded http.server on 127.0.0.1 that stops by itself.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.pricing import attach_costs, load_catalog
from llmcost.pricing.update import DATA_FILE, META_FILE, config_dir

NEWER = [
    {"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com",
     "models": [{"id": "gpt-4o", "match": {"starts_with": "gpt-4o"},
                 "prices": {"input_mtok": 2, "cache_read_mtok": 1, "output_mtok": 8}}]},
    {"id": "anthropic", "name": "Anthropic", "api_pattern": "https://api\\.anthropic\\.com",
     "models": [{"id": "claude-x", "match": {"equals": "claude-x"},
                 "prices": {"input_mtok": 4, "output_mtok": 20}}]},
]


def _file(tmp_path: Path, name: str, payload: Any) -> Path:
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["prices", *args])


def _one_error_line(result: Any) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@contextmanager
def _serve(body: bytes, status: int = 200, requests: int = 1) -> Iterator[str]:
    """Serve `body` on 127.0.0.1 for at most `requests` requests or 10 s, then stop by itself."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 10

    def loop() -> None:
        for _ in range(requests):
            server.handle_request()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/data.json"
    finally:
        thread.join(timeout=15)
        server.server_close()


def test_update_from_file_is_used_from_then_on(tmp_path: Path, make_usage: Any) -> None:
    path = _file(tmp_path, "data.json", NEWER)
    result = _run("update", str(path))
    assert result.exit_code == 0, result.output
    assert "Installed" in result.output and "2 providers, 2 models" in result.output
    meta = json.loads((config_dir() / META_FILE).read_text())
    assert meta["source"] == str(path.resolve())
    assert meta["installed_at"][:4] >= "2025"
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (config_dir() / DATA_FILE).read_bytes() == path.read_bytes()

    shown = _run("gpt-4o", "--at", "2026-11-01")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[2].split()[-1] == "2" and lines[3].split()[-1] == "1"
    assert f"catalog: genai-prices data from {path.resolve()}" in shown.output

    # a report on the new data: 1000000*2 + 1000000*1 + 1000000*8 = 11
    con = make_usage([dict(event_id="a", provider="openai", model="gpt-4o", ts="2026-11-01 12:00:00+00",
                           input_tokens=1_000_000, cache_read_tokens=1_000_000, output_tokens=1_000_000)])
    summary = attach_costs(con, load_catalog(None))
    assert con.execute("SELECT cost_usd FROM priced_usage").fetchone()[0] == Decimal(11)
    assert str(summary.catalog["catalog"]).startswith(f"genai-prices data from {path.resolve()}")


def test_update_from_loopback_url(tmp_path: Path) -> None:
    body = json.dumps(NEWER).encode()
    with _serve(body) as url:
        result = _run("update", url)
    assert result.exit_code == 0, result.output
    assert json.loads((config_dir() / META_FILE).read_text())["source"] == url
    shown = _run("claude-x", "--provider", "anthropic", "--at", "2026-11-01")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[2].split()[-1] == "4"  # the served file's $4 input
    assert f"genai-prices data from {url}" in shown.output


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ('[{"id": "openai", "models": [', "not valid JSON (line 1, column"),
        ({"providers": []}, "expected a non-empty JSON array of providers"),
        ([{"id": "openai", "name": "OpenAI", "api_pattern": "x",
           "models": [{"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": "lots"}}]}],
         "does not match the genai-prices 0.2.3 schema"),
    ],
    ids=["damaged", "not-a-list", "schema"],
)
def test_bad_file_is_refused_and_old_catalog_stays(tmp_path: Path, payload: Any, reason: str) -> None:
    good = _file(tmp_path, "good.json", NEWER)
    assert _run("update", str(good)).exit_code == 0
    before = (config_dir() / META_FILE).read_bytes()

    bad = _file(tmp_path, "bad.json", payload)
    result = _run("update", str(bad))
    assert result.exit_code == 2, result.output
    assert reason in _one_error_line(result)
    assert (config_dir() / META_FILE).read_bytes() == before
    assert (config_dir() / DATA_FILE).read_bytes() == good.read_bytes()
    assert _run("gpt-4o", "--at", "2026-11-01").output.splitlines()[2].split()[-1] == "2"


def test_bad_url_is_refused_and_bundled_catalog_stays(tmp_path: Path) -> None:
    with _serve(b"not found", status=404) as url:
        result = _run("update", url)
    assert result.exit_code == 2, result.output
    assert "cannot download the price data" in _one_error_line(result)
    assert not (config_dir() / DATA_FILE).exists()
    assert load_catalog(None).info()["catalog"] == "genai-prices 0.2.3"


def test_update_needs_a_source_and_prices_takes_one_model() -> None:
    assert "prices update needs a FILE or an http(s) URL" in _one_error_line(_run("update"))
    result = _run("gpt-4o", "extra")
    assert result.exit_code == 2
    assert "run: llmcost-forecast prices update FILE|URL" in _one_error_line(result)


def test_prices_model_unchanged_without_update(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    result = _run("gpt-4o", "--at", "2025-03-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # https://platform.openai.com/docs/pricing: gpt-4o $2.50 input / $1.25 cached
    assert lines[0].startswith("openai/gpt-4o at 2025-03-01")
    assert lines[2].split()[-1] == "2.5" and lines[3].split()[-1] == "1.25"
    assert lines[-1].startswith("catalog: genai-prices 0.2.3;")


def test_installed_file_changed_behind_our_back_is_an_error(tmp_path: Path) -> None:
    assert _run("update", str(_file(tmp_path, "good.json", NEWER))).exit_code == 0
    (config_dir() / DATA_FILE).write_text("[]")
    result = _run("gpt-4o")
    assert result.exit_code == 2
    assert "does not match its sha256" in _one_error_line(result)
