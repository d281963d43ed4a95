"""The format registry and the contract every ingestor follows.

A format is one module in this package that defines a subclass of `Ingestor` decorated with
`@register`. It has a `name` (`<provider>_<artifact>_<format>`), a cheap `sniff(head, name)` on the
first bytes of the (decompressed) file, and `query(file, ctx)`, which returns DuckDB SQL selecting
canonical columns (see `llmcost.storage.schema`) plus three bookkeeping columns:

- `source_line`: 1-based line or record number, for the quarantine;
- `raw`: the record's text (the quarantine's; with the file and `source_line`, the `event_id` of a row
  the format gives none);
- `error`: NULL for a good row, else why the row is rejected;
- `skip` (optional): true for a record that is read but is deliberately not a usage row (a
  Claude Code reply the client made up, with no API call): counted as read and as skipped,
  neither stored nor quarantined.

The loader (`llmcost.ingest.loader`) does everything else in SQL: type checks, range checks, secret
masking, `event_id` hashing, duplicate handling and the write. No per-row Python anywhere.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from llmcost.errors import UsageError

MAX_LINE = 16 * 1024 * 1024
"""Longest line a text format reads (16 MiB); a longer one fails its file with a clear message."""


@dataclass(frozen=True)
class InputFile:
    """A file to ingest. `path` is on disk (possibly extracted from an archive); `display` is its name."""

    path: Path
    display: str
    head: bytes
    size: int
    sha256: str
    gzip: bool = False
    # Read JSON lines with DuckDB's parallel read_json instead of line by line. The loader tries
    # this first for formats that allow it and falls back to the exact line path when the file has
    # malformed records, rejected rows or rows without their own id (see ingest/commit.py).
    fast_json: bool = False
    # A Future of the sha256 when the loader hashes the file while it parses (else sha256 is set).
    hashing: Any = field(default=None, compare=False, repr=False)
    # Batch mode (`Ingestor.batchable`): many files of one format read by one scan. Each member is
    # (path on disk, display name, seq); `path` is then the first member's. The format's query
    # gets the columns `_display` and `_bseq` from `lines_sql` and passes them through (see
    # `batch_cols`); `name_sql` / `stem_sql` give the file's name as SQL in both modes.
    batch: tuple[tuple[str, str, int], ...] = ()

    @property
    def parquet(self) -> bool:
        """The file is Parquet, read by a CSV format through its synthetic head (ingest/_parquet.py)."""
        from llmcost.ingest._parquet import ParquetHead

        return isinstance(self.head, ParquetHead)

    def name_sql(self) -> str:
        """SQL: the file's display name (a column in batch mode, a literal otherwise)."""
        return "_display" if self.batch else sql_str(self.display)

    def stem_sql(self) -> str:
        """SQL: the stem of the file's name (`Path(display.split('!')[-1]).stem`)."""
        if not self.batch:
            return sql_str(Path(self.display.split("!")[-1]).stem)
        return r"regexp_replace(regexp_extract(_display, '[^/!]*$'), '(.)\.[^.]*$', '\1')"

    def part_sql(self) -> str:
        """SQL: what names the file within a batch (its seq, `_bseq`), a constant otherwise: the
        PARTITION BY, GROUP BY or join key that keeps a window, an aggregate or a lookup to one file."""
        return "_bseq" if self.batch else "0"

    def content_hash(self) -> str:
        """The file's sha256 (waits for the loader's background hash when one is running)."""
        return self.hashing.result() if self.hashing is not None else self.sha256

    def sql_path(self) -> str:
        if self.batch:
            return "[" + ", ".join(sql_str(p) for p, _, _ in self.batch) + "]"
        return sql_str(str(self.path))


def batch_cols(f: InputFile) -> str:
    """Select-list items a batchable format adds to its query: the file's name and seq in batch
    mode (`_display`, `_bseq`, from `lines_sql`), nothing otherwise."""
    return "_display, _bseq, " if f.batch else ""


@dataclass
class IngestContext:
    """Options that apply to every file of one run."""

    keep_text: bool = False
    # --label KEY=VALUE of the file being read (the run's, else the ones the file was stored with);
    # the loader writes them to every row's run_labels
    labels: dict[str, str] = field(default_factory=dict)
    # The loader's DuckDB connection: a format that must read in Python (SQLite, a sibling file to
    # join) registers an Arrow table or creates a TEMP table here and selects from it in query().
    con: Any = None


class Ingestor:
    """Base class of all formats. Subclasses set the class attributes and implement sniff/query."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    obtain: ClassVar[str] = ""
    table: ClassVar[str] = "usage"
    grain: ClassVar[str] = "request"
    # True when every row's event_id comes from the source (not a hash of its text), so the
    # loader may parse with read_json and keep the line path for files with bad records.
    fast_json: ClassVar[bool] = False
    # The loader orders conflicting sniffs by this; fixtures test that exactly one format claims.
    priority: ClassVar[int] = 0
    # True when rows sharing an event_id are snapshots of one record that grows while it is
    # written (a streamed reply): the stored row takes the per-field maximum of the token counts
    # and the stated cost over every snapshot, in the file and across files and runs, instead of
    # the first one (see ingest/dedupe.py, `_elect_snapshots`).
    snapshots: ClassVar[bool] = False
    # True when the format states a request's input count wherever it states usage: a record
    # with an output and no input is quarantined as not reported (validate.py). A mapping that
    # maps no input column states none, and its rows are read with their output alone.
    input_stated: ClassVar[bool] = True
    # A row the format gives no event_id is identified by the format, its file's key and its line
    # (llmcost.ingest.validate), so two identical lines are two requests. True when a line's copies
    # are the same record wherever they are (a Claude Code transcript repeats a session's lines in
    # the session it resumes): the row is then identified by its text alone, as before.
    text_identity: ClassVar[bool] = False
    # Readers of the same file whose rows go to another table, e.g. a billing export's token
    # quantities as usage buckets beside its cost lines (focus_csv). The loader runs each one right
    # after this reader and records its rows as their own manifest entry (`derived_from` = the
    # file); they are not registered, detected or counted as files.
    derived: ClassVar[tuple[Ingestor, ...]] = ()
    # True when query() reads the file only through `lines_sql` / `json_lines_sql` (or, a document
    # read whole, `json_objects_sql`) and uses its name only through `InputFile.name_sql` /
    # `stem_sql`, passing `batch_cols` through, with every window, join and lookup kept to its
    # file (partitioned by `_bseq`): the loader may then read many new files of this format with
    # one scan (ingest/batches.py).
    batchable: ClassVar[bool] = False
    # True when the loader stages this format's line path with DuckDB's filter pushdown off. A
    # query that filters on fields of `json_lines_sql` has the filter pushed below the projection
    # that extracts them, each field reference replaced by the whole extraction: the JSON of
    # every line was parsed once per field the WHERE names (5 times for Claude Code). Without
    # the pushdown it is parsed once: a Claude Code batch's staging took 40% less CPU (0.96 s
    # instead of 1.6 s for 2,000 files), the same rows.
    extract_once: ClassVar[bool] = False
    # What each version of this reader after the first changed in the rows it stores, by version
    # number (2, 3, ...), in words for the user. The manifest records the version that read each
    # file (FileEntry.reader_version); a file an older version read is read again and its rows
    # replaced, though it is unchanged (ingest/loader.py), so a store keeps no rows a fixed reader
    # would no longer write. Add an entry when a change alters the rows of files already stored.
    reader_changes: ClassVar[dict[int, str]] = {}

    @property
    def reader_version(self) -> int:
        """The version of this reader: 1, or the newest of `reader_changes`."""
        return max(self.reader_changes, default=1)

    def sniff(self, head: bytes, name: str) -> bool:
        raise NotImplementedError

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        raise NotImplementedError

    def batch_shape(self, head: bytes) -> str:
        """What new files of this format must share, besides the format, to be read as one batch,
        from a file's head: a format whose query reads the head (where an envelope keeps the
        body, ingest/_envelope.py) is given its batch's first head, so only files with the same
        answer go together. "" (the default): the query reads no head."""
        return ""


_REGISTRY: dict[str, Ingestor] = {}
_LOADED = False


def register(cls: type[Ingestor]) -> type[Ingestor]:
    """Class decorator: add a format to the registry (built-ins use it as a plugin would)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls()
    return cls


def add(ingestor: Ingestor) -> None:
    """Register an ingestor instance (used for user mappings built at run time)."""
    _REGISTRY[ingestor.name] = ingestor


def _load_builtins() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def registry() -> dict[str, Ingestor]:
    _load_builtins()
    return dict(sorted(_REGISTRY.items()))


def lookup(name: str) -> Ingestor | None:
    """The registered format `name`, or None: `registry().get(name)` without sorting the registry
    (asked about every stored file of a re-run)."""
    _load_builtins()
    return _REGISTRY.get(name)


def get(name: str) -> Ingestor:
    reg = registry()
    if name not in reg:
        from llmcost.text import did_you_mean

        raise UsageError(f"Unknown --source {name!r}{did_you_mean(name, reg, n=3)}. Run `llmcost-forecast formats` "
                         "for the list.")
    return reg[name]


def detect(head: bytes, name: str) -> list[Ingestor]:
    """All formats that claim a file, most specific first."""
    hits = []
    for ing in registry().values():
        if _claims(ing, head, name):
            hits.append(ing)
    return sorted(hits, key=lambda i: -i.priority)


def _claims(ing: Ingestor, head: bytes, name: str) -> bool:
    try:
        return bool(ing.sniff(head, name))
    except Exception:  # a sniffer must never stop ingest; treat as no claim
        return False


def detect_best(head: bytes, name: str, hint: Ingestor | None = None) -> Ingestor | None:
    """`detect(head, name)[0]` (None when nothing claims the file), cheaper when `hint` (the
    format of the previous file in the same folder, say) claims it: then only the formats that
    `detect` would order before `hint` (a higher priority, or the same priority and an earlier
    name: `detect` sorts stably over the registry's name order) are asked, since no other one can
    come first. The answer is always the one `detect` gives. The formats are asked in the
    registry's own order, not sorted (asked about every file of a run): the one kept is the first
    in `detect`'s order among those that claim the file, whichever is asked first."""
    _load_builtins()
    if hint is None or _REGISTRY.get(hint.name) is not hint or not _claims(hint, head, name):
        hits = detect(head, name)
        return hits[0] if hits else None
    best = hint
    for ing in _REGISTRY.values():
        if ing is hint:
            continue
        before = ing.priority > best.priority or (ing.priority == best.priority and ing.name < best.name)
        if before and _claims(ing, head, name):
            best = ing
    return best


def on_disk(f: InputFile) -> Path:
    """Where `f` really is: the loader reads a file whose name DuckDB cannot take (glob or non-UTF-8
    characters) through a link with a safe name in a work folder (files._alias), so a format that
    looks for a sibling file (a Langfuse traces export, an Anthropic batch object) looks beside the
    file the link points to, not beside the link."""
    return Path(os.path.realpath(f.path))


def companion(head: bytes, name: str) -> str | None:
    """Why a file that holds no usage rows belongs beside the usage files, or None.

    RAGPulse ships its prompt-component chunk lengths as side files next to the trace
    (`{"sys_prompt_id": 8302, "token_length": 512}` per line, traces-notes.md 4); the prefix
    measures read them from there (llmcost.measures.registry.find_side_files), so ingest skips them
    without counting them as unrecognised. An Anthropic Message Batch object dates its results.
    """
    from llmcost.measures.registry import COMPONENT_KINDS  # the side files' id columns, as the measures read them

    first = first_json(head)
    if isinstance(first, dict) and len(first) == 2 and "token_length" in first \
            and any(k in COMPONENT_KINDS for k in first):
        return ("RAGPulse prompt-component lengths: no usage rows; the prefix measures read this file "
                "from beside the trace")
    base = os.path.basename(name.split("!")[-1]).lower()
    from llmcost.ingest import _langfuse

    if _langfuse.is_traces_export(head, name):
        # llmcost.ingest._langfuse.traces_table joins it to the observations export beside it
        return ("a Langfuse traces export: no usage rows; the observations export beside it (a blob export's: in "
                "../observations/) takes its session and user ids from it")
    if b'"message_batch"' in head and b'"msgbatch_' in head:
        # llmcost.ingest.anthropic_batch_results_jsonl dates the batch's results by it (a page of
        # the batch list may be longer than the head: the marker is enough to tell it)
        return ("an Anthropic Message Batch object: no usage rows; it dates the batch's results file beside "
                "it (anthropic_batch_results_jsonl)")
    if _export_manifest(base, first):
        return ("a billing export's manifest (it lists the export's data files): no usage rows; the data files "
                "beside it are read")
    if _gemini_cli_side_file(base, head, first):
        return ("a Gemini CLI prompt log, saved chat or shell history (~/.gemini/tmp/<project>/): no usage rows; "
                "the sessions in chats/ beside it are read")
    return agent_home_file(head, name)


ANTIGRAVITY_HOME = r"\.gemini/antigravity(?:-cli|-ide|-backup)?"
"""The folders Google Antigravity keeps its state in, below ~/.gemini (beside Gemini CLI's)."""

_KIMI_SESSION = r"(?:sessions/[^/]+|imported_sessions)/[^/]+"
"""A Kimi CLI session's folder below ~/.kimi: `sessions/<work-dir hash>/<id>`, or an imported one."""


def _opencode_side_files(db: str) -> tuple[tuple[str, str, str], ...]:
    """The side files of OpenCode's data folder (`_HOMES`), whose database is `<db>.db`: a fork
    that keeps OpenCode's layout under its own name (Kilo CLI) has the same ones."""
    return (
        (r"auth\.json", "json", "sign-in"),
        (rf"{db}\.db-(?:wal|shm)", "any", "database write-ahead log or shared-memory index"),
        (r"log/[^/]+\.log", "text", "log"),
        (r"bin/[^/]+", "program", "downloaded tool (ripgrep)"),
        (r"storage/migration", "text", "storage version"),
        (r"storage/(?:project|session|part|session_diff|todo|share)/.+\.json", "json",
         "project, session, message part (a step's tokens repeat its message's), diff or to-do list"),
        (r"snapshot/.+", "copy", "snapshot of a project (a git repository of the user's files)"),
    )


_HOMES: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    # (agent, its home folder as a path part, ((path below it, content, what it is), ...)). Only the
    # agent's own side files: its usage files (Claude Code's projects/*/*.jsonl, Codex's sessions/,
    # Gemini CLI's chats/, OpenCode's storage/message/ and opencode.db (Kilo CLI's kilo.db), Copilot CLI's
    # events.jsonl, Qwen Code's projects/*/chats/, Kimi CLI's wire.jsonl, pi-agent's sessions/*/*.jsonl, OpenClaw's
    # agents/*/sessions/*.jsonl*, Codebuff's chat-messages.json, Goose's sessions.db, Hermes' state.db,
    # Droid's *.settings.json with token counts) are read by their formats and never listed here; and a
    # file is only asked here when no format claims it (`companion` comes after detection).
    ("Claude Code", r"(?:\.claude|\.config/claude)", (
        (r"(?:settings|settings\.local|keybindings|stats-cache)\.json", "json", "settings or statistics cache"),
        (r"history\.jsonl", "json", "prompt history (the user's prompts, no tokens)"),
        (r"todos/[^/]+\.json", "json", "to-do list of a session"),
        (r"statsig/statsig\.[^/]+", "text", "feature-flag cache"),
        (r"plugins/(?:marketplaces|cache|repos)/.+", "copy", "plugin's files (a clone of its repository)"),
        (r"plugins/.+\.json", "json", "plugin or marketplace metadata"),
        (r"projects/[^/]+/sessions-index\.json", "json", "index of a project's sessions"),
        (r"projects/[^/]+/[^/]+/subagents/[^/]+\.meta\.json", "json", "description of a sub-agent"),
        (r"debug/[^/]+", "text", "debug log"),
        (r"telemetry/1p_failed_events\.[^/]+\.json", "json", "queue of telemetry events it failed to send"),
        (r"usage-data/(?:session-meta|facets)/[^/]+\.json", "json",
         "/insights analysis of a session (derived from its transcript)"),
        (r"file-history/.+", "copy", "backup copy of a file it edited"),
        (r"skills/.+", "copy", "skill's files (instructions, scripts and their data)"),
        (r"local/.+", "copy", "own installation (claude migrate-installer)"),
        (r"session-env/.+", "text", "environment script of a session"),
    )),
    ("Codex", r"\.codex", (
        (r"(?:auth|version|internal_storage|models_cache)\.json", "json", "sign-in, version or model cache"),
        (r"history\.jsonl", "json", "prompt history (the user's prompts, no tokens)"),
        (r"session_index\.jsonl", "json", "index of its sessions' titles"),
        (r"tmp/arg0/[^/]+/[^/]+", "program", "helper link to its own program (apply_patch)"),
        (r"skills/.+", "copy", "skill's files (instructions, scripts and their data)"),
        (r"log/[^/]+\.log", "text", "log"),
        (r"(?:[^/]+\.sqlite|sqlite/[^/]+\.db)", "sqlite", "thread index or state database"),
        (r"(?:[^/]+\.sqlite|sqlite/[^/]+\.db)-(?:wal|shm)", "any", "database write-ahead log or shared-memory index"),
    )),
    ("Gemini CLI", r"\.gemini", (
        (r"(?:settings|oauth_creds|google_accounts|projects|state|trustedFolders|mcp-oauth-tokens)\.json", "json",
         "settings, sign-in or state"),
        (r"(?:installation_id|user_id)", "text", "installation id"),
        (r"extensions/.+\.json", "json", "extension metadata"),
        (r"tmp/bin/[^/]+", "program", "downloaded tool (ripgrep)"),
    )),
    ("OpenCode", r"share/opencode", _opencode_side_files("opencode")),
    # Kilo CLI (Kilo-Org/kilocode, an OpenCode fork): the same data folder under the name kilo
    # (packages/opencode/src/global/index.ts: app = "kilo"), its database kilo.db, or kilo-<channel>.db
    # for a preview build (src/storage/database.ts path()), read by opencode_db_sqlite (the same
    # session.sql.ts tables); auth.json (src/auth/index.ts), log/, snapshot/<project>/<hash>
    # (src/snapshot/index.ts) and storage/session_diff/ as OpenCode's; plans/*.md are skipped by the walk
    ("Kilo CLI", r"share/kilo", _opencode_side_files(r"kilo(?:-[^/]+)?")),
    # Google Antigravity (the agent IDE, ~/.gemini/antigravity; its `agy` CLI, ~/.gemini/antigravity-cli;
    # the -ide and -backup folders ccusage also looks in): agentgrep.org "Antigravity IDE" / "Antigravity
    # CLI" (history.jsonl: `display`, `timestamp`, `workspace`, `conversationId`; brain/<conversation>/:
    # plans, task lists and their `.resolved` copies, screenshots), the CLI tutorial on dev.to (brain/
    # scratch copies of the files it writes), miiiiiiich/agent-walker/docs/agy.md (log/cli-*.log). Its conversations
    # are not side files: `antigravity_file` names them.
    ("Antigravity", ANTIGRAVITY_HOME, (
        (r"history\.jsonl", "json", "prompt history (the user's prompts, no tokens)"),
        (r"log/[^/]+\.log", "text", "log"),
        (r"brain/.+", "copy", "conversation artifacts (plans, task lists, screenshots, scratch copies of files)"),
    )),
    ("Copilot CLI", r"\.copilot", (
        (r"(?:config|mcp-config|command-history-state)\.json", "json", "settings or command history"),
        (r"history-session-state/[^/]+\.json", "json", "session from before events.jsonl (no tokens)"),
        (r"logs/[^/]+\.log", "text", "log"),
        (r"session-store\.db", "sqlite", "session index (sessions and turns, no tokens)"),
        (r"session-store\.db-(?:wal|shm)", "any", "session index's write-ahead log or shared-memory index"),
    )),
    # Qwen Code (a Gemini CLI fork): its sign-in and settings beside projects/ (its tmp/<hash>/ side
    # files are Gemini CLI's, `_gemini_cli_side_file`).
    ("Qwen Code", r"\.qwen", (
        (r"(?:settings|oauth_creds)\.json", "json", "settings or sign-in"),
    )),
    # Kimi CLI (MoonshotAI/kimi-cli docs/en/configuration/data-locations.md): beside each session's
    # wire.jsonl (read by kimi_cli_wire_jsonl) its context.jsonl, whose `_usage` records are the
    # context's size, not a call's tokens, and state.json; a sub-agent's folder holds the same.
    ("Kimi CLI", r"\.kimi", (
        (rf"{_KIMI_SESSION}/(?:subagents/[^/]+/)?context\.jsonl", "json",
         "context of a session or sub-agent (its messages; the context's size, not a call's tokens)"),
        (rf"{_KIMI_SESSION}/state\.json", "json", "state of a session"),
        (rf"{_KIMI_SESSION}/subagents/[^/]+/meta\.json", "json", "description of a sub-agent"),
        (rf"{_KIMI_SESSION}/subagents/[^/]+/(?:prompt\.txt|output)", "text", "sub-agent's last prompt or output"),
        (r"(?:kimi|mcp)\.json", "json", "metadata or MCP settings"),
        (r"(?:credentials|mcp-oauth)/[^/]+\.json", "json", "sign-in"),
        (r"user-history/[^/]+\.jsonl", "json", "prompt history (the user's prompts, no tokens)"),
        (r"logs/[^/]+\.log", "text", "log"),
    )),
    # pi-agent (badlogic/pi-mono packages/coding-agent/src/config.ts: getAgentDir() is ~/.pi/agent, or
    # $PI_CODING_AGENT_DIR): beside sessions/ (read by pi_agent_session_jsonl) its settings, sign-in and
    # custom models, and bin/, the tools it downloads (fd, ripgrep; src/utils/tools-manager.ts)
    ("pi-agent", r"\.pi/agent", (
        (r"(?:settings|auth|models)\.json", "json", "settings, sign-in or custom models"),
        (r"bin/[^/]+", "program", "downloaded tool (fd, ripgrep)"),
    )),
    # Goose (block/goose): its data folder (~/.local/share/goose, ~/.local/share/Block/goose, ~/Library/Application
    # Support/goose) holds sessions/sessions.db (read by goose_sessions_sqlite) with its write-ahead log and
    # shared-memory index, and the JSONL session files of Goose before its database
    # (crates/goose/src/session/legacy.rs), imported into sessions.db when Goose created it
    ("Goose", r"(?:\.local/share/(?:Block/)?goose|Library/Application Support/goose)", (
        (r"sessions/sessions\.db-(?:wal|shm)", "any", "database write-ahead log or shared-memory index"),
        (r"sessions/[^/]+\.jsonl", "json", "session from before sessions.db (imported into it: its totals are there)"),
    )),
    # Hermes Agent (NousResearch/hermes-agent): ~/.hermes (or $HERMES_HOME; a profile in profiles/<name>/) holds
    # state.db (read by hermes_state_sqlite) with its -wal and -shm files (hermes_state.py
    # _secure_state_db_files), auth.json (hermes_cli/auth.py), the sessions' transcripts and request dumps
    # (sessions/*.json, no token totals: those are in state.db) and logs/; config.yaml and .env are skipped by the walk
    ("Hermes", r"\.hermes(?:/profiles/[^/]+)?", (
        (r"state\.db-(?:wal|shm)", "any", "database write-ahead log or shared-memory index"),
        (r"auth\.json", "json", "sign-in"),
        (r"sessions/[^/]+\.jsonl?", "json", "session transcript or request dump (the totals are in state.db)"),
        (r"logs/[^/]+\.log", "text", "log"),
    )),
    # OpenClaw (clawdbot, moltbot; openclaw/openclaw src/config/paths.ts: the state folder ~/.openclaw,
    # or a legacy one that exists): beside agents/<id>/sessions/ (openclaw_session_jsonl) its config
    # (JSON5, with rolling .bak copies), the sessions index (src/config/sessions/: per-session totals,
    # not calls) with its backups, run traces (artifacts.ts), sign-in profiles and models
    # (agents/<id>/agent/), channel credentials, device identity and pairing, cron jobs, its memory
    # search index (SQLite) and logs
    ("OpenClaw", r"\.(?:openclaw|clawdbot|moltbot|moldbot)", (
        (r"(?:openclaw|clawdbot|moltbot)\.json(?:\.bak(?:\.[0-9]+)?)?", "text", "config (JSON5)"),
        (r"update-check\.json", "json", "update check"),
        (r"agents/[^/]+/sessions/sessions\.json(?:\.bak\.[^/]+)?", "json",
         "sessions index (each session's running totals, not its calls)"),
        (r"agents/[^/]+/sessions/[^/]+\.trajectory(?:\.jsonl|-path\.json)", "json", "run trace"),
        (r"agents/[^/]+/agent/[^/]+\.json", "json", "sign-in profiles or models"),
        (r"(?:credentials|identity|devices|cron)/(?:[^/]+/)*[^/]+\.json", "json",
         "channel credentials, device identity or pairing, or cron jobs"),
        (r"memory/[^/]+\.sqlite", "sqlite", "memory search index"),
        (r"memory/[^/]+\.sqlite-(?:wal|shm)", "any", "memory index's write-ahead log or shared-memory index"),
        (r"logs/[^/]+", "text", "log"),
    )),
    # Codebuff (Manicode; its config folder ~/.config/manicode, -dev or -staging by build): beside each
    # chat's chat-messages.json (codebuff_chat_messages_json) the run state and the mid-turn checkpoint
    # (CodebuffAI/codebuff cli/src/utils/run-state-storage.ts: the agent's message history, no usage of
    # its own), and the sign-in (credentials.json, sdk/README.md)
    ("Codebuff", r"\.config/manicode(?:-dev|-staging)?", (
        (r"projects/[^/]+/chats/[^/]+/(?:run-state|turn-checkpoint)\.json", "json",
         "run state or mid-turn checkpoint (the agent's messages; the chat's usage is in chat-messages.json)"),
        (r"credentials\.json", "json", "sign-in"),
    )),
    # Factory Droid: a session is <session>.jsonl (its messages) beside <session>.settings.json (its token
    # totals, droid_session_settings_json), in a folder per project (ccusage adapter/droid/parser.rs reads the
    # transcript only for a model name); a new session's settings hold no tokenUsage yet
    ("Droid", r"\.factory", (
        (r"sessions/(?:[^/]+/)*[^/]+\.jsonl", "json", "session transcript (messages, no token counts: the session's "
         "totals are in the <session>.settings.json beside it)"),
        (r"sessions/(?:[^/]+/)*[^/]+\.settings\.json", "json", "session settings with no token counts yet"),
    )),
)
"""Where each coding agent keeps the files that are not its usage, below the home folder a user
points --logs at (docs/formats-request-logs.md, "Pointing --logs at an agent's home folder")."""

_HOME_RULES = tuple(
    (agent, re.compile(rf"(?:^|/){home}/({rel})$"), kind, what)
    for agent, home, rules in _HOMES for rel, kind, what in rules
)


_PROGRAMS = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"MZ", b"#!")
"""The first bytes of a program: ELF, Mach-O (64-bit, universal), Windows PE, a script."""


def agent_copy(name: str) -> str | None:
    """Why a file in a coding agent's home folder is a copy of someone's files, not the agent's
    own (`copy` in `_HOMES`: Claude Code's backups of the files it edits and its plugins' clones,
    OpenCode's snapshots of the user's projects), or None. Asked before detection: a usage log
    among them (a project's data, a plugin's test fixture) is no usage of this agent, and read as
    one it added requests that were never made or counted a project's logs twice."""
    path = name.split("!")[0].replace("\\", "/")
    for agent, pattern, kind, what in _HOME_RULES:
        if kind == "copy" and pattern.search(path):
            return f"{agent}'s {what}: not read (a copy of files, not the agent's usage)"
    return None


def agent_home_file(head: bytes, name: str) -> str | None:
    """Why a file in a coding agent's home folder (`~/.claude`, ...) is no usage file, or None.

    Both its place (`_HOMES`: a path below the agent's home folder) and its content must say so:
    `json` a JSON document or JSON lines, `text` text with no NUL byte (or nothing), `sqlite` a
    SQLite database, `program` an executable (`_PROGRAMS`), `any` whatever it holds, `copy` a copy
    of someone's files (`agent_copy`, which the loader asks first); an empty file in its place is
    one too. A file of no known place, or whose content is not what that place holds, stays
    unrecognised."""
    path = name.split("!")[0].replace("\\", "/")
    for agent, pattern, kind, what in _HOME_RULES:
        if not pattern.search(path):
            continue
        if kind == "copy":
            return agent_copy(name)
        if not head:  # empty: nothing in it can be usage (a WAL after a checkpoint, a new log)
            return f"{agent}'s {what}, empty: no usage rows"
        if kind == "json" and first_json(head) is None:
            continue
        if kind == "text" and b"\0" in head:
            continue
        if kind == "sqlite" and not head.startswith(b"SQLite format 3\0"):
            continue
        if kind == "program" and not head.startswith(_PROGRAMS):
            continue
        where = ("Antigravity's usage is not read, see its conversations/" if agent == "Antigravity"
                 else "its usage is read from its session files")
        return f"{agent}'s {what}: no usage rows ({where})"
    return None


_ANTIGRAVITY_FILE = re.compile(rf"(?:^|/)({ANTIGRAVITY_HOME})/(.+)$")


def antigravity_file(name: str) -> str | None:
    """The message of a file below Antigravity's folders that no format reads and that is no side
    file (`_HOMES`): chiefly its conversations, or None for a file elsewhere.

    Antigravity keeps no documented usage log. The IDE's conversations (conversations/*.pb,
    implicit/*.pb) are protobuf with no published schema, opaque; the `agy` CLI's are one SQLite
    database per conversation (conversations/<id>.db) whose `gen_metadata` rows hold token counts as
    protobuf blobs with no published schema either (agentgrep.org "Antigravity CLI": "there is no
    published schema"). ccusage (adapter/antigravity/parser.rs: "Layout (hand-verified, no .proto)")
    and agent-walker (miiiiiiich/agent-walker/docs/agy.md: "the numbers are unofficial and could shift on an Antigravity
    update") decode them by guessed field numbers, and name the models from placeholders
    (`MODEL_PLACEHOLDER_M26`) by a hand-made table: not a source whose counts can be checked, so it
    is not read. Such a file was "no known format matches ...", which said neither what it is nor
    that the run can do nothing with it."""
    m = _ANTIGRAVITY_FILE.search(name.split("!")[0].replace("\\", "/"))
    if m is None:
        return None
    folder, rel = m.group(1).split("/")[-1], m.group(2)
    what = ("a conversation of Google Antigravity" if rel.startswith(("conversations/", "implicit/"))
            else "a file of Google Antigravity")
    return (f"{name} is {what} (~/.gemini/{folder}/). Antigravity writes no documented usage log: its "
            "conversations keep their token counts in a private protobuf layout Google does not publish "
            "(conversations/*.db; the older conversations/*.pb and implicit/*.pb are opaque), so its usage is not read "
            "and is not in this report. Fix: leave ~/.gemini/antigravity* out of --logs (Gemini CLI's sessions are "
            "in ~/.gemini/tmp); docs/formats-request-logs.md, \"Antigravity\", says more.")


def _gemini_cli_side_file(base: str, head: bytes, first: Any) -> bool:
    """True for the files Gemini CLI keeps beside its sessions in every ~/.gemini/tmp/<project>/
    folder (google-gemini/gemini-cli `packages/core/src/core/logger.ts`): `logs.json`, the user's
    prompts `[{sessionId, messageId, type, message, timestamp}]`; `checkpoint*.json`, a chat saved
    by /chat save `[{role, parts}]`; `shell_history`, plain text. None holds usage, and counting
    them as unrecognised made every run over the documented `--logs ~/.gemini/tmp` exit 1."""
    if base == "shell_history":
        return True
    if base == "logs.json":
        return _array_of(head, first, ("sessionId", "messageId"))
    if base.startswith("checkpoint") and base.endswith(".json"):
        return _array_of(head, first, ("role", "parts"))
    return False


def _array_of(head: bytes, first: Any, keys: tuple[str, ...]) -> bool:
    """True for a JSON array of objects that each hold `keys`. `first` is the head's first JSON
    value: a str when the array is longer than the head, whose first 4 KiB must then name the keys."""
    if isinstance(first, list):
        return bool(first) and all(isinstance(e, dict) and all(k in e for k in keys) for e in first)
    return (isinstance(first, str) and head.lstrip().startswith(b"[")
            and all(f'"{k}"'.encode() in head[:4096] for k in keys))


_MANIFEST_LISTS = ("dataFiles", "reportKeys", "blobs")
"""The list of delivered data files in a billing export's manifest: AWS Data Exports / CUR 2.0
`dataFiles` (docs.aws.amazon.com/cur/latest/userguide/dataexports-manifest.html; delivered as
`metadata/BILLING_PERIOD=YYYY-MM/<export-name>-Manifest.json`, formats-provider-exports.md 4.2),
legacy CUR `reportKeys`, Azure Cost Management exports `blobs` (partitioned files + manifest.json,
formats-provider-exports.md 5.1)."""


def _export_manifest(base: str, first: Any) -> bool:
    """True for the manifest a provider delivers beside its billing export files: named
    `manifest.json` or `<export-name>-Manifest.json`, a JSON object listing the data files. The
    folder is what users point --logs at (a synced S3 prefix or storage container); the manifest
    holds no usage, and counting it as unrecognised made every such run exit 1."""
    if base != "manifest.json" and not base.endswith("-manifest.json"):
        return False
    return isinstance(first, dict) and any(isinstance(first.get(k), list) for k in _MANIFEST_LISTS)


# ---- helpers for sniffers ------------------------------------------------------------------------


class _Head:
    """What the sniffers read of one head, worked out once: detection asks every format about the
    same head, and each used to decode it and parse its lines again (most of the per-file cost of
    ingesting thousands of small files)."""

    __slots__ = ("_csv", "_first", "_lines", "_next", "_objs", "_text", "head")
    _UNSET: Any = object()

    def __init__(self, head: bytes) -> None:
        self.head = head
        self._text: str | None = None
        self._lines: list[str] | None = None
        self._objs: list[dict[str, Any]] = []
        self._next = 0
        self._first: Any = _Head._UNSET
        self._csv: Any = _Head._UNSET

    def text(self) -> str:
        if self._text is None:
            self._text = self.head.decode("utf-8", errors="replace").lstrip("\ufeff")
        return self._text

    def json_objects(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` JSON objects of the head's complete lines, parsed as far as needed."""
        if self._lines is None and _document_kind(self.text()):
            self._objs, self._lines = _document_objects(self.text())[0], []  # records of a JSON document
        if self._lines is None:
            # the last line may be cut by the head limit, unless the head ends a line: a small
            # file's last line is complete (dropping it left a two-line file whose first line is
            # not JSON with nothing to detect its format by: "no known format", no line reported)
            t = self.text()
            lines = t.splitlines()
            self._lines = lines if t.endswith(("\n", "\r")) else lines[:-1] or lines
        lines = self._lines
        while len(self._objs) < limit and self._next < len(lines):
            line = lines[self._next].strip()
            self._next += 1
            if line.startswith("data:"):  # a server-sent event's payload (is_sse)
                line = line[5:].strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError):  # too deeply nested for Python: skip
                continue
            if isinstance(obj, dict):
                self._objs.append(obj)
        return self._objs[:limit]


def _document_kind(t: str) -> str:
    """'array' when `t` (a head's text) is a JSON array (`[{...}, ...]`, on one line or many),
    'document' when it is JSON documents pretty-printed (`{` alone on the first line, as `jq .`,
    `json.dumps(indent=2)` and a browser's "save" write them: no JSON-lines file has that line),
    else ''."""
    s = t.lstrip()
    if s.startswith("["):
        return "array"
    return "document" if s.startswith("{") and s.split("\n", 1)[0].strip() == "{" else ""


def _document_objects(t: str) -> tuple[list[dict[str, Any]], bool]:
    """The objects of a JSON document head (`_document_kind`): an array's elements, or documents
    one after another, as far as the head holds complete ones (the head may cut the last; a
    broken record is passed over as `llmcost.ingest.salvage` passes over it when the file is
    read); and whether the text ends where its last record does (no record cut short). What a
    sniffer sees of such a file is what it sees of the same records one per line."""
    from llmcost.ingest import salvage

    parts, whole = salvage.walk(t)
    return [p.value for p in parts if isinstance(p.value, dict)], whole


def json_cut_short(head: bytes) -> str:
    """What `head`, a whole file that no format claims, is when it is JSON that breaks before any
    record is whole (an interrupted download or copy, a full disk, a writer still at work): "a JSON
    document cut short" (`json_document`, ending inside a record) or "JSON lines none of which is
    a whole record"; else ""."""
    if json_document(head):
        return "" if _document_objects(text(head))[1] else "a JSON document cut short"
    if text(head).lstrip().startswith("{") and not json_lines(head, limit=1):
        return "JSON lines none of which is a whole record"
    return ""


def json_document(head: bytes) -> str:
    """'array' or 'document' when the file is one JSON document rather than JSON lines
    (`_document_kind`); its records are then the array's elements, or the documents, and
    `lines_sql` reads them so: a line format reads such a file as it reads the same records one
    per line (a body saved by `curl | jq .`, a list of replies dumped by a script), each record's
    `source_line` its 1-based index in the file."""
    return _document_kind(text(head))


_CURRENT: _Head | None = None


def _parsed(head: bytes) -> _Head:
    """The parse of `head`, shared while the same head object is being sniffed (an identity
    check: the slot holds the object, so its id cannot be reused by another)."""
    global _CURRENT
    cur = _CURRENT
    if cur is None or cur.head is not head:
        cur = _CURRENT = _Head(head)
    return cur


def text(head: bytes) -> str:
    return _parsed(head).text()


def first_json(head: bytes) -> Any:
    """The first non-blank line of a JSONL head parsed as JSON, or the whole head for a JSON document.

    Returns None when the head does not start with JSON.
    """
    h = _parsed(head)
    if h._first is _Head._UNSET:
        h._first = _first_json(h.text())
    return h._first


def _first_json(text: str) -> Any:
    s = text.lstrip()
    if not s or s[0] not in "{[":
        return None
    line = s.split("\n", 1)[0].strip()
    try:
        return json.loads(line)
    except (json.JSONDecodeError, RecursionError):  # too deeply nested for Python: not JSON here
        pass
    try:  # a pretty-printed document fully inside the head
        return json.loads(s)
    except (json.JSONDecodeError, RecursionError):
        return _PartialJson(s)


class _PartialJson(str):
    """A JSON document cut by the head limit: sniffers may search its text for keys."""


def has_keys(cut: str, *keys: str) -> bool:
    """True when the text of a JSON document cut by the head limit (`first_json`'s answer for it)
    holds every one of `keys`, each written compact (`'"id":"T-'`, `'"messages":['`): the space
    a pretty-printer writes after a key's colon is left out before the search."""
    flat = cut.replace('": "', '":"').replace('": [', '":[').replace('": {', '":{')
    return all(k in flat for k in keys)


def json_lines(head: bytes, limit: int = 5) -> list[dict[str, Any]]:
    """Up to `limit` complete JSON objects from the first lines of the head (parsed once per head;
    each call gets its own shallow copies)."""
    return [dict(o) for o in _parsed(head).json_objects(limit)]


def csv_header(head: bytes) -> list[str] | None:
    """Column names of a CSV head (first line), or None when it does not look like a CSV header."""
    h = _parsed(head)
    if h._csv is _Head._UNSET:
        h._csv = _csv_header(h.text())
    return list(h._csv) if h._csv is not None else None


def csv_columns(header: Iterable[str], wanted: Iterable[str]) -> dict[str, int] | None:
    """The position in `header` (names already stripped of spaces) of each `wanted` name it has:
    the one header name spelt exactly so, else the one equal to it up to case (`Request_ID` or
    `SPEND` for `request_id` and `spend`: a spreadsheet or another client rewrote the header).
    Names the header lacks are left out. None when a wanted name is ambiguous: two header names
    spelt exactly so, or none exactly and two up to case (`Cost` and `COST` for `cost`).

    The one place the CSV formats match column names: their sniffers (`csv_has`) and readers
    (`_records.csv_records_sql`, `_exports.Csv`) agree on what a header means."""
    names = list(header)
    folded = [n.casefold() for n in names]
    out = {}
    for w in wanted:
        exact = [i for i, n in enumerate(names) if n == w]
        near = exact or [i for i, n in enumerate(folded) if n == w.casefold()]
        if len(near) > 1:
            return None
        if near:
            out[w] = near[0]
    return out


def csv_has(head: bytes, *names: str) -> bool:
    """True when the CSV header of `head` has every one of `names`, matched as `csv_columns` does
    (up to case and surrounding spaces, unambiguously): what a CSV format's sniffer asks."""
    found = csv_columns(csv_header(head) or [], names)
    return found is not None and len(found) == len(names)


def csv_delimiter(header_line: str) -> str:
    """The delimiter of a CSV header line: the most frequent of comma, semicolon and tab (a
    spreadsheet saving "CSV" where the decimal mark is a comma writes `;`; a TSV uses tabs)."""
    return max([",", ";", "\t"], key=header_line.count)


def _csv_header(s: str) -> tuple[str, ...] | None:
    if not s or s.lstrip()[:1] in "{[":
        return None
    lines = s.splitlines()
    first = lines[0] if lines else ""
    if "," not in first and ";" not in first and "\t" not in first:
        return None
    import csv
    import io

    try:
        row = next(csv.reader(io.StringIO(first), delimiter=csv_delimiter(first)))
    except (csv.Error, StopIteration):
        return None
    return tuple(c.strip().strip('"') for c in row)


# ---- SQL helpers for queries ----------------------------------------------------------------------


def sql_str(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def lines_sql(f: InputFile) -> str:
    """Non-blank lines of a text file as (source_line, raw), streamed by DuckDB's CSV reader.

    The reader keeps blank lines as NULL rows, so row numbers are file line numbers; the line
    ending is taken from the head so CRLF files number correctly. In batch mode (`f.batch`) the
    files are read by one scan over the list (in list order: preserve_insertion_order), each
    line numbered within its file, with the columns `_display` and `_bseq` of its file.
    """
    comp = "gzip" if f.gzip else "none"
    if json_document(f.head):
        return _document_lines_sql(f, comp)
    newline = "\\r\\n" if b"\r\n" in f.head else "\\n"
    scan = (
        f"read_csv({f.sql_path()}, columns={{'raw': 'VARCHAR'}}, header=false, delim='\x01', quote='', escape='', "
        f"auto_detect=false, strict_mode=false, new_line='{newline}', compression='{comp}', "
        f"max_line_size={MAX_LINE}, buffer_size={4 * MAX_LINE}, encoding='utf-8'{', filename=true' if f.batch else ''})"
    )
    # `trim(raw) <> ''`, computed only for a line that starts with a space (trim on every line
    # cost a third of a batch's scan)
    not_blank = "raw IS NOT NULL AND CASE WHEN starts_with(raw, ' ') THEN trim(raw) <> '' ELSE raw <> '' END"
    if f.batch:
        return _batch_lines_sql(f, scan, "raw") + f" WHERE {not_blank}"
    return (
        "SELECT source_line, raw FROM ("
        f"SELECT row_number() OVER () AS source_line, raw FROM {scan}"
        f") WHERE {not_blank}"
    )


def _batch_lines_sql(f: InputFile, scan: str, raw: str) -> str:
    """`lines_sql` of a batch (`f.batch`): each row of `scan` (the batch's files read in list order,
    with filename=true) as its column raw (the select item `raw`), numbered from 1 within its file,
    with the columns `_display` and `_bseq` of its file."""
    files = ", ".join(f"({sql_str(p)}, {sql_str(d)}, {int(q)})" for p, d, q in f.batch)
    return (
        "SELECT source_line, raw, _display, _bseq FROM ("
        "SELECT n - min(n) OVER (PARTITION BY filename) + 1 AS source_line, raw, filename FROM ("
        f"SELECT row_number() OVER () AS n, {raw}, filename FROM {scan})"
        f") JOIN (VALUES {files}) _bf(_disk, _display, _bseq) ON filename = _disk"
    )


DOCUMENT_RECORDS = "CAST(json(CAST(json AS VARCHAR)) AS VARCHAR)"
"""The raw text `_document_lines_sql` gives each record of a JSON document (what `jq -c` writes)."""


def reads_records(sql: str) -> bool:
    """The format query `sql` reads a JSON document record by record, as lines (`lines_sql`): each
    record a row it stores or quarantines. A format that reads the document whole (a page of an
    API, a thread) does not; `llmcost.ingest.salvage` only rewrites a broken document for the first."""
    return DOCUMENT_RECORDS in sql


def _document_lines_sql(f: InputFile, comp: str) -> str:
    """`lines_sql` of a JSON document (`json_document`): its records, each minified to one line
    (`json()`: the text `jq -c` writes), numbered from 1 within its file. A document DuckDB cannot
    parse fails as a whole (the loader reports the file, and a batch is split to find it)."""
    scan = (f"read_json_objects({f.sql_path()}, format='auto', compression='{comp}', "
            f"maximum_object_size={MAX_LINE}{', filename=true' if f.batch else ''})")
    raw = DOCUMENT_RECORDS
    if f.batch:
        return _batch_lines_sql(f, scan, f"{raw} AS raw")
    return f"SELECT row_number() OVER () AS source_line, {raw} AS raw FROM {scan}"


def json_objects_sql(f: InputFile, max_size: int) -> str:
    """The JSON objects of a file read whole (`read_json_objects`: a document, or documents one
    after another, each at most `max_size` bytes), as (source_line, raw): `raw` the object as JSON,
    its text as the file has it (not minified, unlike `lines_sql`), `source_line` its 1-based index
    in the file. For a format that reads a document whole (a thread, a session) rather than record
    by record; a document DuckDB cannot parse fails as a whole. In batch mode (`f.batch`) with the
    columns `_display` and `_bseq` of its file, as `lines_sql` gives them."""
    comp = "gzip" if f.gzip else "none"
    scan = (f"read_json_objects({f.sql_path()}, format='auto', compression='{comp}', "
            f"maximum_object_size={max_size}{', filename=true' if f.batch else ''})")
    if f.batch:
        return _batch_lines_sql(f, scan, "json AS raw")
    return f"SELECT row_number() OVER () AS source_line, json AS raw FROM {scan}"


def is_sse(head: bytes) -> bool:
    """The file is a saved server-sent event stream (`curl -N ... > reply.sse`): its first non-blank
    line is an SSE field (`data:`, `event:`, `id:`, `retry:`) or comment (`:`), as WHATWG HTML
    "Server-sent events" defines them. Its JSON payloads sit on `data:` lines."""
    return text(head).lstrip().startswith((":", "data:", "event:", "id:", "retry:"))


def _sse_lines_sql(f: InputFile) -> str:
    """`lines_sql` of a saved event stream: a `data:` line is its payload; the other fields, the
    comments and OpenAI's `data: [DONE]` terminator (formats-request-logs.md 5a) are no records."""
    payload = "CASE WHEN starts_with(raw, 'data:') THEN trim(substr(raw, 6)) ELSE raw END"
    return (f"SELECT * REPLACE ({payload} AS raw) FROM ({lines_sql(f)}) "
            f"WHERE NOT (regexp_matches(raw, '^(event|id|retry):') OR starts_with(raw, ':') "
            f"OR (starts_with(raw, 'data:') AND trim(substr(raw, 6)) IN ('', '[DONE]')))")


TEXT_FIELDS = ("content", "output_text", "candidates", "env_request")
"""Field names that carry prompt or response text in the JSON formats."""


def text_fields(fields: Mapping[str, str | None], ctx: IngestContext) -> dict[str, str | None]:
    """`fields` with the text fields' paths dropped unless --keep-text: text that is not stored is
    not parsed either (a list of choices or a request body costs more to parse than the usage)."""
    if ctx.keep_text:
        return dict(fields)
    return {k: (None if k in TEXT_FIELDS else v) for k, v in fields.items()}


def text_cols_sql(ctx: IngestContext, prompt: str, response: str) -> str:
    """The columns prompt_text and response_text: the SQL `prompt` and `response` with --keep-text,
    else NULL (the text is stored only when the user asks for it)."""
    if ctx.keep_text:
        return f"{prompt} AS prompt_text, {response} AS response_text"
    return "NULL AS prompt_text, NULL AS response_text"


def json_lines_sql(f: InputFile, fields: Mapping[str, str | None], candidate: str | None = None) -> str:
    """Records parsed once as JSON; each `fields` name becomes a VARCHAR column from its JSON path.

    A saved server-sent event stream (`is_sse`) is read as its `data:` payloads.

    Columns: source_line, raw, _json_ok, then the fields (None paths give NULL). Invalid JSON gives
    `_json_ok = false` so the caller can quarantine the line. With `f.fast_json` the file is read
    by read_json (no line numbers and no raw text, and an error instead of
    `_json_ok = false`: the loader then retries on the line path).

    `candidate`, a SQL condition on `raw` (a substring test), leaves out the lines that fail it
    and are valid JSON objects (`json_valid` accepts exactly the lines the extraction parses):
    they are never extracted. Give one only when the caller's query drops a valid line whose
    fields are all NULL (a transcript's user lines); invalid lines still come through, with
    `_json_ok = false`, for the quarantine.
    """
    sse = is_sse(f.head)
    if f.fast_json and not f.batch and not sse and not json_document(f.head):
        try:
            return _read_json_sql(f, fields)
        except ValueError:
            pass  # a path read_json cannot express: use the line path
    present = {n: p for n, p in fields.items() if p is not None}
    names = list(present)
    absent = [n for n, p in fields.items() if p is None]
    paths = "[" + ", ".join(sql_str(p) for p in present.values()) + "]"
    cols = ", ".join(
        [f"_v[{i + 1}] AS {n}" for i, n in enumerate(names)] + [f"NULL::VARCHAR AS {n}" for n in absent]
    )
    # a line that is no candidate is left out when it is a valid JSON object (its fields would
    # all be NULL, and the caller drops such a line); an invalid one goes on, to be quarantined
    src = _sse_lines_sql(f) if sse else lines_sql(f)  # a saved event stream: its `data:` payloads
    keep = (f" WHERE {candidate} OR NOT coalesce(starts_with(ltrim(raw), '{{') AND json_valid(raw), false)"
            if candidate is not None else "")
    return (
        f"SELECT source_line, raw, {batch_cols(f)}_v IS NOT NULL AS _json_ok, {cols} FROM ("
        f"SELECT source_line, raw, {batch_cols(f)}CASE WHEN starts_with(ltrim(raw), '{{') "
        f"THEN try(json_extract_string(raw, {paths})) END AS _v FROM ({src}){keep})"
    )


_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\[(\d+)\])?$")


def _read_json_sql(f: InputFile, fields: Mapping[str, str | None]) -> str:
    """The read_json form of json_lines_sql: a typed column spec built from the JSON paths."""
    tree: dict[str, Any] = {}
    access: dict[str, str] = {}
    for name, path in fields.items():
        if path is None:
            continue
        if not path.startswith("$."):
            raise ValueError(path)
        node = tree
        expr = ""
        segments = path[2:].split(".")
        for i, seg in enumerate(segments):
            m = _SEGMENT.match(seg)
            if not m:
                raise ValueError(path)
            key, index = m.group(1), m.group(3)
            last = i == len(segments) - 1
            want = ("list" if index is not None else "struct") if not last or index is not None else "leaf"
            entry = node.setdefault(key, {"kind": want, "children": {}})
            if entry["kind"] != want:
                raise ValueError(path)  # the same key used as a value and as an object
            expr = f'"{key}"' if not expr else f'{expr}."{key}"'
            if index is not None:
                expr = f"{expr}[{int(index) + 1}]"
                if last:
                    entry["leaf_in_list"] = True
            node = entry["children"]
        access[name] = expr

    def type_of(entry: dict[str, Any]) -> str:
        if entry["kind"] == "leaf" or (entry.get("leaf_in_list") and not entry["children"]):
            inner = "VARCHAR"
        else:
            inner = "STRUCT(" + ", ".join(f'"{k}" {type_of(v)}' for k, v in entry["children"].items()) + ")"
        return f"{inner}[]" if entry["kind"] == "list" else inner

    spec = "{" + ", ".join(f"{sql_str(k)}: {sql_str(type_of(v))}" for k, v in tree.items()) + "}"
    comp = "gzip" if f.gzip else "none"
    cols = ", ".join(
        [f"{access[n]} AS {n}" for n in fields if fields[n] is not None]
        + [f"NULL::VARCHAR AS {n}" for n in fields if fields[n] is None]
    )
    return (
        # No line number: row_number() OVER () would make the parse single-threaded (3x slower
        # on 1 GB). Rows kept from this path all carry the source's own unique id (the loader
        # falls back to the line path otherwise), which is how such a row is found in its file.
        f"SELECT NULL::BIGINT AS source_line, NULL::VARCHAR AS raw, true AS _json_ok, {cols} "
        f"FROM read_json({f.sql_path()}, format='newline_delimited', columns={spec}, compression='{comp}', "
        f"maximum_object_size={MAX_LINE})"
    )


class JsonFields:
    """SQL for the values at JSON paths of one JSON column (a whole-document format's record)."""

    def __init__(self, column: str) -> None:
        self.column = column

    def text(self, path: str) -> str:
        """The value at `path` as VARCHAR (NULL when absent)."""
        return f"json_extract_string({self.column}, {sql_str(path)})"

    def count(self, path: str) -> str:
        """The value at `path` as a BIGINT token count (NULL when absent or not a whole number)."""
        return int_sql(self.text(path))

    def bad_counts(self, paths: Iterable[str]) -> str:
        """True when any of `paths` holds a value that is not a whole number (to quarantine)."""
        return " OR ".join(f"({self.text(p)} IS NOT NULL AND {self.count(p)} IS NULL)" for p in paths)


def gateway_provider_sql(expr: str) -> str:
    """A gateway's provider name (Helicone's upper-case names, Portkey's slugs) as the billing
    provider the price catalog knows: Azure, Bedrock and Vertex/Gemini variants folded; empty = NULL."""
    p = f"lower(trim({expr}))"
    return (f"CASE WHEN {p} LIKE 'azure%' THEN 'azure' WHEN {p} IN ('bedrock', 'aws', 'aws-bedrock') THEN 'aws' "
            f"WHEN {p} IN ('google', 'gemini', 'vertex', 'vertex-ai') THEN 'google' ELSE nullif({p}, '') END")


def model_vendor_sql(expr: str) -> str:
    """SQL: the provider whose model a name is (`claude*` anthropic, `gemini*` google, `gpt*`, `o1`..,
    `chatgpt*`, `text-embedding*` openai), NULL for any other name: for a source that names the
    model but not who serves it (a gateway's row, a coding agent's own log)."""
    return (f"CASE WHEN {expr} LIKE 'claude%' THEN 'anthropic' WHEN {expr} LIKE 'gemini%' THEN 'google' "
            f"WHEN regexp_matches({expr}, '^(gpt|o[0-9]|chatgpt|text-embedding)') THEN 'openai' END")


def ts_sql(expr: str) -> str:
    """SQL parsing a VARCHAR timestamp: ISO 8601 (zone optional, UTC assumed), or epoch s/ms/us/ns.

    A number (`-?[0-9]+(.[0-9]+)?` once trimmed) is read as an epoch, seconds tested first (the
    common case: an API body's `created`); anything else takes the cheap path (one cast), then is
    tried as text with more than six fractional digits. A number never casts to TIMESTAMPTZ
    (DuckDB wants a date with separators; tests/ingest_logs/test_ts_sql.py checks it), so
    testing for a number first gives what trying the cast first gave: an epoch `created` used to
    pay for a failed cast and for parsing its text as a DOUBLE five times (0.56 s of CPU for
    625,000 rows; 0.30 s now, issue 22).
    """
    e = f"trim({expr})"
    num = f"TRY_CAST({e} AS DOUBLE)"
    # the ranges partition the numbers (a NULL `num` gives NULL in every branch)
    epoch = (
        f"(CASE WHEN abs({num}) < 1e11 THEN make_timestamptz(TRY_CAST({num} * 1000000 AS BIGINT)) "
        f"WHEN abs({num}) >= 1e17 THEN make_timestamptz(TRY_CAST(TRY_CAST({e} AS HUGEINT) // 1000 AS BIGINT)) "
        f"WHEN abs({num}) >= 1e14 THEN make_timestamptz(TRY_CAST({num} AS BIGINT)) "
        f"ELSE make_timestamptz(TRY_CAST({num} * 1000 AS BIGINT)) END)"
    )
    long_fraction = (
        f"TRY_CAST(left({e}, 26) || regexp_extract(substr({e}, 27), '([zZ]|[+-][0-9:]+)$') AS TIMESTAMPTZ)"
    )
    # DuckDB takes any offset (`+25:00` became the day before, 08:00Z): one no zone has is no time
    text = (f"CASE WHEN {bad_offset_sql(e)} THEN NULL "
            f"ELSE coalesce(TRY_CAST({expr} AS TIMESTAMPTZ), {long_fraction}) END")
    # a time of day (`:`) is no number: ISO text skips the regular expression
    return (
        f"(CASE WHEN contains({expr}, ':') THEN {text} "
        f"WHEN regexp_full_match({e}, '-?[0-9]+(\\.[0-9]+)?') THEN coalesce({epoch}, {long_fraction}) "
        f"ELSE {text} END)"
    )


def bad_offset_sql(expr: str) -> str:
    """SQL: true when a VARCHAR ISO timestamp ends in a UTC offset no time zone has: more than 14
    hours (the tz database spans -12:00 to +14:00) or 60 minutes or more (`+25:00`, `-03:75`).
    DuckDB's cast accepts such offsets and moves the time; `ts_sql` gives NULL for them instead
    (the row is quarantined), and a format can name the reason with this test."""
    pattern = "[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)? ?[+-]([0-9]{2}):?([0-9]{2})$"
    off = f"regexp_extract({expr}, '{pattern}', ['h', 'm'])"
    # the regular expression only where the text ends in a sign and digits (not `Z`, not a date)
    tail = f"right({expr}, 6)"
    return (f"coalesce((contains({tail}, '+') OR contains({tail}, '-')) "
            f"AND (TRY_CAST({off}.h AS INTEGER) > 14 OR TRY_CAST({off}.m AS INTEGER) > 59), false)")


def google_model_sql(expr: str) -> str:
    """SQL: a Gemini model name without the API's resource prefix (`models/gemini-2.5-pro` ->
    `gemini-2.5-pro`), so one model is one name in every report.

    The Gemini API names models as resources (`models/{model}`, ai.google.dev API reference
    "Models"); bodies and SDKs write the name with or without it.
    """
    return f"CASE WHEN lower({expr}) LIKE 'models/%' THEN substr({expr}, 8) ELSE {expr} END"


def int_sql(expr: str) -> str:
    """TRY_CAST to BIGINT that also accepts integral floats such as '12.0' and gives NULL for a
    fraction (DuckDB's own cast rounds '1000.7' to 1001): a format that tests `present AND
    int_sql(...) IS NULL` then quarantines a count that is not a whole number."""
    d = f"TRY_CAST({expr} AS DOUBLE)"
    return f"(CASE WHEN {d} = trunc({d}) THEN COALESCE(TRY_CAST({expr} AS BIGINT), TRY_CAST({d} AS BIGINT)) END)"


def anthropic_token_sql() -> str:
    """The token columns of an Anthropic `usage` object (Messages API; Claude Code's `message.usage`)
    from the fields `input_tokens`, `cache_read`, `cache_write`, `write_1h`, `output_tokens` and
    `thinking` of the format's FIELDS (formats-request-logs.md 5d; anthropic-sdk-python
    `types/usage.py`): the cache and reasoning counts are 0 when absent, input and output stay NULL
    (a row without them is an error)."""
    return (
        f"{int_sql('input_tokens')} AS input_tokens, "
        f"coalesce({int_sql('cache_read')}, 0) AS cache_read_tokens, "
        f"coalesce({int_sql('cache_write')}, 0) AS cache_write_tokens, "
        f"coalesce({int_sql('write_1h')}, 0) AS cache_write_1h_tokens, "
        f"{int_sql('output_tokens')} AS output_tokens, "
        f"coalesce({int_sql('thinking')}, 0) AS reasoning_tokens,"
    )


def anthropic_tier_sql(speed: str, tier: str) -> str:
    """SQL: the service tier of Anthropic usage whose speed is `speed` and stated tier `tier` (two
    SQL expressions): 'fast' for fast mode (`speed: "fast"`, billed at its own price,
    https://platform.claude.com/docs/en/build-with-claude/fast-mode#pricing; pricing/catalog.py
    prices it by the catalog's fast variant), else the stated tier."""
    return f"CASE WHEN lower({speed}) = 'fast' THEN 'fast' ELSE {tier} END"


def anthropic_geo_sql(geo: str) -> str:
    """SQL: where Anthropic usage says inference ran (`usage.inference_geo`: "global", "us", or
    "not_available" for a model before Opus 4.6; https://platform.claude.com/docs/en/manage-claude/
    data-residency), lower-cased, NULL when not stated. "us" is priced 1.1x (pricing/catalog.py GEO_FACTORS)."""
    return f"nullif(lower(trim(CAST({geo} AS VARCHAR))), '')"


GEO_CHANGE = ("US-only inference (usage inference_geo \"us\") is stored as inference_geo and priced 1.1x, as "
              "Anthropic bills it; before, it was priced at the global rate")
"""The reader change of each Anthropic format that started storing inference_geo (its `reader_changes`)."""


FAST_MODE_CHANGE = ('fast-mode usage (speed "fast") is stored as service_tier \'fast\' and priced at the fast '
                    "mode's price; before, it was priced at the standard rate")
"""The reader change of each Anthropic format that started reading fast mode (its `reader_changes`)."""


INPUT_NOT_REPORTED = "input_tokens is null or missing (not reported): the request's tokens are unknown, not 0"
"""The quarantine reason of a record that states its output but not its input (`validate.py` for
every format but a snapshot one, whose partial records name it themselves)."""


def is_bad_count(expr: str) -> str:
    """True when a VARCHAR value is present but not a whole number (`abc`, `1000.7`; `1000.0` is
    1000): a count is quarantined, never rounded (`int_sql` gives NULL for it)."""
    return f"({expr} IS NOT NULL AND {int_sql(expr)} IS NULL)"


def unreported_count_sql(inp: str, out: str, in_name: str, out_name: str, *, output_required: bool = True) -> str:
    """SQL: the quarantine reason when a request states one of its two main token counts and leaves
    the other null or missing, else NULL. Such a count is not reported, so unknown: stored as 0 it
    would be priced as $0 (the rule of the OpenAI body format, docs/reliability.md). `inp` and
    `out` are the counts as stated (VARCHAR; NULL when null or missing). With `output_required`
    false only a missing input counts (a source whose embeddings state their input alone)."""
    def reason(name: str) -> str:
        return sql_str(f"{name} is null or missing (not reported): the request's tokens are unknown, not 0")

    out_missing = f" WHEN {out} IS NULL AND {inp} IS NOT NULL THEN {reason(out_name)}" if output_required else ""
    return f"(CASE WHEN {inp} IS NULL AND {out} IS NOT NULL THEN {reason(in_name)}{out_missing} END)"


def token_error_sql(bad: str, inp: str, out: str, total: str, out_name: str) -> str:
    """SQL: the quarantine reason of a coding agent's usage record (Amp, Droid), else NULL: `bad` (SQL,
    true when a count is not a whole number), a record stating only its total (`total`, with `inp`
    and `out` NULL: how much was input is unknown; ccusage counts it all as output), or one main
    count left out (`unreported_count_sql`; a missing input gets `INPUT_NOT_REPORTED`, the reason
    validate.py gives, which a snapshot format states itself; `out_name` names the output field)."""
    return (f"CASE WHEN {bad} THEN 'non-numeric or non-integer token count' "
            f"WHEN {inp} IS NULL AND {out} IS NULL AND coalesce({total}, 0) > 0 "
            "THEN 'only a total token count stated: how much of it was input and how much output is unknown' "
            f"ELSE {unreported_count_sql(inp, out, 'input_tokens', out_name)} END")


def is_bad_number(expr: str) -> str:
    """True when a VARCHAR value is present but not a number."""
    return f"({expr} IS NOT NULL AND TRY_CAST({expr} AS DOUBLE) IS NULL)"


def is_bad_cost(expr: str) -> str:
    """True when a stated cost (VARCHAR) is present but not a number of dollars >= 0."""
    return f"({is_bad_number(expr)} OR TRY_CAST({expr} AS DOUBLE) < 0)"


def agent_cost_sql(expr: str) -> str:
    """SQL: a coding agent's own cost estimate (a VARCHAR of USD) as reported_cost_usd: the amount when
    positive, else NULL: a 0 (a model the agent has no price for, a subscription) is no statement that
    the usage was free, and is left to the price catalog."""
    return f"CASE WHEN TRY_CAST({expr} AS DOUBLE) > 0 THEN TRY_CAST({expr} AS DECIMAL(38, 12)) END"
