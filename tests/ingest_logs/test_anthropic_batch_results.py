"""Anthropic Message Batches results carry no time: the batch object saved beside them dates them
(llmcost.ingest.anthropic_batch_results_jsonl). Without one the file fails with the fix and is read
on the run after the object is added; the object itself is a companion, never "unrecognised"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from llmcost.cli import app

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ingest" / "anthropic_batch_results_jsonl"
RESULTS = FIXTURE / "input_msgbatch_01AbC_results.jsonl"


def _batch(batch_id: str, ended: str | None, created: str) -> dict[str, object]:
    return {"id": batch_id, "type": "message_batch", "processing_status": "ended" if ended else "in_progress",
            "ended_at": ended, "created_at": created, "request_counts": {}}


def _run(logs: Path, store: Path) -> tuple[int, str, dict[str, object]]:
    out = logs.parent / "r.json"
    res = CliRunner().invoke(app, ["--logs", str(logs), "--store", str(store), "--no-forecast", "--format", "json",
                                   "--out", str(out)])
    return res.exit_code, res.output, json.loads(out.read_text()) if out.exists() else {}


def _days(doc: dict[str, object]) -> dict[str, int]:
    return {d["day"]: d["requests"] for d in doc["by_day"]}  # type: ignore[index, union-attr]


def test_results_without_their_batch_fail_with_the_fix_then_read_once_it_is_added(tmp_path: Path) -> None:
    logs, store = tmp_path / "logs", tmp_path / "store"
    logs.mkdir()
    shutil.copy(RESULTS, logs / "results.jsonl")
    code, output, _ = _run(logs, store)
    assert code == 1, output
    assert "Traceback" not in output
    assert "carry no time" in output and "GET /v1/messages/batches/<id>" in output
    (logs / "batch.json").write_text(json.dumps(_batch("msgbatch_9", "2026-10-02T03:04:05Z", "2026-10-01T22:00:00Z")))
    code, output, doc = _run(logs, store)
    assert code == 0, output
    # the fixture's two succeeded results (ticket-1 and ticket-3), dated by the batch's ended_at
    t = doc["totals"]
    assert (t["requests"], t["input_tokens"], t["output_tokens"]) == (2, 1290, 430)  # type: ignore[index]
    assert _days(doc) == {"2026-10-02": 2}
    run = doc["last_run"]["files"]  # type: ignore[index]
    assert (run["ingested"], run["companion"], run["unrecognised"], run["failed"]) == (1, 1, 0, 0)
    # a third run changes nothing
    code, output, again = _run(logs, store)
    assert code == 0 and again["totals"] == doc["totals"]


def test_a_batch_not_ended_dates_by_its_creation(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(RESULTS, logs / "results.jsonl")
    (logs / "b.json").write_text(json.dumps(_batch("msgbatch_9", None, "2026-11-30T23:59:00Z")))
    code, output, doc = _run(logs, tmp_path / "store")
    assert code == 0, output
    assert _days(doc) == {"2026-11-30": 2}


def test_several_batches_the_name_picks_one_else_the_file_fails(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps(_batch("msgbatch_A1", "2026-10-02T00:00:00Z", "2026-10-01T00:00:00Z")))
    (logs / "b.json").write_text(json.dumps({"data": [_batch("msgbatch_B2", "2026-10-09T00:00:00Z",
                                                             "2026-10-08T00:00:00Z")], "has_more": False}))
    shutil.copy(RESULTS, logs / "results.jsonl")
    code, output, _ = _run(logs, tmp_path / "store")
    assert code == 1 and "named after the batch id" in output, output
    (logs / "results.jsonl").rename(logs / "msgbatch_B2_results.jsonl")
    code, output, doc = _run(logs, tmp_path / "store")
    assert code == 0, output
    assert _days(doc) == {"2026-10-09": 2}


def test_batch_results_are_priced_at_the_batch_discount(tmp_path: Path) -> None:
    """Anthropic's batch price is half the standard one (pricing-caching-routing.md). By hand, per
    1M tokens: claude-sonnet-4-5 $3 input, $0.30 cache read, $3.75 5-minute write, $6 1-hour write,
    $15 output; claude-haiku-4-5 $1 input, $5 output.
      ticket-1: 1,200 x 3 + 3,000 x 0.30 + 300 x 3.75 + 200 x 6 + 400 x 15
              = 3,600 + 900 + 1,125 + 1,200 + 6,000 = 12,825 (x 1e-6 $)
      ticket-3: 90 x 1 + 30 x 5 = 240 (x 1e-6 $)
      (12,825 + 240) x 1e-6 / 2 = $0.0065325"""
    from decimal import Decimal

    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(RESULTS, logs / "results.jsonl")
    (logs / "b.json").write_text(json.dumps(_batch("msgbatch_9", "2026-10-02T03:04:05Z", "2026-10-01T22:00:00Z")))
    code, output, doc = _run(logs, tmp_path / "store")
    assert code == 0, output
    assert Decimal(doc["totals"]["cost_usd"]) == Decimal("0.0065325")  # type: ignore[index]
