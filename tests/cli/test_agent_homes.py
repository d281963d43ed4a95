"""`--logs` at a coding agent's whole home folder (`~/.claude`, not only `~/.claude/projects`), as
a new user points it: the agent's own side files (settings, prompt history, caches, logs) are
companions, the usage is the same as from the sessions folder alone, and the run exits 0. A file
of no known place, or whose content is not what its place holds, stays unrecognised."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app
from tests.ingest_logs.agent_sessions import kilo_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
SECRET = "sk-ant-api03-" + "Q7" * 20  # a key pasted into a prompt: never stored, never printed


def _put(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)


def _run(tmp_path: Path, name: str, *folders: Path) -> tuple[int, dict, str]:
    args = []
    for f in folders:
        args += ["--logs", str(f)]
    res = CliRunner().invoke(app, [*args, "--store", str(tmp_path / name), "--no-forecast", "--format", "json"])
    doc = json.loads(res.stdout) if res.stdout.lstrip().startswith("{") else {}
    return res.exit_code, doc, res.output


def _counts(doc: dict) -> tuple:
    f = doc["last_run"]["files"]
    return f["ingested"], f["companion"], f["unrecognised"], f["failed"], doc["ingest"]["rows_stored"]


def _store_text(store: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in store.rglob("*") if p.is_file())


def claude_home(root: Path) -> Path:
    home = root / ".claude"
    sid = "0b5e4d7a-1111-2222-3333-444455556666"
    _put(home, {
        f"projects/-home-u-app/{sid}.jsonl": (FIXTURES / "claude_code_jsonl/input_session.jsonl").read_text(),
        f"projects/-home-u-app/{sid}/subagents/agent-a1b2c3.jsonl":
            (FIXTURES / "claude_code_jsonl/input_subagent.jsonl").read_text(),
        f"projects/-home-u-app/{sid}/subagents/agent-a1b2c3.meta.json": '{"agentType": "general-purpose"}',
        "projects/-home-u-app/sessions-index.json": json.dumps({"version": 1, "entries": [
            {"sessionId": sid, "firstPrompt": "fix the login bug", "messageCount": 4}]}, indent=2),
        "settings.json": json.dumps({"model": "opus", "permissions": {"allow": ["Bash(npm test:*)"]}}, indent=2),
        "settings.local.json": json.dumps({"permissions": {"allow": ["Bash(git:*)"]}}, indent=2),
        "history.jsonl": json.dumps({"display": f"fix the login, key {SECRET}", "pastedContents": {},
                                     "timestamp": 1759999999000, "project": "/home/u/app"}) + "\n",
        f"todos/{sid}-agent-{sid}.json": json.dumps([{"content": "Fix login", "status": "completed",
                                                      "activeForm": "Fixing login"}]),
        "todos/aaaa-agent-aaaa.json": "[]",
        "statsig/statsig.stable_id.2656274335": '"2b9e8b1c-ffff-4a4a-9c9c-123412341234"',
        "statsig/statsig.cached.evaluations.2bc1f3e9a3": json.dumps({"source": "Network", "data": "{}"}),
        "plugins/known_marketplaces.json": json.dumps({"official": {"source": {"source": "github"}}}),
        "plugins/installed_plugins.json": json.dumps({"version": 1, "plugins": {}}),
        "stats-cache.json": json.dumps({"version": 1, "dailyModelTokens": [
            {"date": "2026-10-01", "tokensByModel": {"claude-opus-4-1": 1234}}]}, indent=2),
        f"file-history/{sid}/3f2a1b0c9d8e7f6a@v1": "const x = 1;\n",
        f"file-history/{sid}/3f2a1b0c9d8e7f6b@v2": b"\x89PNG\r\n\x1a\n\x00\x00",
        "debug/latest": "2026-10-01T00:00:00.000Z [DEBUG] Loading settings\n",
        # skipped by the walk as they always were: notes, scripts, locks, hidden files
        "CLAUDE.md": "Be terse.\n", "shell-snapshots/snapshot-bash-1.sh": "export A=1\n",
        "ide/41231.lock": "{}", ".credentials.json": "{}",
    })
    return home


def test_claude_code_home_folder(tmp_path: Path) -> None:
    home = claude_home(tmp_path)
    code, alone, _ = _run(tmp_path, "alone", home / "projects")
    code_h, doc, out = _run(tmp_path, "home", home)
    assert code_h == 0, out
    # 2 transcripts read (4 requests: fixtures/ingest/claude_code_jsonl); 15 side files; the same usage as
    # the projects folder alone
    assert _counts(doc) == (2, 15, 0, 0, 4) and alone["ingest"]["rows_stored"] == 4
    assert doc["ingest"]["rows_stored"] > 0 and code == 0
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "home")
    # unknown files in the home still count: a new file and a side file's name with other content
    (home / "new-thing.json").write_text('{"a": 1}')
    (home / "todos" / "x.json").write_bytes(b"\x00\x01\x02binary")
    code, doc, _ = _run(tmp_path, "again", home)
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 2


def codex_home(root: Path) -> Path:
    import sqlite3

    home = root / ".codex"
    rollout = (FIXTURES / "codex_rollout_jsonl/input_rollout-2026-10-08T10-00-00-0199a213.jsonl").read_text()
    _put(home, {
        "sessions/2026/10/08/rollout-2026-10-08T10-00-00-0199a213-aaaa-bbbb-cccc-ddddeeeeffff.jsonl": rollout,
        "auth.json": json.dumps({"OPENAI_API_KEY": None, "tokens": {"id_token": "eyJ.x.y", "refresh_token": "rt_x"},
                                 "last_refresh": "2026-10-01T00:00:00Z"}, indent=2),
        "history.jsonl": json.dumps({"session_id": "0199a213", "ts": 1760000000,
                                     "text": f"deploy, key {SECRET}"}) + "\n",
        "version.json": json.dumps({"latest_version": "0.46.0", "last_checked_at": "2026-10-01T00:00:00Z"}),
        "internal_storage.json": json.dumps({"gpt_5_codex_model_prompt_seen": True}),
        "models_cache.json": json.dumps({"fetched_at": "2026-10-01T00:00:00Z", "models": [{"slug": "gpt-5-codex"}]}),
        "log/codex-tui.log": "2026-10-01T00:00:00.000Z  INFO codex_core::codex: new session\n" * 20,
        "config.toml": 'model = "gpt-5-codex"\n', "AGENTS.md": "Be terse.\n",  # skipped by the walk
    })
    db = sqlite3.connect(home / "state_5.sqlite")  # Codex's thread index (no tokens)
    db.execute("CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT, created_at INTEGER)")
    db.execute("INSERT INTO threads VALUES ('0199a213', 'sessions/2026/10/08/rollout.jsonl', 1760000000)")
    db.commit()
    db.close()
    (home / "state_5.sqlite-wal").write_bytes(b"\x37\x7f\x06\x82\x00\x2d\xe2\x18" + bytes(24))  # a WAL header
    return home


def test_codex_home_folder(tmp_path: Path) -> None:
    home = codex_home(tmp_path)
    code_h, doc, out = _run(tmp_path, "home", home)
    assert code_h == 0, out
    # the rollout's 4 requests (fixtures/ingest/codex_rollout_jsonl), as from ~/.codex/sessions; 8 side files
    assert _counts(doc) == (1, 8, 0, 0, 4)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "home")
    (home / "log" / "codex-tui.log").write_bytes(b"\x00\x00\x00\x01" * 16)  # a log that is no text
    code, doc, _ = _run(tmp_path, "again", home)
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 1


GEMINI_PROJECT = "5eb97eaffa8e54844d59a44d0c1a399d7e11eff9b0dbdc4f65d4ab7faecd90e1"


def gemini_home(root: Path) -> Path:
    home = root / ".gemini"
    chats = f"tmp/{GEMINI_PROJECT}/chats/"
    _put(home, {
        chats + "session-2026-10-06T09-15-0a1b2c3d.json":
            (FIXTURES / "gemini_cli_session_json/input_session-2026-10-06T09-15-0a1b2c3d.json").read_text(),
        f"tmp/{GEMINI_PROJECT}/logs.json": json.dumps([{"sessionId": "0a1b2c3d", "messageId": 0, "type": "user",
                                                       "message": f"hi {SECRET}",
                                                       "timestamp": "2026-10-06T09:15:00.000Z"}], indent=2),
        "settings.json": json.dumps({"security": {"auth": {"selectedType": "oauth-personal"}}}, indent=2),
        "oauth_creds.json": json.dumps({"access_token": "ya29.x", "refresh_token": "1//0gx", "token_type": "Bearer",
                                        "expiry_date": 1760000000000}, indent=2),
        "google_accounts.json": json.dumps({"active": "u@example.com", "old": []}, indent=2),
        "installation_id": "0f0e0d0c-1111-2222-3333-444455556666",
        "user_id": "0f0e0d0c-1111-2222-3333-444455556667",
        "trustedFolders.json": json.dumps({"/home/u/app": "TRUST_FOLDER"}, indent=2),
        "projects.json": json.dumps({"projects": {"/home/u/app": "app"}}),
        "state.json": json.dumps({"tipsShown": 3}),
        "mcp-oauth-tokens.json": "[]",
        "extensions/ext1/gemini-extension.json": json.dumps({"name": "ext1", "version": "1.0.0"}),
        "tmp/bin/rg": b"\x7fELF\x02\x01\x01\x00" + bytes(120),  # the ripgrep Gemini CLI downloads
        "GEMINI.md": "Be terse.\n", "commands/review.toml": 'prompt = "review"\n',  # skipped by the walk
    })
    return home


def test_gemini_cli_home_folder(tmp_path: Path) -> None:
    home = gemini_home(tmp_path)
    code_h, doc, out = _run(tmp_path, "home", home)
    assert code_h == 0, out
    # the session's 2 requests (fixtures/ingest/gemini_cli_session_json), as from ~/.gemini/tmp; 12 side files
    assert _counts(doc) == (1, 12, 0, 0, 2)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "home")
    (home / "tmp" / "bin" / "notes").write_text("not a program\n")
    (home / "installation_id").write_bytes(b"\x00\x01")
    code, doc, _ = _run(tmp_path, "again", home)
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 2


def opencode_home(root: Path) -> Path:
    home = root / ".local" / "share" / "opencode"
    msg = FIXTURES / "opencode_message_json"
    _put(home, {
        "opencode.db": (FIXTURES / "opencode_db_sqlite/input_opencode.db").read_bytes(),
        "opencode.db-shm": bytes(32768),
        "storage/message/ses_1/msg_a.json": (msg / "input_msg_a.json").read_text(),
        "storage/message/ses_1/msg_b.json": (msg / "input_msg_b.json").read_text(),
        "storage/message/ses_1/msg_c.json": (msg / "input_msg_c.json").read_text(),
        "auth.json": json.dumps({"anthropic": {"type": "oauth", "refresh": "x", "access": "sk-ant-oat01-x"}}, indent=2),
        "log/2026-10-01T000000.log": "INFO  2026-10-01T00:00:00 +0ms service=default version=1.2.0 opencode\n" * 5,
        "bin/rg": b"\x7fELF\x02\x01\x01\x00" + bytes(120),
        "storage/migration": "2",
        "storage/project/global.json": json.dumps({"id": "global", "worktree": "/"}, indent=2),
        "storage/session/global/ses_1.json": json.dumps({"id": "ses_1", "projectID": "global", "title": "x",
                                                          "time": {"created": 1760000000000}}, indent=2),
        # a step's tokens repeat its message's: read from the message, the part is a companion
        "storage/part/msg_a/prt_1.json": json.dumps({"id": "prt_1", "sessionID": "ses_1", "messageID": "msg_a",
                                                     "type": "step-finish", "cost": 0.01,
                                                     "tokens": {"input": 10, "output": 5}}, indent=2),
        "storage/session_diff/ses_1.json": "[]",
        "storage/todo/ses_1.json": "[]",
        # a snapshot is a git repository of the user's project (objects are zlib data)
        "snapshot/abc123/HEAD": "ref: refs/heads/main\n",
        "snapshot/abc123/config": "[core]\n\tbare = true\n",
        "snapshot/abc123/objects/4b/825dc642cb6eb9a060e54bf8d69288fbee4904": b"x\x01+)JMU0`\x00\x00\x0b\xe8\x02m",
    })
    return home


def test_opencode_home_folder(tmp_path: Path) -> None:
    home = opencode_home(tmp_path)
    _code, alone, _ = _run(tmp_path, "alone", home / "opencode.db", home / "storage" / "message")
    code_h, doc, out = _run(tmp_path, "home", home)
    assert code_h == 0, out
    # the database's 2 requests and the message files' 2 (fixtures/ingest/opencode_*), as from the two alone;
    # 13 side files
    assert _counts(doc) == (4, 13, 0, 0, 4) and alone["ingest"]["rows_stored"] == 4
    (home / "storage" / "todo" / "ses_2.json").write_bytes(b"\x00\x01")
    (home / "log" / "dev.log").write_bytes(b"\x00\x01")
    code, doc, _ = _run(tmp_path, "again", home)
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 2


def test_kilo_cli_home_folder(tmp_path: Path) -> None:
    # ~/.local/share/kilo as Kilo CLI (an OpenCode fork, Kilo-Org/kilocode) writes it: kilo.db in OpenCode's
    # tables with its -wal / -shm, auth.json, log/, a project's snapshot (a git repository of the user's
    # files), storage/session_diff/, and plans/*.md (skipped by the walk)
    home = tmp_path / ".local" / "share" / "kilo"
    kilo_db(home / "kilo.db")
    _put(home, {
        "kilo.db-wal": b"",
        "kilo.db-shm": bytes(32768),
        "auth.json": json.dumps({"kilo": {"type": "api", "key": SECRET}}, indent=2),
        "log/2026-01-02T100000.log": "INFO  2026-01-02T10:00:00 +0ms service=default version=7.0.1 kilo\n" * 5,
        "storage/session_diff/ses_K1.json": "[]",
        "snapshot/prj_k/9f1c/HEAD": "ref: refs/heads/main\n",
        "snapshot/prj_k/9f1c/config": "[core]\n\tbare = true\n",
        "snapshot/prj_k/9f1c/objects/4b/825dc642cb6eb9a060e54bf8d69288fbee4904": b"x\x01+)JMU0`\x00\x00\x0b\xe8\x02m",
        "plans/1767348000000-calm-owl.md": "# Add rate limit\n",
    })
    code, doc, out = _run(tmp_path, "kilo", home)
    assert code == 0, out
    # kilo.db's 5 replies (hand count in tests/ingest_logs/test_kilo_db.py), as from kilo.db alone; 8 side files
    assert _counts(doc) == (1, 8, 0, 0, 5)
    t = doc["totals"]
    assert (t["input_tokens"], t["cache_read_tokens"], t["cache_write_tokens"], t["output_tokens"],
            t["reasoning_tokens"], t["cost_usd"], t["unpriced_requests"]) == (
        11000, 39000, 3000, 3000, 800, "0.059125000000", 1)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "kilo")
    (home / "storage" / "session_diff" / "ses_K2.json").write_bytes(b"\x00\x01")
    (home / "log" / "dev.log").write_bytes(b"\x00\x01")
    code, doc, _ = _run(tmp_path, "again", home)
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 2


def copilot_home(root: Path) -> Path:
    import sqlite3

    home = root / ".copilot"
    sid = "6f1e2d3c-aaaa-bbbb-cccc-111122223333"
    _put(home, {
        f"session-state/{sid}/events.jsonl": (FIXTURES / "copilot_cli_events_jsonl/input_events.jsonl").read_text(),
        f"session-state/{sid}/workspace.yaml": "id: x\ncwd: /home/u/app\n",  # skipped by the walk
        "config.json": json.dumps({"banner": "never", "trusted_folders": ["/home/u/app"]}, indent=2),
        "mcp-config.json": json.dumps({"mcpServers": {}}),
        "command-history-state.json": json.dumps({"commandHistory": [f"explain {SECRET}"]}),
        "logs/process-1760000000000-4242.log": "2026-10-01T00:00:00.000Z [INFO] Starting Copilot CLI\n" * 5,
        "history-session-state/session_abc_1760000000000.json": json.dumps(
            {"sessionId": "abc", "startTime": "2026-10-01T00:00:00Z", "chatMessages": [], "timeline": []}, indent=2),
    })
    db = sqlite3.connect(home / "session-store.db")  # the session index: turns' text, no tokens
    db.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, cwd TEXT, summary TEXT, created_at TEXT)")
    db.execute("CREATE TABLE turns (session_id TEXT, turn_index INTEGER, user_message TEXT, assistant_response TEXT)")
    db.execute("INSERT INTO turns VALUES (?, 0, ?, 'ok')", (sid, f"explain {SECRET}"))
    db.commit()
    db.close()
    return home


def test_copilot_cli_home_folder(tmp_path: Path) -> None:
    home = copilot_home(tmp_path)
    code_h, doc, out = _run(tmp_path, "home", home)
    assert code_h == 0, out
    # the session's 2 model rows (fixtures/ingest/copilot_cli_events_jsonl), as from ~/.copilot/session-state;
    # 6 side files
    assert _counts(doc) == (1, 6, 0, 0, 2)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "home")
    (home / "session-store.db").write_text("not a database\n")
    code, doc, _ = _run(tmp_path, "again", home)
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 1


def test_droid_sessions_folder(tmp_path: Path) -> None:
    # ~/.factory/sessions, as ccusage reads it: a session's transcript (no tokens) beside its
    # settings (its totals), and a new session whose settings hold no tokenUsage yet
    sid = "4b0f6c2e-8d1a-4f3b-9c5e-1a2b3c4d5e6f"
    home = tmp_path / ".factory"
    lines = [{"type": "session_start", "id": sid, "title": "Fix the flaky test", "version": 2, "cwd": "/home/u/shop"},
             {"type": "message", "id": "m1", "timestamp": "2026-11-04T08:15:29.000Z",
              "message": {"role": "user", "content": [{"type": "text", "text": f"use {SECRET}"}]}}]
    _put(home, {
        f"sessions/-home-u-shop/{sid}.settings.json":
            (FIXTURES / f"droid_session_settings_json/input_{sid}.settings.json").read_text(),
        f"sessions/-home-u-shop/{sid}.jsonl": "".join(json.dumps(line) + "\n" for line in lines),
        "sessions/-home-u-shop/0c1d2e3f-0000-4000-8000-000000000001.settings.json":
            json.dumps({"model": "claude-sonnet-4-5-20250929", "reasoningEffort": "medium"}),
    })
    code, doc, out = _run(tmp_path, "droid", home / "sessions")
    assert code == 0, out
    # the session's one bucket (fixtures/ingest/droid_session_settings_json); the transcript and the
    # empty session are companions
    assert _counts(doc) == (1, 2, 0, 0, 1)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "droid")


def test_pi_agent_home_folder(tmp_path: Path) -> None:
    # ~/.pi/agent as pi writes it: sessions/--<cwd>--/<time>_<id>.jsonl beside its settings,
    # sign-in, custom models and the tools it downloads (pi-mono packages/coding-agent/src/config.ts)
    home = tmp_path / ".pi" / "agent"
    src = FIXTURES / "pi_agent_session_jsonl"
    _put(home, {
        **{f"sessions/--home-ana-src-shop--/{p.name.removeprefix('input_')}": p.read_text()
           for p in src.glob("input_*.jsonl")},
        "settings.json": json.dumps({"defaultProvider": "anthropic", "defaultModel": "claude-sonnet-4-5"}),
        "auth.json": json.dumps({"anthropic": {"type": "api_key", "key": SECRET}}),
        "models.json": json.dumps({"providers": {"ollama": {"baseUrl": "http://localhost:11434/v1"}}}),
        "bin/fd": b"\x7fELF\x02\x01\x01\x00",
    })
    code, doc, out = _run(tmp_path, "pi", home)
    # the fixture's 6 rows (its 3 bad lines quarantined), as from ~/.pi/agent/sessions; 4 side files
    assert code == 0, out
    assert _counts(doc) == (2, 4, 0, 0, 6)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "pi")


def test_goose_data_folder(tmp_path: Path) -> None:
    # ~/.local/share/goose as Goose leaves it: sessions/sessions.db with its WAL and shared-memory index, and a
    # session from before the database (crates/goose/src/session/legacy.rs: a metadata line, then messages)
    home = tmp_path / ".local" / "share" / "goose"
    _put(home, {
        "sessions/sessions.db": (FIXTURES / "goose_sessions_sqlite/input_sessions.db").read_bytes(),
        "sessions/sessions.db-wal": b"\x37\x7f\x06\x82" + bytes(28),
        "sessions/sessions.db-shm": bytes(32768),
        "sessions/20250801_120000.jsonl": json.dumps({
            "working_dir": "/home/dev/old", "description": "fix the login", "message_count": 2,
            "total_tokens": 900, "input_tokens": 800, "output_tokens": 100, "accumulated_total_tokens": 900})
        + "\n" + json.dumps({"role": "user", "created": 1754049600, "content": [
            {"type": "text", "text": f"fix the login, key {SECRET}"}]}) + "\n",
    })
    code, doc, out = _run(tmp_path, "goose", home)
    # the fixture's 5 session rows (its broken count quarantined), as from sessions.db alone; 3 side files
    assert code == 0, out
    assert _counts(doc) == (1, 3, 0, 0, 5)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "goose")


def test_hermes_home_folder(tmp_path: Path) -> None:
    # ~/.hermes as Hermes Agent writes it: state.db with its -wal / -shm files, its sign-in, a session's
    # transcript and a request dump in sessions/, its logs; config.yaml and .env skipped by the walk
    home = tmp_path / ".hermes"
    _put(home, {
        "state.db": (FIXTURES / "hermes_state_sqlite/input_state.db").read_bytes(),
        "state.db-wal": b"",
        "state.db-shm": bytes(32768),
        "auth.json": json.dumps({"version": 1, "providers": {"anthropic": {"api_key": SECRET}}}),
        "sessions/session_20251105_091402_a1b2c3.json": json.dumps({
            "session_id": "20251105_091402_a1b2c3", "model": "claude-sonnet-4-5-20250929", "platform": "cli",
            "messages": [{"role": "user", "content": f"fix the cart total, key {SECRET}"},
                         {"role": "assistant", "content": "Done."}]}, indent=2),
        "sessions/request_dump_20251106_090000_222222.json": json.dumps({
            "timestamp": "2025-11-06T09:00:00", "error": "rate limited",
            "request": {"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]}}),
        "logs/agent.log": "2025-11-05 09:14:02 INFO hermes: session started\n",
        "config.yaml": "model:\n  default: claude-sonnet-4-5\n", ".env": f"ANTHROPIC_API_KEY={SECRET}\n",
    })
    code, doc, out = _run(tmp_path, "hermes", home)
    # the fixture's 5 session rows, as from state.db alone; 6 side files
    assert code == 0, out
    assert _counts(doc) == (1, 6, 0, 0, 5)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "hermes")


def test_openclaw_home_folder(tmp_path: Path) -> None:
    # ~/.openclaw as OpenClaw writes it (openclaw/openclaw src/config/paths.ts, src/config/sessions/):
    # agents/main/sessions/ with a live, a deleted and a checkpoint session beside the sessions index,
    # the config (JSON5) and its backup, sign-in profiles, channel credentials, cron jobs, the memory
    # index and a log
    home = tmp_path / ".openclaw"
    src = FIXTURES / "openclaw_session_jsonl"
    sqlite = b"SQLite format 3\x00" + b"\x00" * 84
    _put(home, {
        **{f"agents/main/sessions/{p.name.removeprefix('input_')}": p.read_text() for p in src.glob("input_*")},
        "agents/main/sessions/sessions.json": json.dumps({"agent:main:main": {
            "sessionId": "5b8e2c14-7d3a-4f6e-9b1c-2a4d6f8e0c13", "updatedAt": 1795343175000, "totalTokens": 24715}}),
        "openclaw.json": ('{\n  // gateway and channels\n'
                          '  agents: { defaults: { model: "anthropic/claude-sonnet-4-5" } },\n}\n'),
        "openclaw.json.bak.1": '{ agents: {} }\n',
        "update-check.json": json.dumps({"lastCheckedAt": 1795341000000}),
        "agents/main/agent/auth-profiles.json": json.dumps({"profiles": {"anthropic:default": {
            "type": "api_key", "key": SECRET}}}),
        "credentials/telegram-allowFrom.json": json.dumps({"allowFrom": ["12345"]}),
        "cron/jobs.json": json.dumps({"jobs": []}),
        "memory/main.sqlite": sqlite,
        "logs/gateway.log": "2026-11-22T10:00:00.000Z gateway listening\n",
    })
    code, doc, out = _run(tmp_path, "openclaw", home)
    # the fixture's 5 rows (2 duplicates, 2 lines quarantined), as from agents/main/sessions; 9 side files
    assert code == 0, out
    assert _counts(doc) == (3, 9, 0, 0, 5)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "openclaw")


def test_codebuff_config_folder(tmp_path: Path) -> None:
    # ~/.config/manicode as Codebuff's CLI writes it (cli/src/utils/run-state-storage.ts,
    # cli/src/project-files.ts): each chat's chat-messages.json beside its run state and checkpoint
    home = tmp_path / ".config" / "manicode"
    src = FIXTURES / "codebuff_chat_messages_json"
    chats = {"2026-11-24T09-12-30.512Z": "input_shop_2026-11-24T09-12-30.512Z_chat-messages.json",
             "2026-11-25T14-03-11.020Z": "input_shop_2026-11-25T14-03-11.020Z_chat-messages.json"}
    state = json.dumps({"sessionState": {"mainAgentState": {"agentId": "main", "messageHistory": []}}}, indent=2)
    _put(home, {
        **{f"projects/shop/chats/{chat}/chat-messages.json": (src / name).read_text() for chat, name in chats.items()},
        **{f"projects/shop/chats/{chat}/run-state.json": state for chat in chats},
        "projects/shop/chats/2026-11-25T14-03-11.020Z/turn-checkpoint.json": json.dumps(
            {"checkpointTurnId": "p-1", "checkpointTime": 1795604650000, "mainAgentState": {}}),
        "credentials.json": json.dumps({"default": {"authToken": SECRET}}),
    })
    code, doc, out = _run(tmp_path, "codebuff", home)
    # the fixture's 5 rows (its bad line quarantined), the backup copy left out; 4 side files
    assert code == 0, out
    assert _counts(doc) == (2, 4, 0, 0, 5)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "codebuff")


def test_empty_side_files_are_companions(tmp_path: Path) -> None:
    # a write-ahead log after a checkpoint, a database opened and never written, a debug log just
    # created: empty as the agents leave them, in their places
    _put(tmp_path, {
        ".local/share/opencode/opencode.db-wal": "",
        ".codex/sqlite/codex-dev.db": "",
        ".claude/debug/latest": "",
        ".copilot/session-store.db-wal": "",
        ".codex/sessions/2026/10/08/rollout-2026-10-08T10-00-00-0199a213.jsonl":
            (FIXTURES / "codex_rollout_jsonl/input_rollout-2026-10-08T10-00-00-0199a213.jsonl").read_text(),
    })
    code, doc, out = _run(tmp_path, "s", tmp_path / ".local/share/opencode", tmp_path / ".codex",
                          tmp_path / ".claude", tmp_path / ".copilot")
    assert code == 0, out
    assert _counts(doc) == (1, 4, 0, 0, 4)
    # an empty file elsewhere, or an empty session file, is still "empty", unrecognised
    _put(tmp_path, {".claude/projects/-home-u-app/0b5e4d7a.jsonl": "", ".claude/new.json": ""})
    code, doc, out = _run(tmp_path, "t", tmp_path / ".claude")
    assert code == 1 and doc["last_run"]["files"]["unrecognised"] == 2 and "is empty (0 bytes)" in out


def test_copies_of_the_users_files_are_not_read_as_usage(tmp_path: Path) -> None:
    # Claude Code keeps a backup of every file it edits (file-history/), plugins are clones of
    # other people's repositories, OpenCode snapshots the user's project: a usage log among them is
    # a copy of a project's file (or a plugin's test data), never the agent's own usage
    home = claude_home(tmp_path)
    sid = "0b5e4d7a-1111-2222-3333-444455556666"
    bodies = (FIXTURES / "openai_response_jsonl/input.jsonl").read_text()
    _put(home, {
        f"file-history/{sid}/9a8b7c6d5e4f3a2b@v1": bodies,
        "plugins/marketplaces/acme/plugins/usage/tests/fixtures/session.jsonl":
            (FIXTURES / "claude_code_jsonl/input_subagent.jsonl").read_text().replace("msg_S1", "msg_X1"),
        "plugins/cache/acme/usage/1.0.0/hooks/notify.js": "export default () => {};\n",
    })
    oc = tmp_path / ".local/share/opencode"
    _put(oc, {"snapshot/abc123/data/calls.jsonl": bodies,
              "storage/message/ses_1/msg_a.json": (FIXTURES / "opencode_message_json/input_msg_a.json").read_text()})
    code, doc, out = _run(tmp_path, "home", home, oc)
    assert code == 0, out
    # the transcripts' 4 requests and the message's 1; 15 side files as before and the 4 copies
    assert _counts(doc) == (3, 19, 0, 0, 5)


def test_codex_session_index_is_a_companion(tmp_path: Path) -> None:
    # ~/.codex/session_index.jsonl: one {id, thread_name, updated_at} per session (its title), no tokens
    home = codex_home(tmp_path)
    _put(home, {"session_index.jsonl": json.dumps({"id": "0199a213-aaaa-bbbb-cccc-ddddeeeeffff",
                                                   "thread_name": "Fix the login bug",
                                                   "updated_at": "2026-10-08T10:05:00Z"}) + "\n"})
    code, doc, out = _run(tmp_path, "home", home)
    assert code == 0, out
    assert _counts(doc) == (1, 9, 0, 0, 4)


def test_skills_and_the_local_install_are_not_read(tmp_path: Path) -> None:
    # skills are folders of instructions, scripts and data (a usage log among a skill's examples is
    # not the agent's usage); ~/.claude/local is Claude Code's own installation (`claude
    # migrate-installer`): its package files and launcher script
    home = claude_home(tmp_path)
    codex = codex_home(tmp_path)
    bodies = (FIXTURES / "openai_response_jsonl/input.jsonl").read_text()
    _put(home, {
        "skills/pdf/SKILL.md": "---\nname: pdf\n---\n",
        "skills/pdf/scripts/fill_form.js": "module.exports = {};\n",
        "skills/cost/examples/calls.jsonl": bodies,
        "local/package.json": json.dumps({"dependencies": {"@anthropic-ai/claude-code": "^2.0.0"}}),
        "local/claude": "#!/bin/bash\nexec \"$HOME/.claude/local/node_modules/.bin/claude\" \"$@\"\n",
    })
    _put(codex, {"skills/review/scripts/check.js": "console.log(1);\n"})
    code, doc, out = _run(tmp_path, "home", home, codex)
    assert code == 0, out
    # 4 + 4 requests; 15 + 8 side files as before and the 5 here (SKILL.md is skipped by the walk)
    assert _counts(doc) == (3, 28, 0, 0, 8)


def test_five_homes_at_once(tmp_path: Path) -> None:
    homes = [claude_home(tmp_path), codex_home(tmp_path), gemini_home(tmp_path), opencode_home(tmp_path),
             copilot_home(tmp_path)]
    code, doc, out = _run(tmp_path, "all", *homes)
    assert code == 0, out
    # each home's files and requests as in its own test: 4 + 4 + 2 + 4 + 2 requests
    assert _counts(doc) == (2 + 1 + 1 + 4 + 1, 15 + 8 + 12 + 13 + 6, 0, 0, 16)
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "all")


def test_claude_code_telemetry_queue_and_insights_data_are_companions(tmp_path: Path) -> None:
    # telemetry/1p_failed_events.*.json: events it failed to send, one per line; usage-data/: what
    # /insights derived from the transcripts (per-session counts, an analysis); both copy what the
    # transcripts hold
    home = claude_home(tmp_path)
    sid = "0b5e4d7a-1111-2222-3333-444455556666"
    event = {"event_type": "ClaudeCodeInternalEvent", "event_data": {
        "event_name": "tengu_api_success", "client_timestamp": "2026-10-06T08:00:05.000Z",
        "model": "claude-sonnet-4-5-20250929", "session_id": sid}}
    _put(home, {
        f"telemetry/1p_failed_events.{sid}.6a7b8c9d.json": json.dumps(event) + "\n" + json.dumps(event) + "\n",
        f"usage-data/session-meta/{sid}.json": json.dumps({"session_id": sid, "user_message_count": 3,
                                                          "assistant_message_count": 4, "input_tokens": 5600,
                                                          "output_tokens": 120}, indent=2),
        f"usage-data/facets/{sid}.json": json.dumps({"underlying_goal": "Fix the login", "outcome": "achieved",
                                                    "session_id": sid}, indent=2),
        "usage-data/report.html": "<html></html>",  # skipped by the walk
    })
    code, doc, out = _run(tmp_path, "home", home)
    assert code == 0, out
    assert _counts(doc) == (2, 18, 0, 0, 4)


def _zstd(data: bytes) -> bytes:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data)
    return bytes(sink.getvalue())


def test_codex_rollouts_compressed_with_zstd_are_read(tmp_path: Path) -> None:
    # Codex (0.137 and later) rewrites a rollout idle for 7 days as rollout-*.jsonl.zst: its usage
    # is the same as the plain file's
    rollout = (FIXTURES / "codex_rollout_jsonl/input_rollout-2026-10-08T10-00-00-0199a213.jsonl").read_bytes()
    _put(tmp_path, {".codex/sessions/2026/10/08/rollout-2026-10-08T10-00-00-0199a213.jsonl.zst": _zstd(rollout),
                    "flat/rollout-2026-10-08T10-00-00-0199a213.jsonl": rollout})
    code, doc, out = _run(tmp_path, "zst", tmp_path / ".codex")
    assert code == 0, out
    _code, plain, _ = _run(tmp_path, "plain", tmp_path / "flat")
    assert _counts(doc) == (1, 0, 0, 0, 4) and doc["totals"] == plain["totals"]
    # a re-run finds it unchanged
    code, doc, out = _run(tmp_path, "zst", tmp_path / ".codex")
    assert code == 0 and doc["last_run"]["files"]["unchanged"] == 1, out
    # a cut-off one fails with its reason, not as an unknown format
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "rollout-x.jsonl.zst").write_bytes(_zstd(rollout)[:300])
    code, doc, out = _run(tmp_path, "cutrun", tmp_path / "cut")
    assert code == 1 and doc["last_run"]["files"]["failed"] == 1 and "zstd" in out


def test_a_zstd_bomb_is_refused(tmp_path: Path) -> None:
    import pytest

    from llmcost.errors import FormatError
    from llmcost.ingest import intake

    (tmp_path / "work").mkdir()
    bomb = tmp_path / "rollout-b.jsonl.zst"
    bomb.write_bytes(_zstd(b"\n" * 100_000))
    with pytest.raises(FormatError, match="decompression bomb"):
        intake.uncompress(bomb, tmp_path / "work", "rollout-b.jsonl.zst", limit=50_000)
    assert intake.uncompress(FIXTURES / "codex_rollout_jsonl/expected.jsonl", tmp_path / "work", "x", 10) is None


def test_codex_helper_links_are_companions(tmp_path: Path) -> None:
    # Codex links its own program as apply_patch (and codex-linux-sandbox) into a folder below
    # ~/.codex/tmp/arg0/ that it puts on PATH: a walk reaches the program itself
    home = codex_home(tmp_path)
    program = tmp_path / "codex-bin"
    program.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(4096))
    helpers = home / "tmp" / "arg0" / "codex-arg0Xy12Ab"
    helpers.mkdir(parents=True)
    (helpers / "apply_patch").symlink_to(program)
    (helpers / "codex-linux-sandbox").symlink_to(program)
    code, doc, out = _run(tmp_path, "home", home)
    assert code == 0, out
    assert _counts(doc) == (1, 10, 0, 0, 4)


def antigravity_homes(gemini: Path) -> None:
    """Google Antigravity's folders beside Gemini CLI's in ~/.gemini, as public inventories of them
    describe them (agentgrep.org "Antigravity IDE" and "Antigravity CLI" backends, observed
    2026-06; ccusage `rust/crates/ccusage/src/adapter/antigravity/`; the Antigravity CLI tutorial on
    dev.to, part 2): the IDE's conversations as opaque protobuf files, the `agy` CLI's as one SQLite
    database per conversation whose `gen_metadata` rows are protobuf blobs with no published
    schema; a prompt history; a `brain/` folder of artifacts per conversation; logs."""
    import sqlite3

    conv = "3b4a1d20-3968-4ed2-90b3-00eea3060b02"
    _put(gemini, {
        f"antigravity/conversations/{conv}.pb": b"\x0a\x8f\x03" + bytes(range(200)),
        f"antigravity/implicit/{conv}.pb": b"\x12\x40" + bytes(64),
        f"antigravity/brain/{conv}/task.md.resolved": "- [x] Fix the login\n",
        f"antigravity/brain/{conv}/uploaded_image_1767192210692.webp": b"RIFF\x10\x00\x00\x00WEBPVP8 ",
        f"antigravity/brain/{conv}/implementation_plan.md": "# Plan\n",  # skipped by the walk
        "antigravity-cli/history.jsonl": json.dumps({"display": f"deploy, key {SECRET}", "timestamp": 1767192210692,
                                                     "workspace": "/home/u/app", "conversationId": conv}) + "\n",
        f"antigravity-cli/brain/{conv}/scratch/server.js.backup": "const http = require('http');\n",
        "antigravity-cli/log/cli-2026-10-06T09-15-00.log": "I1006 09:15:00 conversation created\n" * 3,
    })
    (gemini / "antigravity-cli" / "conversations").mkdir(parents=True)
    db = sqlite3.connect(gemini / "antigravity-cli" / "conversations" / f"{conv}.db")
    db.execute("CREATE TABLE gen_metadata (idx INTEGER, data BLOB)")
    db.execute("INSERT INTO gen_metadata VALUES (0, ?)", (b"\x0a\x10\x22\x0e\x08\xe8\x07\x10\xb1\x31",))
    db.commit()
    db.close()


def test_antigravity_files_in_the_gemini_home_are_named(tmp_path: Path) -> None:
    """Antigravity writes no documented usage log: its conversations are reported unrecognised with
    a message that says what they are and what to do, its side files are companions; Gemini CLI's
    session beside them is read as before. Before, all 8 were 'no known format matches ...'."""
    home = gemini_home(tmp_path)
    antigravity_homes(home)
    code, doc, out = _run(tmp_path, "home", home)
    # Gemini CLI's 2 requests; its 12 side files + Antigravity's 5 (the prompt history, the log, 3
    # artifacts); Antigravity's 3 conversation files (the IDE's .pb, its implicit .pb, the CLI's .db)
    assert code == 1, out
    assert _counts(doc) == (1, 12 + 5, 3, 0, 2)
    problems = doc["last_run"]["problems"]
    conv = "3b4a1d20-3968-4ed2-90b3-00eea3060b02"
    assert sorted(Path(p["file"]).relative_to(home).as_posix() for p in problems) == [
        f"antigravity-cli/conversations/{conv}.db", f"antigravity/conversations/{conv}.pb",
        f"antigravity/implicit/{conv}.pb"]
    for message in (p["message"] for p in problems):
        assert "Antigravity" in message and "no documented usage log" in message, message
        assert "~/.gemini/tmp" in message and "no known format" not in message, message
    assert "Q7Q7Q7Q7" not in out and "Q7Q7Q7Q7" not in _store_text(tmp_path / "home")
