"""`ts_sql` tests a number first and reads it as an epoch (issue 22: an API body's `created` paid
for a failed TIMESTAMPTZ cast first). That order is only right because a number never casts to
TIMESTAMPTZ; these tests hold DuckDB to that, and hold the SQL to the times worked out by hand and
to the former formulation (cast first), value by value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from llmcost.ingest import ts_sql
from llmcost.storage import duck

NUMBER = r"-?[0-9]+(\.[0-9]+)?"


def _former(expr: str) -> str:
    """The formulation ts_sql replaced (issue 22), kept here as the second query to compare with:
    the cast first, then an epoch when the text is a number, then a long fraction."""
    e = f"trim({expr})"
    num = f"TRY_CAST({e} AS DOUBLE)"
    epoch = (
        f"(CASE WHEN NOT regexp_full_match({e}, '{NUMBER}') THEN NULL "
        f"WHEN abs({num}) >= 1e17 THEN make_timestamptz(TRY_CAST(TRY_CAST({e} AS HUGEINT) // 1000 AS BIGINT)) "
        f"WHEN abs({num}) >= 1e14 THEN make_timestamptz(TRY_CAST({num} AS BIGINT)) "
        f"WHEN abs({num}) >= 1e11 THEN make_timestamptz(TRY_CAST({num} * 1000 AS BIGINT)) "
        f"ELSE make_timestamptz(TRY_CAST({num} * 1000000 AS BIGINT)) END)"
    )
    long_fraction = f"TRY_CAST(left({e}, 26) || regexp_extract(substr({e}, 27), '([zZ]|[+-][0-9:]+)$') AS TIMESTAMPTZ)"
    return f"coalesce(TRY_CAST({expr} AS TIMESTAMPTZ), {epoch}, {long_fraction})"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (text, the time it stands for), worked out with Python's datetime from the epoch definition
# (seconds below 1e11, milliseconds below 1e14, microseconds below 1e17, else nanoseconds)
HAND = [
    ("1788220800", EPOCH + timedelta(seconds=1788220800)),  # bench/gen_jsonl.py's first `created`
    (" 1788220800 ", EPOCH + timedelta(seconds=1788220800)),
    ("1788220800.25", EPOCH + timedelta(seconds=1788220800, microseconds=250000)),
    ("1788220800123", EPOCH + timedelta(milliseconds=1788220800123)),
    ("1788220800123456", EPOCH + timedelta(microseconds=1788220800123456)),
    ("1788220800123456789", EPOCH + timedelta(microseconds=1788220800123456)),
    ("-86400", EPOCH - timedelta(days=1)),
    ("0", EPOCH),
    ("2026-09-01T00:00:00Z", datetime(2026, 9, 1, tzinfo=UTC)),
    ("2026-09-01 12:30:00+02:00", datetime(2026, 9, 1, 10, 30, tzinfo=UTC)),
    ("2026-09-01T00:00:00.123456789Z", datetime(2026, 9, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ("not a time", None),
    ("1e9", None),
    ("", None),
]


@pytest.fixture()
def con():  # type: ignore[no-untyped-def]
    c = duck.bounded()
    yield c
    c.close()


def test_a_number_never_casts_to_timestamptz(con) -> None:  # type: ignore[no-untyped-def]
    # every digit count from 1 to 24, signed and not, with and without a fraction, with spaces
    # around: 480,000 numbers, none of which DuckDB takes for a time
    casts, numbers = con.execute(
        f"""SELECT count(*) FILTER (WHERE TRY_CAST(s AS TIMESTAMPTZ) IS NOT NULL),
                   count(*) FILTER (WHERE regexp_full_match(trim(s), '{NUMBER}'))
            FROM (SELECT CASE WHEN i % 4 = 0 THEN ' ' ELSE '' END
                         || CASE WHEN i % 3 = 0 THEN '-' ELSE '' END
                         || lpad(((i * 2654435761) % 1000000000000)::VARCHAR, (1 + i % 24)::INTEGER, '1')
                         || CASE WHEN i % 5 = 0 THEN '.' || (i % 997)::VARCHAR ELSE '' END
                         || CASE WHEN i % 7 = 0 THEN ' ' ELSE '' END AS s
                  FROM range(480000) t(i))"""
    ).fetchone()
    assert numbers == 480000
    assert casts == 0


@pytest.mark.parametrize(("text", "want"), HAND)
def test_hand_worked_times(con, text: str, want: datetime | None) -> None:  # type: ignore[no-untyped-def]
    (got,) = con.execute(f"SELECT {ts_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [text]).fetchone()
    assert got == want


def test_the_same_times_as_the_cast_first_formulation(con) -> None:  # type: ignore[no-untyped-def]
    texts = [t for t, _ in HAND] + [
        "2026-09-01",
        "2026/09/01",
        "2026-09-01T00:00:00",
        "  2026-09-01T00:00:00Z",
        "99999999999",
        "100000000000",
        "99999999999999",
        "100000000000000",
        "99999999999999999",
        "100000000000000000",
        "-1788220800123",
        "9" * 40,
        "1.",
        ".5",
        "--1",
        "1-1",
        "2026.09.01",
        "20260901",
        "12:00",
        "NaN",
        "inf",
        None,
    ]
    rows = con.execute(
        f"SELECT x, {ts_sql('x')} IS NOT DISTINCT FROM {_former('x')} FROM (SELECT unnest(?::VARCHAR[]) AS x)",
        [texts],
    ).fetchall()
    assert [x for x, same in rows if not same] == []
    assert len(rows) == len(texts)
