"""What the coding agents' session tests (pi-agent, OpenClaw, Codebuff, Kilo CLI) ask of a store and a
run, and Kilo CLI's database as Kilo writes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from llmcost.storage.store import Store

TOTALS = ("SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens), "
          "sum(reasoning_tokens), sum(reported_cost_usd) FROM usage")


def totals(store: Path) -> tuple[Any, ...]:
    """Rows, input, cache read, cache write, output and reasoning tokens, and the reported cost
    (normalised text, or None) of everything stored, to set beside the hand count."""
    row = Store.open(store).connect().execute(TOTALS).fetchone()
    assert row is not None
    cost = row[6]
    return (*row[:6], None if cost is None else str(cost.normalize()))


def by_conversation(store: Path, project: str) -> dict[str, int]:
    """Rows stored per conversation of one project."""
    return dict(Store.open(store).connect().execute(
        "SELECT conversation_id, count(*) FROM usage WHERE project = ? GROUP BY 1", [project]).fetchall())


def set_aside(result: Any) -> tuple[int, int, int]:
    """A run's rows that were not stored: duplicates, quarantined, skipped."""
    return (sum(f.rows_duplicate for f in result.files), sum(f.rows_quarantined for f in result.files),
            sum(f.rows_skipped for f in result.files))


def event_ids(store: Path) -> set[str]:
    """The event ids stored."""
    return {r[0] for r in Store.open(store).connect().execute("SELECT event_id FROM usage").fetchall()}


# Kilo CLI's tables (Kilo-Org/kilocode packages/opencode/src/session/session.sql.ts and
# project/project.sql.ts: OpenCode's, with Kilo's session columns current_state and recent_progress)
KILO_TABLES = """
CREATE TABLE `project` (`id` text PRIMARY KEY, `worktree` text NOT NULL, `vcs` text, `name` text,
  `time_created` integer NOT NULL, `time_updated` integer NOT NULL);
CREATE TABLE `session` (`id` text PRIMARY KEY, `project_id` text NOT NULL, `workspace_id` text, `parent_id` text,
  `slug` text NOT NULL, `directory` text NOT NULL, `title` text NOT NULL, `version` text NOT NULL, `share_url` text,
  `summary_additions` integer, `summary_deletions` integer, `summary_files` integer, `summary_diffs` text,
  `revert` text, `permission` text, `current_state` text, `recent_progress` text, `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL, `time_compacting` integer, `time_archived` integer);
CREATE TABLE `message` (`id` text PRIMARY KEY, `session_id` text NOT NULL, `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL, `data` text NOT NULL);
CREATE TABLE `part` (`id` text PRIMARY KEY, `message_id` text NOT NULL, `session_id` text NOT NULL,
  `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL);
CREATE TABLE `todo` (`session_id` text NOT NULL, `content` text NOT NULL, `status` text NOT NULL,
  `priority` text NOT NULL, `position` integer NOT NULL, `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL, PRIMARY KEY (`session_id`, `position`));
"""


def _kilo_reply(created: int, provider: str, model: str, i: int, o: int, r: int, read: int, write: int,
                cost: float, **extra: Any) -> dict[str, Any]:
    """An assistant message's `data` as Kilo's getUsage stores it (session/session.ts): `input` is the
    uncached input, `output` excludes `reasoning`, `total` the provider's total."""
    return {"role": "assistant", "time": {"created": created, "completed": created + 4000}, "agent": "code",
            "mode": "code", "providerID": provider, "modelID": model,
            "path": {"cwd": "/home/dev/api", "root": "/home/dev/api"}, "cost": cost,
            "tokens": {"total": i + o + r + read + write, "input": i, "output": o, "reasoning": r,
                       "cache": {"read": read, "write": write}}, **extra}


KILO_MESSAGES = [
    ("msg_k01", "ses_K1", {"role": "user", "time": {"created": 1767348000000}, "agent": "code",
                           "model": {"providerID": "anthropic", "modelID": "claude-sonnet-4-5-20250929"}}),
    # 2026-01-02 10:00:05 UTC, Anthropic directly
    ("msg_k02", "ses_K1", _kilo_reply(1767348005000, "anthropic", "claude-sonnet-4-5-20250929",
                                      1000, 400, 100, 20000, 3000, 0.02775)),
    # 10:01:00, through the Kilo Gateway: provider kilo, an OpenRouter-style vendor/model id
    ("msg_k03", "ses_K1", _kilo_reply(1767348060000, "kilo", "anthropic/claude-sonnet-4.5",
                                      2000, 500, 0, 10000, 0, 0.0165)),
    # 10:02:00, a local model no price catalog knows (Kilo's own estimate: 0)
    ("msg_k04", "ses_K1", _kilo_reply(1767348120000, "ollama", "qwen3-coder:30b", 5000, 700, 300, 0, 0, 0)),
    # 10:03:00, aborted before its first token
    ("msg_k05", "ses_K1", _kilo_reply(1767348180000, "kilo", "anthropic/claude-sonnet-4.5", 0, 0, 0, 0, 0, 0,
                                      error={"name": "MessageAbortedError", "data": {"message": "aborted"}})),
    ("msg_k06", "ses_K2", {"role": "user", "time": {"created": 1767434400000}, "agent": "code"}),
    # 2026-01-03 10:00:10 UTC
    ("msg_k07", "ses_K2", _kilo_reply(1767434410000, "openai", "gpt-5", 3000, 600, 400, 9000, 0, 0.014875)),
]
"""Two sessions of Kilo CLI: 2 user messages and 5 assistant replies."""


def kilo_db(path: Path) -> Path:
    """Writes `KILO_MESSAGES` to a kilo.db at `path`, with a step part that repeats a reply's tokens."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(KILO_TABLES)
    db.execute("INSERT INTO project VALUES ('prj_k', '/home/dev/api', 'git', 'api', 1767348000000, 1767348000000)")
    for sid, title in (("ses_K1", "Add rate limit"), ("ses_K2", "Write tests")):
        db.execute("INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated) "
                   "VALUES (?, 'prj_k', 'calm-owl', '/home/dev/api', ?, '7.0.1', 1767348000000, 1767348000000)",
                   (sid, title))
    for mid, sid, data in KILO_MESSAGES:
        created = data["time"]["created"]
        db.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", (mid, sid, created, created, json.dumps(data)))
    step = {"type": "step-finish", "cost": 0.02775,
            "tokens": {"input": 1000, "output": 400, "reasoning": 100, "cache": {"read": 20000, "write": 3000}}}
    db.execute("INSERT INTO part VALUES ('prt_k1', 'msg_k02', 'ses_K1', 1767348009000, 1767348009000, ?)",
               (json.dumps(step),))
    db.commit()
    db.close()
    return path
