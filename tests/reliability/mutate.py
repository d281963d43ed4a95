"""Hostile variants of the fixture inputs, for the fuzz suite and bench/fuzz_long.py.

Every registered format is seeded from its fixture folder (tests/fixtures/ingest/<name>/) and
each mutant stacks one to three mutations: truncated files and lines, wrong encodings and
byte-order marks, CRLF, huge lines, deep nesting, wrong types, negative and absurd token counts,
future and pre-1970 timestamps, duplicate keys, empty files, flipped bytes, and names that carry
markup, control sequences or spreadsheet formulas (tests/reliability/hostile.py) in string values;
`write_hostile_tree` adds file names that are not UTF-8 or carry the same, FIFOs, sockets, devices,
dangling links and link loops. Seeded
`random.Random` keeps every case reproducible from (seed, format, index).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import socket
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmcost.ingest.files import NOT_DATA
from tests.reliability.hostile import NAMES, SECRET_VALUES

HOSTILE_NAMES = NAMES + SECRET_VALUES
"""What the name mutations put in string values: active text (markup, escapes, formulas, HTML) and
secrets of every common format (which must come out masked)."""

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"

# Values a hostile or broken log may hold where a number, a string or a timestamp belongs.
ODD_VALUES: list[Any] = [
    -1, -(10**9), 0, 10**12, 10**18, 2**63, 2**64, -(2**63) - 1, 1e308, -1e-308, 3.5, "NaN", "Infinity",
    "-5", "1e999", "", " ", "ten", "12,000", None, True, False, [], {}, [1, 2], {"a": {"b": 1}},
    "2999-12-31T23:59:59Z", "1969-12-31T23:59:59Z", "1900-01-01", "0000-00-00T00:00:00Z",
    -86400, 253402300800, 99999999999999999, "2026-13-45T25:61:61Z", "\u0000", "\ud83d\ude00" * 50,
    "x" * 5000, "'; DROP TABLE usage; --", "\\", "\"", "\r\n", "sk-proj-" + "A" * 40,
]


def inputs(name: str) -> list[Path]:
    folder = FIXTURES / name
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith("input"))


def siblings(name: str) -> list[Path]:
    """Files a format reads beside its input (e.g. a Langfuse traces export)."""
    folder = FIXTURES / name
    return sorted(p for p in folder.iterdir() if not p.name.startswith(("input", "expected")))


# ---- structure-aware helpers ----------------------------------------------------------------------

def _leaves(obj: Any, path: tuple = ()) -> list[tuple]:
    out: list[tuple] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _leaves(v, (*path, k)) or [(*path, k)]
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _leaves(v, (*path, i)) or [(*path, i)]
    return out


def _set(obj: Any, path: tuple, value: Any) -> None:
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def _mutate_json_value(r: random.Random, obj: Any) -> Any:
    leaves = _leaves(obj)
    if not leaves:
        return r.choice(ODD_VALUES)
    for _ in range(r.randint(1, 3)):
        _set(obj, r.choice(leaves), r.choice(ODD_VALUES))
    return obj


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _json_line(r: random.Random, data: bytes) -> bytes:
    """Change 1-3 values of one JSON line (or of a whole JSON document) to odd values."""
    lines = _lines(data)
    idx = [i for i, x in enumerate(lines) if x.strip().startswith((b"{", b"["))]
    if not idx:
        return _byte_flip(r, data)
    if len(idx) == 1 and len(lines) <= 3:  # a JSON document
        i = idx[0]
    else:
        i = r.choice(idx)
    try:
        doc = json.loads(b"\n".join(lines[i:]) if len(idx) == 1 and len(lines) <= 3 else lines[i])
    except (ValueError, RecursionError):
        try:
            doc = json.loads(data)
            return json.dumps(_mutate_json_value(r, doc)).encode()
        except (ValueError, RecursionError):
            return _byte_flip(r, data)
    lines[i] = json.dumps(_mutate_json_value(r, doc), allow_nan=True).encode()
    return b"\n".join(lines)


def _json_document(r: random.Random, data: bytes) -> bytes:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return _json_line(r, data)
    return json.dumps(_mutate_json_value(r, doc)).encode()


def _duplicate_key(r: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    idx = [i for i, x in enumerate(lines) if x.strip().startswith(b"{")]
    if not idx:
        return data
    i = r.choice(idx)
    try:
        obj = json.loads(lines[i])
    except (ValueError, RecursionError):
        return data
    if not isinstance(obj, dict) or not obj:
        return data
    key = r.choice(list(obj))
    extra = json.dumps({key: r.choice(ODD_VALUES)})[1:-1].encode()
    body = lines[i].rstrip()
    lines[i] = body[:-1] + b", " + extra + b"}" if body.endswith(b"}") else body
    return b"\n".join(lines)


def _string_leaves(obj: Any) -> list[tuple]:
    return [p for p in _leaves(obj) if isinstance(_get(obj, p), str)]


def _get(obj: Any, path: tuple) -> Any:
    for p in path:
        obj = obj[p]
    return obj


def _json_names(r: random.Random, data: bytes) -> bytes:
    """1-3 string values of 1-3 JSON records (preferring model and project fields) set to hostile
    names; the records stay valid, so the names reach the store and the reports."""
    lines = _lines(data)
    idx = [i for i, x in enumerate(lines) if x.strip().startswith((b"{", b"["))]
    docs: list[tuple[int | None, Any]] = []
    if (len(idx) == 1 and len(lines) <= 3) or not idx:
        try:
            docs = [(None, json.loads(data))]
        except (ValueError, RecursionError):
            return data
    else:
        for i in r.sample(idx, min(len(idx), r.randint(1, 3))):
            try:
                docs.append((i, json.loads(lines[i])))
            except (ValueError, RecursionError):
                continue
    for i, doc in docs:
        leaves = _string_leaves(doc)
        named = [p for p in leaves if any(k in str(p[-1]).lower() for k in ("model", "project", "name", "user"))]
        for p in r.sample(named or leaves, min(len(named or leaves), r.randint(1, 3))):
            _set(doc, p, r.choice(HOSTILE_NAMES))
        if i is None:
            return json.dumps(doc).encode()
        lines[i] = json.dumps(doc).encode()
    return b"\n".join(lines)


def _csv_names(r: random.Random, data: bytes) -> bytes:
    """1-3 cells of a CSV file set to hostile names, quoted as a CSV writer quotes them."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return data
    body = [i for i, row in enumerate(rows) if i and row]
    for _ in range(r.randint(1, 3) if body else 0):
        row = rows[r.choice(body)]
        row[r.randrange(len(row))] = r.choice(HOSTILE_NAMES)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _csv_cell(r: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) < 2:
        return _byte_flip(r, data)
    i = r.randint(1, max(1, len(lines) - 1))
    cells = lines[i].split(b",")
    j = r.randrange(len(cells))
    value = r.choice(ODD_VALUES)
    cells[j] = (json.dumps(value) if not isinstance(value, str) else value).encode("utf-8", "surrogatepass")
    if r.random() < 0.2:
        cells.append(b"extra")
    elif r.random() < 0.2 and len(cells) > 1:
        cells.pop()
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


# ---- byte-level mutations -------------------------------------------------------------------------

def _truncate(r: random.Random, data: bytes) -> bytes:
    return data[: r.randint(0, max(0, len(data) - 1))]


def _truncate_line(r: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = r.randrange(len(lines))
    lines[i] = lines[i][: r.randint(0, len(lines[i]))]
    return b"\n".join(lines)


def _crlf(r: random.Random, data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _bare_cr(r: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", b"\r")


def _bom(r: random.Random, data: bytes) -> bytes:
    return r.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"]) + data


def _utf16(r: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode(r.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32"]))


def _latin1(r: random.Random, data: bytes) -> bytes:
    pos = r.randint(0, len(data))
    return data[:pos] + r.choice([b"\xe9", b"\xff\xfe\xfd", b"\xc3\x28", b"\x80\x81", b"\xed\xa0\x80"]) + data[pos:]


def _nul(r: random.Random, data: bytes) -> bytes:
    pos = r.randint(0, len(data))
    return data[:pos] + b"\x00" * r.randint(1, 64) + data[pos:]


def _byte_flip(r: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([r.randrange(256)])
    b = bytearray(data)
    for _ in range(r.randint(1, 8)):
        b[r.randrange(len(b))] = r.randrange(256)
    return bytes(b)


def _drop_dup_shuffle(r: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    head, body = lines[:1], lines[1:]
    choice = r.randrange(3)
    if choice == 0 and body:
        del body[r.randrange(len(body))]
    elif choice == 1 and body:
        body.insert(r.randrange(len(body) + 1), r.choice(body))
    else:
        r.shuffle(body)
    return b"\n".join(head + body)


def _huge_line(r: random.Random, data: bytes) -> bytes:
    size = r.choice([70_000, 1_000_000, 3_000_000])
    filler = r.choice([b"x" * size, b'{"a": "' + b"y" * size + b'"}', b"[" * (size // 10), b",,,," * (size // 4)])
    lines = _lines(data)
    lines.insert(r.randint(0, len(lines)), filler)
    return b"\n".join(lines)


def _deep_nesting(r: random.Random, data: bytes) -> bytes:
    depth = r.choice([100, 1000, 100_000])
    blob = b'{"a":' * depth + b"1" + b"}" * depth if r.random() < 0.5 else b"[" * depth + b"]" * depth
    lines = _lines(data)
    lines.insert(r.randint(0, len(lines)), blob)
    return b"\n".join(lines)


def _empty(r: random.Random, data: bytes) -> bytes:
    return r.choice([b"", b"\n", b"   \n\n\t", b"\xef\xbb\xbf", b"{}", b"[]", b"null", _lines(data)[0] + b"\n"])


def _blank_lines(r: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", b"\n\n \n", r.randint(1, 5))


BYTE_MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    _truncate, _truncate_line, _crlf, _bare_cr, _bom, _utf16, _latin1, _nul, _byte_flip, _drop_dup_shuffle,
    _huge_line, _deep_nesting, _empty, _blank_lines,
]
JSON_MUTATIONS = [_json_line, _json_line, _json_line, _json_document, _duplicate_key, _json_names]
CSV_MUTATIONS = [_csv_cell, _csv_cell, _csv_cell, _csv_names]


def _sqlite(r: random.Random, src: Path, dest: Path) -> None:
    """A copy of an SQLite input with odd values written into random cells (or bytes flipped)."""
    if r.random() < 0.3:
        data = src.read_bytes()
        dest.write_bytes(r.choice([_truncate, _byte_flip, _nul, _empty])(r, data))
        return
    dest.write_bytes(src.read_bytes())
    con = sqlite3.connect(dest)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for _ in range(r.randint(1, 4)):
            t = r.choice(tables)
            try:
                cols = [c[1] for c in con.execute(f'PRAGMA table_info("{t}")')]
            except sqlite3.DatabaseError:
                # an earlier odd value in an FTS shadow table (responses_fts_config) breaks the
                # virtual table's constructor: the mutant is still a fine input, mutate elsewhere
                continue
            if not cols:
                continue
            c = r.choice(cols)
            v = r.choice(ODD_VALUES)
            if isinstance(v, (list, dict)):
                v = json.dumps(v)
            if isinstance(v, int) and abs(v) >= 2**63:
                v = str(v)
            try:
                con.execute(f'UPDATE "{t}" SET "{c}" = ? WHERE rowid IN (SELECT rowid FROM "{t}" ORDER BY random() '
                            "LIMIT 1)", (v,))
            except (sqlite3.Error, UnicodeEncodeError):
                pass
        con.commit()
    finally:
        con.close()


def mutant(r: random.Random, src: Path, dest: Path) -> list[str]:
    """Write one mutant of `src` to `dest`; return the names of the mutations applied."""
    if src.suffix in (".sqlite", ".db", ".sqlite3"):
        _sqlite(r, src, dest)
        return ["sqlite"]
    data = src.read_bytes()
    is_json = data.lstrip()[:1] in (b"{", b"[")
    pool = BYTE_MUTATIONS + (JSON_MUTATIONS * 2 if is_json else CSV_MUTATIONS * 2)
    applied = []
    for _ in range(r.choice([1, 1, 2, 3])):
        m = r.choice(pool)
        data = m(r, data)
        applied.append(m.__name__.lstrip("_"))
    dest.write_bytes(data)
    return applied


def write_mutants(name: str, count: int, seed: int, out: Path) -> list[tuple[Path, list[str]]]:
    """`count` mutants of the format's fixture inputs in `out` (siblings copied beside them)."""
    out.mkdir(parents=True, exist_ok=True)
    for s in siblings(name):
        (out / s.name).write_bytes(s.read_bytes())
    seeds = inputs(name)
    r = random.Random(f"{seed}:{name}")
    made = []
    for i in range(count):
        src = seeds[i % len(seeds)]
        dest = out / f"m{i:05d}_{src.name}"
        made.append((dest, mutant(r, src, dest)))
    return made


# ---- hostile names and files in one tree ------------------------------------------------------------

NAME_PARTS = [b"caf\xe9", b"\xff\xfe", b"\x1b]0;title\x07", b"\x1b]52;c;aGk=\x07", b"\x1b]8;;https:x\x1b\\",
              b"[link=https:x]y", b"[red]", b"=cmd", b"-2+3", b"+1", b"@SUM(A1)", b"<img src=x onerror=alert(1)>",
              b"a\nb", b"a\rb", b"\tt", b"|#", b"x\x9by", b"x?*", b"{a,b}", b"%23#?",
              b"ghp_R8x2Kq9LmZ4vT7wN1pYc3bF6hJ0sD5gA2eU4", b"AKIAZ7Q3R5T8W2Y4U6I9", b"xoxb-2213-88812-Zk4mQ9rT2vX7pL"]
"""Pieces of file and folder names: bytes that are not UTF-8, escape sequences, markup, formula
starts, HTML, line breaks, glob and URI characters, secrets (hostile.SECRETS; no '/', no NUL: a name
cannot hold them)."""


_SQLITE_NAME_UPDATES = {
    # simonw/llm's logs.db: the model column
    ("responses", "model"): "UPDATE responses SET model = ? "
                            "WHERE rowid IN (SELECT rowid FROM responses ORDER BY random() LIMIT 2)",
    # OpenCode's opencode.db: the model inside each message's JSON
    ("message", "data"): "UPDATE message SET data = json_set(data, '$.modelID', ?) "
                         "WHERE rowid IN (SELECT rowid FROM message WHERE json_valid(data) ORDER BY random() LIMIT 2)",
    # Goose's sessions.db: the model inside model_config_json, the project in working_dir
    ("sessions", "model_config_json"): (
        "UPDATE sessions SET model_config_json = json_set(model_config_json, '$.model_name', ?) WHERE rowid IN "
        "(SELECT rowid FROM sessions WHERE json_valid(model_config_json) ORDER BY random() LIMIT 2)"),
    ("sessions", "working_dir"): "UPDATE sessions SET working_dir = ? "
                                 "WHERE rowid IN (SELECT rowid FROM sessions ORDER BY random() LIMIT 2)",
    # Hermes' state.db: the model and the project's workspace
    ("sessions", "model"): "UPDATE sessions SET model = ? "
                           "WHERE rowid IN (SELECT rowid FROM sessions ORDER BY random() LIMIT 2)",
    ("sessions", "project_workspace"): "UPDATE sessions SET project_workspace = ? "
                                       "WHERE rowid IN (SELECT rowid FROM sessions ORDER BY random() LIMIT 2)",
}
"""Per (table, column) a database fixture may have: the update that puts a hostile name where a
report shows it."""


def _sqlite_names(r: random.Random, src: Path, dest: Path) -> None:
    dest.write_bytes(src.read_bytes())
    con = sqlite3.connect(dest)
    try:
        tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        have = {(t, c) for t in tables for (c,) in con.execute(f"SELECT name FROM pragma_table_info('{t}')")}
        updates = [sql for key, sql in _SQLITE_NAME_UPDATES.items() if key in have]
        assert updates, f"{src}: no column of {sorted(_SQLITE_NAME_UPDATES)} to put names in"
        for _ in range(r.randint(1, 3)):
            con.execute(r.choice(updates), (r.choice(HOSTILE_NAMES),))
        con.commit()
    finally:
        con.close()


def named_mutant(r: random.Random, src: Path, dest: Path) -> list[str]:
    """A mutant whose string values carry hostile names: mostly only that (so the names reach the
    reports), sometimes with one other mutation on top."""
    if src.suffix in (".sqlite", ".db", ".sqlite3"):
        _sqlite_names(r, src, dest)
        return ["sqlite_names"]
    data = src.read_bytes()
    m = _json_names if data.lstrip()[:1] in (b"{", b"[") else _csv_names
    data = m(r, data)
    applied = [m.__name__.lstrip("_")]
    if r.random() < 0.3:
        extra = r.choice(BYTE_MUTATIONS)
        data = extra(r, data)
        applied.append(extra.__name__.lstrip("_"))
    dest.write_bytes(data)
    return applied


def write_hostile_tree(formats: list[str], per_format: int, seed: int, out: Path) -> dict[str, int]:
    """Mutants of `formats` with hostile names in their values, under hostile file names, in one
    folder per format whose name is hostile too, plus FIFOs, a socket, a device (when the user may
    make one), dangling links and link loops. Returns how many entries of each kind it made
    ("files": regular files, including the formats' sibling files; "special": the rest)."""
    r = random.Random(f"{seed}:tree")
    root = os.fsencode(out)
    os.makedirs(root, exist_ok=True)
    counts = {"files": 0, "special": 0}
    for k, name in enumerate(formats):
        folder = root + b"/" + r.choice(NAME_PARTS) + f"-{k:02d}-{name}".encode()
        os.makedirs(folder)
        for s in siblings(name):
            if s.name.lower().endswith(NOT_DATA):
                continue  # never read from a walked folder (docs, code)
            with open(folder + b"/" + s.name.encode(), "wb") as fh:
                fh.write(s.read_bytes())
            counts["files"] += 1
        seeds = inputs(name)
        for i in range(per_format):
            src = seeds[i % len(seeds)]
            dest = folder + b"/" + r.choice(NAME_PARTS) + f"-m{i:03d}_{src.name}".encode()
            named_mutant(r, src, Path(os.fsdecode(dest)))
            counts["files"] += 1
    specials = root + b"/" + b"special-" + r.choice(NAME_PARTS)
    os.makedirs(specials)
    for i in range(2):
        os.mkfifo(specials + f"/pipe{i}-".encode() + r.choice(NAME_PARTS) + b".jsonl")
        os.symlink(b"/nonexistent/" + r.choice(NAME_PARTS), specials + f"/dangling{i}-".encode() + r.choice(NAME_PARTS))
        counts["special"] += 2
    os.symlink(b"loop-b", specials + b"/loop-a")
    os.symlink(b"loop-a", specials + b"/loop-b")
    counts["special"] += 2
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(os.fsdecode(specials + b"/agent.sock"))
    sock.close()  # the socket file stays
    counts["special"] += 1
    try:
        os.mknod(specials + b"/zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))
        counts["special"] += 1
    except PermissionError:
        pass
    return counts


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="llmcost-fuzz-"))
