"""The file-stat cache beside the manifest: a re-run skips an unchanged file, or a whole unchanged
archive, without reading it.

Only a cache, never the commit: an entry whose hash is not the manifest's, or an archive with a
member the manifest does not hold, is ignored, so a run killed before it writes the cache costs one
hash per file (one extraction per archive) on the next run."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmcost.storage.store import Manifest

FILESTAT = ".filestat.json"
"""Beside the manifest: the size, modification time (ns) and sha256 of each file when a run last
read it, and the size, modification time and member keys of each archive (.zip, tar) whose every
member the manifest holds, so a re-run skips unchanged files and archives without reading them."""
_VERSION = 2
"""Version 1 was the files' table alone (key -> [size, mtime_ns, sha256]); it is still read."""


@dataclass
class FileStat:
    files: dict[str, list[Any]] = field(default_factory=dict)
    """File key -> [size, mtime_ns, sha256]."""
    archives: dict[str, list[Any]] = field(default_factory=dict)
    """Archive key -> [size, mtime_ns, [member keys]]."""
    companions: dict[str, list[Any]] = field(default_factory=dict)
    """Companion file key -> [size, mtime_ns, why] (a file no format reads, beside those that are:
    an agent's session index, OpenCode's message parts), valid for the formats of `readers`."""
    readers: str = ""
    """The formats and reader versions that found the companions (`readers_signature`): a tool
    whose formats differ asks each companion again."""


def read_filestat(root: Path) -> FileStat:
    try:
        data = json.loads((root / FILESTAT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FileStat()
    if not isinstance(data, dict):
        return FileStat()
    if data.get("version") != _VERSION:
        return FileStat(files=data)
    files, archives, companions = data.get("files"), data.get("archives"), data.get("companions")
    readers = data.get("readers")
    return FileStat(files=files if isinstance(files, dict) else {},
                    archives=archives if isinstance(archives, dict) else {},
                    companions=companions if isinstance(companions, dict) and readers == readers_signature() else {},
                    readers=readers_signature())


def readers_signature() -> str:
    """The known formats with their reader versions: a companion found by other formats (an older
    or newer tool, a format added since) may be read by one now."""
    from llmcost import ingest

    return ",".join(f"{n}:{ing.reader_version}" for n, ing in sorted(ingest.registry().items()))


def companion_why(cached: FileStat, key: str, size: int, mtime_ns: int) -> str | None:
    """Why the file at `key` is a companion, when the cache holds it with this size and modification
    time (as the last run found it), else None."""
    entry = cached.companions.get(key)
    if (isinstance(entry, list) and len(entry) == 3 and entry[:2] == [size, mtime_ns]
            and isinstance(entry[2], str)):
        return entry[2]
    return None


def _members(entry: Any) -> list[str] | None:
    """The member keys of an archive's cache entry ([size, mtime_ns, [keys]]), None when it is not one."""
    if (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], list) and entry[2]
            and all(isinstance(m, str) for m in entry[2])):
        return entry[2]
    return None


def archive_members(cached: FileStat, key: str, size: int, mtime_ns: int) -> list[str] | None:
    """The member keys of archive `key` when the cache holds it with this size and modification
    time (the archive is as the last run that read it left it), else None."""
    entry = cached.archives.get(key)
    members = _members(entry)
    if entry is None or members is None or entry[:2] != [size, mtime_ns]:
        return None
    return members


def write_filestat(root: Path, before: FileStat, seen: dict[str, tuple[int, int]],
                   archives: dict[str, tuple[int, int, list[str]]], manifest: Manifest,
                   companions: dict[str, tuple[int, int, str]] | None = None) -> None:
    """Record (size, mtime_ns, sha256) of the files a run saw (`seen`: key -> (size, mtime_ns)),
    and (size, mtime_ns, member keys) of the archives it read or skipped (`archives`) whose every
    member the manifest holds, and (size, mtime_ns, why) of the companion files it found
    (`companions`), after its commit: a file, archive or companion whose size and mtime match next
    time is not read again."""
    files = {k: v for k, v in before.files.items() if k in manifest.files}
    for key, (size, mtime) in seen.items():
        fe = manifest.files.get(key)
        if fe is not None and fe.size == size:
            files[key] = [size, mtime, fe.sha256]
    kept = {k: v for k, v in before.archives.items()
            if (members := _members(v)) is not None and all(m in manifest.files for m in members)}
    for key, (size, mtime, members) in archives.items():
        kept.pop(key, None)
        if members and all(m in manifest.files for m in members):
            kept[key] = [size, mtime, members]
    found = {k: v for k, v in before.companions.items() if k not in manifest.files}
    found.update({k: [size, mtime, why] for k, (size, mtime, why) in (companions or {}).items()
                  if k not in manifest.files})
    after = FileStat(files, kept, found, readers_signature())
    if after == before:
        return
    tmp = root / f"{FILESTAT}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps({"version": _VERSION, "files": files, "archives": kept, "companions": found,
                               "readers": after.readers}), encoding="utf-8")
    os.replace(tmp, root / FILESTAT)
