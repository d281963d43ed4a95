"""What the coding agents' session tests (pi-agent, OpenClaw, Codebuff) ask of a store and a run."""

from __future__ import annotations

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
