"""Codex rollouts read as a batch (`Ingestor.batchable`): many new rollouts of one run are read by
one scan, and each file's rows and counts are those it gets when read on its own.

The rollouts are written here by hand; the expected values below are computed by hand from them
(formats-request-logs.md 6b: `last_token_usage` is the call, input includes cached, the running
total of a legacy file is differenced, the model is the event's `info.model`, else the latest
`turn_context`, the turn counts `user_message` events, a repeated token_count is a duplicate).
"""

from __future__ import annotations

import json
from pathlib import Path

from llmcost.ingest.loader import load
from llmcost.storage.store import Store


def _meta(sid: str | None) -> dict:
    payload = {"id": sid} if sid is not None else {}
    return {"timestamp": "2026-10-08T10:00:00Z", "type": "session_meta", "payload": payload}


def _ctx(ts: str, model: str) -> dict:
    return {"timestamp": ts, "type": "turn_context", "payload": {"model": model}}


def _user(ts: str) -> dict:
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "user_message", "message": "hi"}}


def _call(ts: str, last: tuple[int, int, int, int] | None, total: tuple[int, int, int, int],
          model: str | None = None) -> dict:
    def usage(u: tuple[int, int, int, int]) -> dict:
        i, c, o, r = u
        return {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o, "reasoning_output_tokens": r,
                "total_tokens": i + o}
    info: dict = {"total_token_usage": usage(total)}
    if last is not None:
        info["last_token_usage"] = usage(last)
    if model:
        info["model"] = model
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info}}


ROLLOUTS = {
    # A: two turns, the model changes at the second turn's context; the second call is written twice
    "rollout-a.jsonl": [
        _meta("sess-a"), _ctx("2026-10-08T10:00:01Z", "gpt-5.2-codex"), _user("2026-10-08T10:00:02Z"),
        _call("2026-10-08T10:00:03Z", (1000, 200, 100, 40), (1000, 200, 100, 40)),
        _user("2026-10-08T10:01:00Z"), _ctx("2026-10-08T10:01:01Z", "gpt-5.3-codex"),
        _call("2026-10-08T10:01:02Z", (1500, 1000, 50, 0), (2500, 1200, 150, 40)),
        _call("2026-10-08T10:01:02Z", (1500, 1000, 50, 0), (2500, 1200, 150, 40)),
    ],
    # B: legacy (running totals only), no turn_context: gpt-5 assumed; the event model wins where given
    "rollout-b.jsonl": [
        _meta("sess-b"), _user("2026-10-09T09:00:00Z"),
        _call("2026-10-09T09:00:01Z", None, (800, 0, 80, 8)),
        _call("2026-10-09T09:00:05Z", None, (2000, 500, 130, 8), model="gpt-5-mini"),
    ],
    # C: a line that is not JSON, then one call; another session's id
    "rollout-c.jsonl": [
        _meta("sess-c"), _ctx("2026-11-01T12:00:00Z", "gpt-5.2"), _user("2026-11-01T12:00:01Z"),
        "not json at all",
        _call("2026-11-01T12:00:02Z", (300, 0, 30, 0), (300, 0, 30, 0)),
    ],
}

# By hand, per file: (read, stored, duplicate, quarantined)
COUNTS = {"rollout-a.jsonl": (3, 2, 1, 0), "rollout-b.jsonl": (2, 2, 0, 0), "rollout-c.jsonl": (2, 1, 0, 1)}
# By hand, per stored row: (conversation, turn, model, uncached input, cache read, output, reasoning)
ROWS = [
    ("sess-a", 1, "gpt-5.2-codex", 800, 200, 100, 40),
    ("sess-a", 2, "gpt-5.3-codex", 500, 1000, 50, 0),
    ("sess-b", 1, "gpt-5", 800, 0, 80, 8),
    ("sess-b", 1, "gpt-5-mini", 700, 500, 50, 0),  # 2000-800 = 1200 incl. 500 cached; 130-80; 8-8
    ("sess-c", 1, "gpt-5.2", 300, 0, 30, 0),
]


def _write(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, lines in ROLLOUTS.items():
        (folder / name).write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))


def _stored(store: Path) -> list[tuple]:
    con = Store.open(store).connect()
    rows = con.execute(
        """SELECT conversation_id, turn, model, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens
           FROM usage ORDER BY ts, conversation_id"""
    ).fetchall()
    con.close()
    return rows


def test_rollouts_of_one_run_are_read_as_one_batch_with_per_file_counts(tmp_path: Path) -> None:
    _write(tmp_path / "sessions")
    result = load([tmp_path / "sessions"], tmp_path / "store")
    got = {Path(f.path).name: (f.rows_read, f.rows_stored, f.rows_duplicate, f.rows_quarantined)
           for f in result.files}
    assert got == COUNTS
    for f in result.files:  # read = stored + duplicate + skipped + quarantined, per file
        assert f.rows_read == f.rows_stored + f.rows_duplicate + f.rows_skipped + f.rows_quarantined
    assert _stored(tmp_path / "store") == ROWS
    # one batch: the files of one month share its part (one part per month per batch)
    manifest = Store.open(tmp_path / "store").read_manifest()
    parts = {Path(k).name: tuple(e.parts) for k, e in manifest.files.items()}
    assert parts["rollout-a.jsonl"] == parts["rollout-b.jsonl"] and len(parts["rollout-a.jsonl"]) == 1
    assert parts["rollout-c.jsonl"] != parts["rollout-a.jsonl"]  # November: its own part


def test_a_batch_stores_what_the_files_read_one_by_one_store(tmp_path: Path) -> None:
    _write(tmp_path / "sessions")
    for name in ROLLOUTS:  # one run per file: each is read on its own (no batch)
        load([tmp_path / "sessions" / name], tmp_path / "single")
    load([tmp_path / "sessions"], tmp_path / "batch")
    assert _stored(tmp_path / "single") == _stored(tmp_path / "batch") == ROWS


def test_a_rollout_without_session_id_keeps_its_lines_apart_in_a_batch(tmp_path: Path) -> None:
    # no session id: the event id is the line's hash, so the same call in two files is one request
    # (a branch replaying its parent), while each file's other calls stay its own
    folder = tmp_path / "sessions"
    folder.mkdir()
    shared = _call("2026-10-08T10:00:03Z", (1000, 0, 100, 0), (1000, 0, 100, 0))
    (folder / "p.jsonl").write_text(json.dumps(_ctx("2026-10-08T10:00:00Z", "gpt-5.2")) + "\n"
                                    + json.dumps(shared) + "\n")
    (folder / "q.jsonl").write_text(json.dumps(_ctx("2026-10-08T10:00:00Z", "gpt-5.2")) + "\n"
                                    + json.dumps(shared) + "\n"
                                    + json.dumps(_call("2026-10-08T10:02:00Z", None, (1600, 0, 150, 0))) + "\n")
    result = load([folder], tmp_path / "store")
    got = {Path(f.path).name: (f.rows_read, f.rows_stored, f.rows_duplicate) for f in result.files}
    # by hand: p stores its call; q's copy of it is a duplicate; q's second call is 600 in, 50 out
    assert got == {"p.jsonl": (1, 1, 0), "q.jsonl": (2, 1, 1)}
    assert [(r[3], r[5]) for r in _stored(tmp_path / "store")] == [(1000, 100), (600, 50)]
