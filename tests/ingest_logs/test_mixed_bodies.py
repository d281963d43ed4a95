"""One app log with the response bodies of two or three providers, OpenAI, Anthropic and Gemini
generateContent (llmcost.ingest._mixed_bodies).

OpenAI's `prompt_tokens` / Responses `input_tokens` include the cached tokens, Anthropic's
`input_tokens` leaves cache reads and writes out, Gemini's `promptTokenCount` includes
`cachedContentTokenCount` and its `thoughtsTokenCount` is output outside `candidatesTokenCount`
(formats-request-logs.md 5a, 5b, 5d, 5e). Before: an Anthropic body in an OpenAI log was read as a
Responses body (its 50,000 cache reads and 2,000 cache writes dropped), and OpenAI rows in a file
recognised as Anthropic's were quarantined as "no usage object"; a Gemini body among OpenAI or
Anthropic bodies was quarantined as "no usage object", and OpenAI or Anthropic bodies in a file
recognised as Gemini's as "no usageMetadata"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _chat(i: int, prompt: int, cached: int, out: int) -> dict:
    return {"ts": f"2026-10-01T{10 + i // 60:02d}:{i % 60:02d}:00Z", "session_id": "s1", "response": {
        "id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1790000000, "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out,
                  "prompt_tokens_details": {"cached_tokens": cached}}}}


def _responses(i: int, inp: int, cached: int, out: int) -> dict:
    return {"ts": f"2026-10-01T11:{i:02d}:00Z", "session_id": "s1", "response": {
        "id": f"resp_{i}", "object": "response", "created_at": 1790000000, "model": "gpt-4.1-2025-04-14",
        "output": [], "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached},
                                "output_tokens": out, "total_tokens": inp + out}}}


def _message(i: int, inp: int, read: int, write: int, out: int) -> dict:
    return {"ts": f"2026-10-02T{10 + i // 60:02d}:{i % 60:02d}:00Z", "session_id": "s2", "response": {
        "id": f"msg_{i:03d}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": inp, "cache_read_input_tokens": read, "cache_creation_input_tokens": write,
                  "output_tokens": out}}}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _by_provider(store: Path) -> dict[str, tuple[int, int, int, int, int]]:
    con = Store.open(store).connect()
    rows = con.execute("SELECT provider, count(*), sum(input_tokens), sum(cache_read_tokens), "
                       "sum(cache_write_tokens), sum(output_tokens) FROM usage GROUP BY 1").fetchall()
    return {r[0]: tuple(int(x) for x in r[1:]) for r in rows}


def _quarantine(store: Path) -> list[dict]:
    return [json.loads(x) for q in sorted((store / "quarantine").glob("*.jsonl")) for x in q.read_text().splitlines()]


MIXED = [_chat(1, 3000, 1024, 100), _message(1, 1000, 50000, 2000, 500), _responses(1, 8000, 6000, 300),
         _message(2, 40, 0, 0, 10)]
# by hand: OpenAI uncached input = (3000 - 1024) + (8000 - 6000) = 3976, cache read 1024 + 6000,
# output 400; Anthropic input as stated 1000 + 40, cache read 50000, write 2000, output 510
EXPECTED = {"openai": (2, 3976, 7024, 0, 400), "anthropic": (2, 1040, 50000, 2000, 510)}


@pytest.mark.parametrize("order", ["openai first", "anthropic first"])
def test_each_body_of_a_mixed_log_is_read_by_its_providers_rules(tmp_path: Path, order: str) -> None:
    records = MIXED if order == "openai first" else MIXED[1:] + MIXED[:1]
    f = _write(tmp_path / "app.jsonl", records)
    (r,) = load([f], tmp_path / "store").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (4, 4, 0)
    assert _by_provider(tmp_path / "store") == EXPECTED


def test_a_folder_of_mixed_and_single_logs_read_together(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _write(logs / "a.jsonl", MIXED)
    _write(logs / "b.jsonl", [_chat(7, 500, 0, 50)])
    _write(logs / "c.jsonl", [_message(7, 10, 20, 30, 40)])
    result = load([logs], tmp_path / "store")
    assert sum(f.rows_stored for f in result.files) == 6 and sum(f.rows_quarantined for f in result.files) == 0
    assert _by_provider(tmp_path / "store") == {"openai": (3, 4476, 7024, 0, 450),
                                                 "anthropic": (3, 1050, 50020, 2030, 550)}


def test_a_body_of_the_other_kind_past_the_head_is_quarantined_not_misread(tmp_path: Path) -> None:
    # 200 OpenAI bodies, then one Anthropic body: the head shows one kind, the file is read as OpenAI's
    f = _write(tmp_path / "openai.jsonl", [_chat(i, 100, 0, 10) for i in range(200)]
               + [_message(1, 1000, 50000, 2000, 500)])
    (r,) = load([f], tmp_path / "s1").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (201, 200, 1)
    (q,) = _quarantine(tmp_path / "s1")
    assert q["line"] == 201 and q["reason"].startswith("an Anthropic Messages body in a file read as OpenAI bodies")
    assert _by_provider(tmp_path / "s1") == {"openai": (200, 20000, 0, 0, 2000)}

    # and the reverse: a Responses body (input includes its cached tokens) after 200 Anthropic ones
    g = _write(tmp_path / "anthropic.jsonl", [_message(i, 10, 0, 0, 1) for i in range(200)]
               + [_responses(1, 8000, 6000, 300)])
    (r,) = load([g], tmp_path / "s2").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (201, 200, 1)
    (q,) = _quarantine(tmp_path / "s2")
    assert q["line"] == 201 and q["reason"].startswith("an OpenAI body in a file read as Anthropic Messages bodies")
    assert _by_provider(tmp_path / "s2") == {"anthropic": (200, 2000, 0, 0, 200)}


def test_a_mixed_log_stored_by_the_old_reader_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that read a mixed log before this fix lost a body of the other kind (the OpenAI reply
    in a file recognised as Anthropic's was quarantined as "no usage object"). The file is unchanged,
    but an older version of its reader stored it (`Ingestor.reader_changes`): the next run reads it
    again and replaces its rows, in a folder of small files read together too."""
    from llmcost.ingest import _mixed_bodies, anthropic_message_jsonl, openai_response_jsonl

    logs = tmp_path / "logs"
    logs.mkdir()
    _write(logs / "a.jsonl", [_chat(1, 3000, 1024, 100), _message(1, 1000, 50000, 2000, 500)])
    _write(logs / "b.jsonl", [_chat(7, 500, 0, 50)])
    store = tmp_path / "store"
    with monkeypatch.context() as m:  # the readers as they were: one kind per file
        m.setattr(_mixed_bodies, "is_mixed", lambda head: False)
        m.setattr(_mixed_bodies, "STRAY_ANTHROPIC", "")
        m.setattr(_mixed_bodies, "STRAY_OPENAI", "")
        m.setattr(openai_response_jsonl.OpenAIResponseJsonl, "reader_changes", {})
        m.setattr(anthropic_message_jsonl.AnthropicMessageJsonl, "reader_changes", {})
        first = load([logs], store)
    assert sum(r.rows_quarantined for r in first.files) == 1  # the chat reply in a.jsonl, as before
    assert _by_provider(store) == {"openai": (1, 500, 0, 0, 50), "anthropic": (1, 1000, 50000, 2000, 500)}

    again = load([logs], store)
    assert sorted(r.status for r in again.files) == ["replaced", "replaced"]
    assert sum(r.rows_quarantined for r in again.files) == 0
    # by hand: the chat reply now counts, uncached 3000 - 1024; nothing doubled
    assert _by_provider(store) == {"openai": (2, 1976 + 500, 1024, 0, 150), "anthropic": (1, 1000, 50000, 2000, 500)}
    assert sorted(r.status for r in load([logs], store).files) == ["unchanged", "unchanged"]


# ---- Gemini generateContent bodies among OpenAI and Anthropic ones -------------------------------

def _gemini(i: int, prompt: int, cached: int, candidates: int, thoughts: int, *, rid: str | None = "",
            finish: str | None = "STOP") -> dict:
    """A Gemini generateContent body (REST camelCase, zero counts left out as the API does), in the
    app's envelope; `rid` None: no responseId (a stream chunk of an older API version)."""
    usage = {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
             "totalTokenCount": prompt + candidates + thoughts}
    if cached:
        usage["cachedContentTokenCount"] = cached
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    cand: dict = {"content": {"parts": [{"text": "ok"}], "role": "model"}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    body = {"candidates": [cand], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash",
            "createTime": f"2026-10-03T10:{i % 60:02d}:00Z"}
    if rid is not None:
        body["responseId"] = rid or f"gm-{i}"
    return {"ts": f"2026-10-03T10:{i % 60:02d}:00Z", "session_id": "s3", "response": body}


def _bare(records: list[dict]) -> list[dict]:
    return [r["response"] for r in records]


OPENAI = [_chat(1, 3000, 1024, 100), _responses(1, 8000, 6000, 300), _chat(2, 500, 0, 50)]
ANTHROPIC = [_message(1, 1000, 50000, 2000, 500), _message(2, 40, 0, 0, 10), _message(3, 10, 20, 30, 40)]
GEMINI = [_gemini(1, 12000, 8000, 300, 700), _gemini(2, 900, 0, 50, 0), _gemini(3, 2048, 1024, 10, 90)]
# by hand, (requests, input, cache read, cache write, output):
# OpenAI: uncached input (3000 - 1024) + (8000 - 6000) + 500 = 4476, cache read 1024 + 6000 = 7024,
#   output 100 + 300 + 50 = 450
# Anthropic: input as stated 1000 + 40 + 10 = 1050, cache read 50000 + 0 + 20 = 50020,
#   write 2000 + 0 + 30 = 2030, output 500 + 10 + 40 = 550
# Gemini (provider google): uncached input (12000 - 8000) + 900 + (2048 - 1024) = 5924, cache read
#   8000 + 1024 = 9024, no cache write, output = candidates + thoughts = (300 + 700) + 50 + (10 + 90) = 1150
BY_HAND = {"openai": (3, 4476, 7024, 0, 450), "anthropic": (3, 1050, 50020, 2030, 550),
           "google": (3, 5924, 9024, 0, 1150)}
KIND = {"openai": OPENAI, "anthropic": ANTHROPIC, "google": GEMINI}
FORMAT = {"openai": "openai_response_jsonl", "anthropic": "anthropic_message_jsonl",
          "google": "gemini_generate_content_jsonl"}


@pytest.mark.parametrize(("first", "then", "bare"), [
    ("openai", "google", False), ("google", "openai", False), ("openai", "google", True), ("google", "openai", True),
    ("anthropic", "google", False), ("google", "anthropic", False),
])
def test_gemini_bodies_mixed_with_one_other_provider(tmp_path: Path, first: str, then: str, bare: bool) -> None:
    """The file's first three records are `first`'s bodies, so `first`'s format alone recognises it
    (a format sniffs the first records); the head of 200 records holds both kinds: row by row.
    Bare: OpenAI and Gemini bodies have their own time (Anthropic's have none, so not bare)."""
    records = KIND[first] + KIND[then]
    f = _write(tmp_path / "app.jsonl", _bare(records) if bare else records)
    (r,) = load([f], tmp_path / "store").files
    assert (r.ingestor, r.rows_read, r.rows_stored, r.rows_quarantined) == (FORMAT[first], 6, 6, 0)
    assert _by_provider(tmp_path / "store") == {first: BY_HAND[first], then: BY_HAND[then]}


@pytest.mark.parametrize(("order", "reader"), [
    (("openai", "anthropic", "google"), "openai_response_jsonl"),
    (("google", "openai", "anthropic"), "gemini_generate_content_jsonl"),
    (("anthropic", "google", "openai"), "anthropic_message_jsonl"),
    # all three among the first three records: every format claims it, anthropic_message_jsonl is first
    (None, "anthropic_message_jsonl"),
])
def test_openai_anthropic_and_gemini_bodies_in_one_log(tmp_path: Path, order: tuple[str, ...] | None,
                                                       reader: str) -> None:
    if order is None:
        records = [x for trio in zip(OPENAI, GEMINI, ANTHROPIC, strict=True) for x in trio]
    else:
        records = [x for k in order for x in KIND[k]]
    f = _write(tmp_path / "app.jsonl", records)
    (r,) = load([f], tmp_path / "store").files
    assert (r.ingestor, r.rows_read, r.rows_stored, r.rows_quarantined) == (reader, 9, 9, 0)
    assert _by_provider(tmp_path / "store") == BY_HAND


def test_a_folder_of_logs_with_gemini_bodies_read_together(tmp_path: Path) -> None:
    """Small new files are read in batches, one per format and envelope: a mixed file's batch is
    also one per set of kinds, so a file of OpenAI and Gemini bodies is not read as one of OpenAI
    and Anthropic bodies (its Gemini rows would be strays)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    _write(logs / "a.jsonl", OPENAI + GEMINI)  # OpenAI's format, OpenAI and Gemini bodies
    _write(logs / "b.jsonl", [_chat(i, 500, 0, 50) for i in (7, 8, 9)] + ANTHROPIC)  # OpenAI's, OpenAI and Anthropic
    _write(logs / "c.jsonl", [_gemini(30, 100, 0, 10, 0), _gemini(31, 200, 0, 20, 5)])  # Gemini's alone
    result = load([logs], tmp_path / "store")
    assert [(r.ingestor, r.rows_stored, r.rows_quarantined) for r in sorted(result.files, key=lambda r: r.path)] == [
        ("openai_response_jsonl", 6, 0), ("openai_response_jsonl", 6, 0), ("gemini_generate_content_jsonl", 2, 0)]
    # by hand: OpenAI a's 3 plus b's 3 of (500 uncached, 50 out); Gemini a's 3 plus c's: input 100 + 200,
    # output 10 + (20 + 5)
    assert _by_provider(tmp_path / "store") == {
        "openai": (6, 4476 + 1500, 7024, 0, 450 + 150), "anthropic": BY_HAND["anthropic"],
        "google": (5, 5924 + 300, 9024, 0, 1150 + 35)}


def test_a_gemini_body_past_the_head_is_quarantined_with_what_it_is(tmp_path: Path) -> None:
    # 200 OpenAI bodies, then one Gemini body: the head shows one kind, the file is read as OpenAI's
    f = _write(tmp_path / "openai.jsonl", [_chat(i, 100, 0, 10) for i in range(200)] + [GEMINI[0]])
    (r,) = load([f], tmp_path / "s1").files
    assert (r.ingestor, r.rows_read, r.rows_stored, r.rows_quarantined) == ("openai_response_jsonl", 201, 200, 1)
    (q,) = _quarantine(tmp_path / "s1")
    assert q["line"] == 201
    assert q["reason"].startswith("a Gemini generateContent body in a file read as OpenAI bodies")
    assert "write each provider's replies to its own file" in q["reason"]
    assert _by_provider(tmp_path / "s1") == {"openai": (200, 20000, 0, 0, 2000)}

    # the same after 200 Anthropic bodies
    g = _write(tmp_path / "anthropic.jsonl", [_message(i, 10, 0, 0, 1) for i in range(200)] + [GEMINI[0]])
    (r,) = load([g], tmp_path / "s2").files
    assert (r.ingestor, r.rows_read, r.rows_stored, r.rows_quarantined) == ("anthropic_message_jsonl", 201, 200, 1)
    (q,) = _quarantine(tmp_path / "s2")
    assert q["reason"].startswith("a Gemini generateContent body in a file read as Anthropic Messages bodies")

    # and after a head of OpenAI and Anthropic bodies, read row by row: still a stray
    h = _write(tmp_path / "mixed.jsonl", [_chat(i, 100, 0, 10) for i in range(3)] + ANTHROPIC[:1]
               + [_chat(i, 100, 0, 10) for i in range(3, 199)] + [GEMINI[0]])
    (r,) = load([h], tmp_path / "s3").files
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (201, 200, 1)
    (q,) = _quarantine(tmp_path / "s3")
    assert q["line"] == 201
    assert q["reason"].startswith("a Gemini generateContent body in a file read as Anthropic Messages and "
                                  "OpenAI bodies")
    assert _by_provider(tmp_path / "s3") == {"openai": (199, 19900, 0, 0, 1990),
                                              "anthropic": (1, 1000, 50000, 2000, 500)}


def test_openai_and_anthropic_bodies_past_a_gemini_head_are_quarantined(tmp_path: Path) -> None:
    """A Responses body (input includes its cached tokens) and an Anthropic body (input excludes
    them) after 200 Gemini bodies: neither is read by Gemini's rules nor as "no usageMetadata"."""
    f = _write(tmp_path / "gemini.jsonl", [_gemini(i, 100, 0, 10, 0) for i in range(200)]
               + [_responses(1, 8000, 6000, 300), ANTHROPIC[0]])
    (r,) = load([f], tmp_path / "store").files
    assert (r.ingestor, r.rows_read, r.rows_stored, r.rows_quarantined) == (
        "gemini_generate_content_jsonl", 202, 200, 2)
    q1, q2 = _quarantine(tmp_path / "store")
    assert (q1["line"], q2["line"]) == (201, 202)
    assert q1["reason"].startswith("an OpenAI body in a file read as Gemini generateContent bodies")
    assert q2["reason"].startswith("an Anthropic Messages body in a file read as Gemini generateContent bodies")
    assert _by_provider(tmp_path / "store") == {"google": (200, 20000, 0, 0, 2000)}


def test_streamed_gemini_chunks_in_a_log_read_as_openai_bodies(tmp_path: Path) -> None:
    """Stream chunks state the usage so far; one reply is one request at its largest counts, also in
    a file that OpenAI's format recognised (it keeps an id's first row: the first chunk's 3 output
    tokens, without the merge)."""
    chunks = [
        # a reply streamed with its responseId, two chunks
        _gemini(10, 700, 0, 3, 0, rid="gs-1", finish=None), _gemini(11, 700, 0, 70, 0, rid="gs-1"),
        # a reply of an API version without responseId: one reply up to the chunk with a finishReason
        _gemini(12, 500, 0, 5, 0, rid=None, finish=None), _gemini(13, 500, 0, 60, 40, rid=None),
    ]
    f = _write(tmp_path / "app.jsonl", OPENAI + chunks)
    (r,) = load([f], tmp_path / "store").files
    assert (r.ingestor, r.rows_read, r.rows_quarantined) == ("openai_response_jsonl", 7, 0)
    # by hand: Gemini 2 requests, input 700 + 500, output 70 + (60 + 40)
    assert _by_provider(tmp_path / "store") == {"openai": BY_HAND["openai"], "google": (2, 1200, 0, 0, 170)}


@pytest.mark.parametrize("same_session", [False, True])
def test_idless_gemini_chunks_around_another_providers_reply(tmp_path: Path, same_session: bool) -> None:
    """Id-less chunks of one reply are one request up to the chunk with a finishReason, within one
    conversation (the envelope's session), as in a Gemini log: another provider's reply of another
    session logged between them does not split them. The documented limit: one of the same session
    does (a line that is no Gemini body ends a reply, as in a Gemini log), and each part is a
    request, an overcount rather than a reply lost."""
    between = json.loads(json.dumps(OPENAI[2]))
    if same_session:
        between["session_id"] = "s3"
    records = [*GEMINI, _gemini(20, 500, 0, 5, 0, rid=None, finish=None), between,
               _gemini(21, 500, 0, 60, 40, rid=None), *OPENAI[:2]]
    f = _write(tmp_path / "app.jsonl", records)
    (r,) = load([f], tmp_path / "store").files
    assert (r.ingestor, r.rows_read, r.rows_quarantined) == ("gemini_generate_content_jsonl", 8, 0)
    if same_session:
        # by hand: Gemini 3 + 2 requests, input 5924 + 500 + 500, output 1150 + 5 + (60 + 40)
        assert _by_provider(tmp_path / "store") == {"openai": BY_HAND["openai"], "google": (5, 6924, 9024, 0, 1255)}
    else:
        # by hand: Gemini 3 + 1 requests, input 5924 + 500, output 1150 + (60 + 40)
        assert _by_provider(tmp_path / "store") == {"openai": BY_HAND["openai"], "google": (4, 6424, 9024, 0, 1250)}


REAL = Path("/work/shared/real-samples")


@pytest.mark.parametrize("gemini_first", [True, False])
def test_real_anthropic_and_gemini_bodies_in_one_log(tmp_path: Path, gemini_first: bool) -> None:
    """pydantic-ai's recorded Anthropic and Gemini bodies, both in {ts, session_id, response}, written
    to one file: the totals are each sample's hand counts (real-samples/SOURCES.md)."""
    an = (REAL / "anthropic_messages/pydantic_ai_anthropic_cassettes.jsonl").read_text().splitlines()
    gm = (REAL / "gemini_generate_content/pydantic_ai_google_cassettes.jsonl").read_text().splitlines()
    if not an or not gm:
        pytest.skip("real samples missing")
    f = tmp_path / "app.jsonl"
    f.write_text("\n".join(gm + an if gemini_first else an + gm) + "\n")
    (r,) = load([f], tmp_path / "store").files
    assert r.ingestor == ("gemini_generate_content_jsonl" if gemini_first else "anthropic_message_jsonl")
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (25, 25, 0)
    # SOURCES.md: Anthropic 11 requests, input 1,727, cache read 3,812, write 2,008, output 1,664;
    # Gemini 14 requests, input 4,573, cache 0, output 6,849 (candidates 2,619 + thoughts 4,230)
    assert _by_provider(tmp_path / "store") == {"anthropic": (11, 1727, 3812, 2008, 1664),
                                                 "google": (14, 4573, 0, 0, 6849)}
