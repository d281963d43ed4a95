"""A re-run decides an unchanged file from its `stat` alone (size and mtime as `.filestat.json`
records them with the manifest's hash): the file is not opened. An archive whose every member is
stored is decided so too, as a whole. Anything else is read as before."""

from __future__ import annotations

import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from llmcost.ingest import loader as load_mod
from llmcost.ingest.loader import load


def _session(path: Path, out: int) -> None:
    line = {"parentUuid": None, "type": "assistant", "sessionId": "s1", "requestId": "req_1",
            "timestamp": "2026-10-01T10:00:00Z",
            "message": {"id": "msg_1", "model": "claude-sonnet-4-5-20250929",
                        "usage": {"input_tokens": 10, "output_tokens": out}}}
    path.write_text(json.dumps(line) + "\n")


def _spy_expand(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    real_expand = load_mod.expand

    def spy(path: Path, tmp: Path):  # type: ignore[no-untyped-def]
        opened.append(path)
        return real_expand(path, tmp)

    monkeypatch.setattr(load_mod, "expand", spy)
    return opened


def test_unchanged_file_is_not_opened_on_a_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _session(logs / "a.jsonl", 100)
    load([logs], tmp_path / "store")
    opened = _spy_expand(monkeypatch)
    result = load([logs], tmp_path / "store")
    assert [f.status for f in result.files] == ["unchanged"] and opened == []


def test_same_size_new_content_and_mtime_is_read_again(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    f = logs / "a.jsonl"
    _session(f, 100)
    load([logs], tmp_path / "store")
    st = f.stat()
    _session(f, 200)  # the same length: output 100 -> 200
    assert f.stat().st_size == st.st_size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    result = load([logs], tmp_path / "store")
    assert [(r.status, r.rows_stored) for r in result.files] == [("replaced", 1)]


def test_other_labels_read_an_unchanged_file_again(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _session(logs / "a.jsonl", 100)
    load([logs], tmp_path / "store", labels={"host": "a"})
    assert [r.status for r in load([logs], tmp_path / "store", labels={"host": "a"}).files] == ["unchanged"]
    assert [r.status for r in load([logs], tmp_path / "store", labels={"host": "b"}).files] == ["replaced"]


def _line(msg: str, out: int) -> str:
    return json.dumps({"parentUuid": None, "type": "assistant", "sessionId": "s1", "requestId": f"req_{msg}",
                       "timestamp": "2026-10-01T10:00:00Z",
                       "message": {"id": f"msg_{msg}", "model": "claude-sonnet-4-5-20250929",
                                   "usage": {"input_tokens": 10, "output_tokens": out}}}) + "\n"


def _zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)


def _stored(result: load_mod.LoadResult) -> list[tuple[str, str, int]]:
    return sorted((Path(f.path.split("!")[-1]).name, f.status, f.rows_stored) for f in result.files)


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_unchanged_archive_is_not_extracted_on_a_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      kind: str) -> None:
    """Every member stored at the first run: the re-run takes the archive's size and mtime from the
    file-stat cache and keeps every member as it is, without opening the archive (it extracted every
    archive again to find each member unchanged)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    members = {"p/a.jsonl": _line("1", 100), "p/b.jsonl": _line("2", 200) + _line("3", 300)}
    if kind == "zip":
        _zip(logs / "claude.zip", members)
    else:
        src = tmp_path / "src"
        for name, text in members.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(text)
        with tarfile.open(logs / "claude.tar.gz", "w:gz") as t:
            t.add(src / "p", arcname="p")
    first = load([logs], tmp_path / "store")
    assert _stored(first) == [("a.jsonl", "ingested", 1), ("b.jsonl", "ingested", 2)]
    opened = _spy_expand(monkeypatch)
    again = load([logs], tmp_path / "store")
    assert opened == []
    assert sorted(f.path for f in again.files) == sorted(f.path for f in first.files)
    assert {f.status for f in again.files} == {"unchanged"}
    assert {f.ingestor for f in again.files} == {"claude_code_jsonl"}


def test_a_rewritten_archive_is_extracted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new size or mtime: the archive is opened and each member decided as before (the changed one
    replaced, the other unchanged); then cached again."""
    logs = tmp_path / "logs"
    logs.mkdir()
    z = logs / "claude.zip"
    _zip(z, {"a.jsonl": _line("1", 100), "b.jsonl": _line("2", 200)})
    load([logs], tmp_path / "store")
    st = z.stat()
    _zip(z, {"a.jsonl": _line("1", 100), "b.jsonl": _line("2", 900)})
    os.utime(z, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    opened = _spy_expand(monkeypatch)
    assert _stored(load([logs], tmp_path / "store")) == [("a.jsonl", "unchanged", 0), ("b.jsonl", "replaced", 1)]
    assert opened == [z]
    opened.clear()
    assert {f.status for f in load([logs], tmp_path / "store").files} == {"unchanged"}
    assert opened == []


def test_an_archive_with_a_member_not_stored_is_read_every_run(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A member that is in no format is said at every run, as a loose file of no format is: the
    archive is not skipped while the store lacks one of its members."""
    logs = tmp_path / "logs"
    logs.mkdir()
    _zip(logs / "mixed.zip", {"a.jsonl": _line("1", 100), "other.csv": "colour,size\nred,2\n"})
    first = load([logs], tmp_path / "store")
    assert sorted(f.status for f in first.files) == ["ingested", "unrecognised"]
    opened = _spy_expand(monkeypatch)
    again = load([logs], tmp_path / "store")
    assert sorted(f.status for f in again.files) == ["unchanged", "unrecognised"]
    assert opened == [logs / "mixed.zip"]


def test_other_labels_read_an_unchanged_archive_again(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _zip(logs / "claude.zip", {"a.jsonl": _line("1", 100)})
    load([logs], tmp_path / "store", labels={"host": "a"})
    assert [r.status for r in load([logs], tmp_path / "store", labels={"host": "a"}).files] == ["unchanged"]
    assert [r.status for r in load([logs], tmp_path / "store", labels={"host": "b"}).files] == ["replaced"]


def test_a_cache_written_before_archives_were_cached_still_skips_files(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The first version of .filestat.json (the files' table alone) is still read."""
    logs = tmp_path / "logs"
    logs.mkdir()
    _session(logs / "a.jsonl", 100)
    load([logs], tmp_path / "store")
    cache = tmp_path / "store" / ".filestat.json"
    cache.write_text(json.dumps(json.loads(cache.read_text())["files"]))
    opened = _spy_expand(monkeypatch)
    assert [f.status for f in load([logs], tmp_path / "store").files] == ["unchanged"] and opened == []


def _opencode_home(root: Path) -> Path:
    """An OpenCode data folder: one reply and its message parts (side files no format reads)."""
    share = root / ".local" / "share" / "opencode"
    msg = share / "storage" / "message" / "ses_1" / "msg_1.json"
    msg.parent.mkdir(parents=True)
    msg.write_text(json.dumps({"id": "msg_1", "sessionID": "ses_1", "role": "assistant",
                               "time": {"created": 1764932400000}, "modelID": "claude-sonnet-4-5-20250929",
                               "providerID": "anthropic", "tokens": {"input": 10, "output": 5, "reasoning": 0,
                                                                    "cache": {"read": 0, "write": 0}}}))
    for k in range(3):
        part = share / "storage" / "part" / "msg_1" / f"prt_{k}.json"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_text(json.dumps({"id": f"prt_{k}", "sessionID": "ses_1", "messageID": "msg_1", "type": "text",
                                    "text": "a step"}))
    return share


def test_a_companion_is_not_opened_again_on_a_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenCode keeps several part files per message beside its message files; no format reads them
    (companions). A re-run used to open each and ask every format again (12,150 of them: 8.7 s of
    a run that changed nothing); now a companion whose size and mtime are as the last run found
    them is not opened, and says the same. A changed one, or a tool whose formats differ, asks again."""
    share = _opencode_home(tmp_path)
    store = tmp_path / "store"
    first = load([share], store)
    why = {Path(f.path).name: f.message for f in first.files if f.status == "companion"}
    assert sorted(why) == ["prt_0.json", "prt_1.json", "prt_2.json"]
    opened = _spy_expand(monkeypatch)
    again = load([share], store)
    assert opened == []
    assert sorted((Path(f.path).name, f.status, f.message) for f in again.files) == [
        ("msg_1.json", "unchanged", None), *[(n, "companion", why[n]) for n in sorted(why)]]
    part = share / "storage" / "part" / "msg_1" / "prt_1.json"
    part.write_text(part.read_text() + " ")  # changed: asked again
    load([share], store)
    assert [p.name for p in opened] == ["prt_1.json"]
    from llmcost.ingest import filestat

    monkeypatch.setattr(filestat, "readers_signature", lambda: "another tool's formats")
    opened.clear()
    load([share], store)
    assert sorted(p.name for p in opened) == ["prt_0.json", "prt_1.json", "prt_2.json"]
