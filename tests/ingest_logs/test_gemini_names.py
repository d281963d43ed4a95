"""Gemini replies are Google's wherever they were logged, under one model name (issue 20)."""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _chat(rid: str, model: str) -> dict:
    return {"id": rid, "object": "chat.completion", "created": 1791633600, "model": model,
            "choices": [], "usage": {"prompt_tokens": 35, "completion_tokens": 12, "total_tokens": 109}}


def _rows(tmp_path: Path, lines: list[dict], source: str) -> list[tuple]:
    tmp_path.mkdir(exist_ok=True)
    f = tmp_path / "bodies.jsonl"
    f.write_text("".join(json.dumps(o) + "\n" for o in lines))
    result = load([f], tmp_path / "store", source=source)
    assert [r.status for r in result.files] == ["ingested"], result.files
    con = Store.open(tmp_path / "store").connect()
    return con.execute("SELECT event_id, provider, model FROM usage ORDER BY event_id").fetchall()


def test_openai_compatible_gemini_bodies_are_google(tmp_path: Path) -> None:
    rows = _rows(tmp_path, [
        _chat("a", "gemini-2.5-pro-preview-05-06"),  # as Google's endpoint answers (pydantic-ai cassette)
        _chat("b", "models/gemini-2.5-pro"),
        _chat("c", "google/gemini-2.0-flash-001"),  # Vertex AI's OpenAI-compatible model id
        _chat("d", "gpt-4o-mini-2024-07-18"),
    ], "openai_response_jsonl")
    assert rows == [
        ("a", "google", "gemini-2.5-pro-preview-05-06"),
        ("b", "google", "gemini-2.5-pro"),
        ("c", "google", "google/gemini-2.0-flash-001"),
        ("d", "openai", "gpt-4o-mini-2024-07-18"),
    ]


def test_the_endpoint_in_the_envelope_names_google_and_the_envelope_provider_wins(tmp_path: Path) -> None:
    gemini_url = "https://generativelanguage.googleapis.com/v1beta/openai/"
    rows = _rows(tmp_path, [
        {"ts": "2026-10-01T10:00:00Z", "base_url": gemini_url, "response": _chat("a", "my-deployment")},
        {"ts": "2026-10-01T10:01:00Z", "base_url": "https://api.openai.com/v1", "response": _chat("b", "gpt-4o")},
        {"ts": "2026-10-01T10:02:00Z", "base_url": "https://api.openai.com/v1", "response": _chat("c", "o3")},
    ], "openai_response_jsonl")
    assert rows == [("a", "google", "my-deployment"), ("b", "openai", "gpt-4o"), ("c", "openai", "o3")]

    rows = _rows(tmp_path / "p", [
        {"ts": "2026-10-01T10:00:00Z", "provider": "openrouter", "response": _chat("a", "gemini-2.5-pro")},
    ], "openai_response_jsonl")
    assert rows == [("a", "openrouter", "gemini-2.5-pro")]


def test_generate_content_model_loses_the_models_prefix(tmp_path: Path) -> None:
    def body(rid: str, model: str) -> dict:
        return {"responseId": rid, "modelVersion": model, "candidates": [],
                "usageMetadata": {"promptTokenCount": 15, "candidatesTokenCount": 8, "totalTokenCount": 23}}

    rows = _rows(tmp_path, [
        {"ts": "2026-10-01T10:00:00Z", "response": body("a", "models/gemini-2.5-pro")},
        {"ts": "2026-10-01T10:01:00Z", "response": body("b", "gemini-2.5-pro")},
    ], "gemini_generate_content_jsonl")
    assert rows == [("a", "google", "gemini-2.5-pro"), ("b", "google", "gemini-2.5-pro")]
