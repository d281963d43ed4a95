"""The file-stat cache beside the manifest: a re-run skips an unchanged file without reading it.

Only a cache, never the commit: an entry whose hash is not the manifest's is ignored, so a run
killed before it writes the cache costs one hash per file on the next run."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from llmcost.storage.store import Manifest

FILESTAT = ".filestat.json"
"""Beside the manifest: the size, modification time (ns) and sha256 of each file when a run last
read it, so a re-run skips unchanged files without reading them (a cache, never the commit)."""


def read_filestat(root: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads((root / FILESTAT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_filestat(root: Path, cache_before: dict[str, list[Any]], seen: dict[str, tuple[int, int]],
                   manifest: Manifest) -> None:
    """Record (size, mtime_ns, sha256) of the files a run saw (`seen`: key -> (size, mtime_ns)),
    after its commit: a file whose size and mtime match next time is not hashed again."""
    cache = {k: v for k, v in cache_before.items() if k in manifest.files}
    for key, (size, mtime) in seen.items():
        fe = manifest.files.get(key)
        if fe is not None and fe.size == size:
            cache[key] = [size, mtime, fe.sha256]
    if cache == cache_before:
        return
    tmp = root / f"{FILESTAT}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(cache), encoding="utf-8")
    os.replace(tmp, root / FILESTAT)
