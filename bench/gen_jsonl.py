"""Generate a large JSONL request log of OpenAI Chat Completions bodies: in an app envelope
(`ts`, `conversation_id`, `user`, `response`: the body), or bare (one body a line, as an app that
logs the API's reply as is writes it).

Used by `make bench`: the same file is ingested by llmcost-forecast and copied by a bare DuckDB
`COPY (SELECT ... FROM read_json(...))`, side by side. Generated in DuckDB (no per-row Python).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

LINE_BYTES = 560
"""About how long one generated enveloped line is."""
BARE_LINE_BYTES = 480
"""About how long one generated bare body is."""


SHAPES = ("envelope", "bare")


def write_range(
    con: duckdb.DuckDBPyConnection, out: Path, start: int, stop: int, total: int,
    span_seconds: int = 2_592_000, origin: str = "2026-09-01", shape: str = "envelope",
) -> None:
    """Write requests `start` to `stop` (of `total`, spread over `span_seconds` from `origin`),
    enveloped or bare (`shape`, one of SHAPES).

    Ids and times follow the request number, so ranges written to separate files never repeat
    each other (bench/bench_scale.py writes a large directory this way).
    """
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r}: one of {SHAPES}")
    # bare: only the body, its struct fields as the line's top-level keys
    outer = "SELECT unnest(response) FROM (" if shape == "bare" else "SELECT * FROM ("
    con.execute(
        f"""
        COPY ({outer}
          SELECT
            strftime(TIMESTAMP '{origin}' + to_seconds(i * {span_seconds} // {total}), '%Y-%m-%dT%H:%M:%SZ') AS ts,
            'conv-' || (i // 6)::VARCHAR AS conversation_id,
            'user-' || (i % 97)::VARCHAR AS user,
            {{
              'id': 'chatcmpl-' || md5(i::VARCHAR),
              'object': 'chat.completion',
              'created': epoch(TIMESTAMP '{origin}')::BIGINT + i * {span_seconds} // {total},
              'model': ['gpt-4o-2024-08-06', 'gpt-4.1-mini-2025-04-14', 'o3-2025-04-16'][1 + i % 3],
              'service_tier': 'default',
              'system_fingerprint': 'fp_' || (i % 13)::VARCHAR,
              'choices': [{{'index': 0, 'finish_reason': 'stop',
                            'message': {{'role': 'assistant', 'content': 'ok ' || (i % 1000)::VARCHAR}}}}],
              'usage': {{
                'prompt_tokens': 200 + (i % 6) * 400 + (hash(i) % 300)::INT,
                'completion_tokens': 80 + (hash(i + 1) % 400)::INT,
                'total_tokens': 0,
                'prompt_tokens_details': {{'cached_tokens': CASE WHEN i % 6 > 0 THEN (i % 6) * 384 ELSE 0 END,
                                           'audio_tokens': 0}},
                'completion_tokens_details': {{'reasoning_tokens': CASE WHEN i % 3 = 2 THEN 64 ELSE 0 END,
                                               'audio_tokens': 0}}
              }}
            }} AS response
          FROM range({start}, {stop}) t(i)
        )) TO '{out}' (FORMAT json)
        """
    )


def generate(out: Path, size_mb: float, seed: int = 7, shape: str = "envelope") -> int:
    """Write about `size_mb` MB of JSONL to `out`; return the number of lines."""
    line = LINE_BYTES if shape == "envelope" else BARE_LINE_BYTES
    n = max(1, int(size_mb * 1_000_000 / line))
    con = duckdb.connect()
    con.execute("SELECT setseed(?)", [seed / 1000])
    write_range(con, out, 0, n, n, shape=shape)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--size-mb", type=float, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shape", choices=SHAPES, default="envelope")
    args = ap.parse_args()
    t = time.perf_counter()
    n = generate(args.out, args.size_mb, args.seed, args.shape)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {n:,} lines, {size:,.1f} MB to {args.out} in {time.perf_counter() - t:.1f}s")


if __name__ == "__main__":
    main()
