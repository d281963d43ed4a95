"""A folder with many files no format matches (a dataset's side files, notes) does not bury the run's
other warnings: three are named one by one, then one line counts the rest of that folder, and every
one of them is still in the report's problems list. The exit code stays 1 (docs/cron.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOOL = str(Path(sys.executable).parent / "llmcost-forecast")


def test_many_unknown_files_of_one_folder_are_counted_in_one_line(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    side = logs / "side files"
    side.mkdir(parents=True)
    for i in range(8):  # sorted by name: a0 .. a7
        (side / f"a{i}.json").write_text(json.dumps({"bins": [i, i + 1], "note": "no usage in here"}))
    (logs / "other.csv").write_text("colour,size\nred,3\n")  # one more, in another folder
    (logs / "app.jsonl").write_text("".join(
        json.dumps({"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1760000000 + i, "model": "gpt-4o",
                    "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}) + "\n"
        for i in range(2)))
    broken = logs / "broken.csv.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00not gzip at all")
    res = subprocess.run(
        [TOOL, "--logs", str(logs), "--store", str(tmp_path / "store"), "--no-forecast", "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("Warning: ")]
    named = [ln for ln in lines if ln.startswith("Warning: no known format matches ")]
    files = sorted(ln.removeprefix("Warning: no known format matches ").split(" (`")[0] for ln in named)
    assert files == sorted(str(f) for f in (side / "a0.json", side / "a1.json", side / "a2.json", logs / "other.csv"))
    assert f"Warning: 5 more files in {side} match no known format either (a3.json, a4.json, a5.json, ...)." in lines
    assert any(str(broken) in ln for ln in lines), lines  # the file that failed keeps its own line
    assert len(lines) == 6, lines
    doc = json.loads(res.stdout)
    assert doc["last_run"]["files"]["unrecognised"] == 9
    assert len([p for p in doc["last_run"]["problems"] if p["status"] == "unrecognised"]) == 9
    assert doc["ingest"]["rows_stored"] == 2
