"""Show money in another currency with a dated rate from a file the user supplies (no network).

Costs are computed and stored in USD (prices are quoted in USD). `--currency EUR --rates FILE`
converts them for display only, at the rate in force on the report's last day: the latest row of
FILE for that currency dated on or before it. The rate and its date are printed with the report
so a reader can check the conversion. Decimal arithmetic only.

FILE is a CSV with a header `date,currency,rate_per_usd` (units of the currency per 1 USD), e.g.
`2026-11-20,EUR,0.9412`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from llmcost.config.strict import MAX_NUMBER, finite, read_text
from llmcost.errors import ConfigError, UsageError

COLUMNS = ("date", "currency", "rate_per_usd")


@dataclass(frozen=True)
class Rate:
    """One dated exchange rate."""

    currency: str
    """ISO 4217 code, upper case (EUR)."""
    rate_per_usd: Decimal
    """Units of `currency` per 1 USD."""
    date: date
    """The day the rate is for."""
    source: str
    """The rates file it came from."""


def load_rates(path: Path) -> list[Rate]:
    """Read a rates CSV; a bad row fails with its file, line and the fix."""
    if not path.exists():
        raise UsageError(f"--rates {path}: no such file. Fix: pass a CSV with columns {','.join(COLUMNS)}.")
    out: list[Rate] = []
    text = read_text(path, kind="rates", option="--rates")
    with io.StringIO(text, newline="") as f:
        reader = csv.DictReader(f)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if not set(COLUMNS) <= set(header):
            raise ConfigError(
                f"{path}: line 1: the header is {','.join(header) or '(empty)'}; "
                f"expected {','.join(COLUMNS)}. "
                "Fix: add that header line."
            )
        for line, raw in enumerate(reader, start=2):
            # a row with more cells than the header puts a list under the key None: ignored
            row = {(k or "").strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in raw.items()}
            try:
                day = date.fromisoformat(row["date"])
            except ValueError:
                raise ConfigError(f"{path}: line {line}: date {row['date']!r} is not YYYY-MM-DD.") from None
            try:
                rate = Decimal(row["rate_per_usd"])
            except InvalidOperation:
                raise ConfigError(
                    f"{path}: line {line}: rate_per_usd {row['rate_per_usd']!r} is not a number."
                ) from None
            if not finite(rate) or rate <= 0:
                raise ConfigError(f"{path}: line {line}: rate_per_usd {row['rate_per_usd']!r} is not a usable rate. "
                                  f"Fix: write a positive number of at most {MAX_NUMBER:,f} units per USD.")
            code = row["currency"].upper()
            if len(code) != 3 or not code.isalpha():
                raise ConfigError(
                    f"{path}: line {line}: currency {row['currency']!r} is not a 3-letter code."
                )
            out.append(Rate(code, rate, day, str(path)))
    return out


def rate_for(rates: list[Rate], currency: str, on: date) -> Rate:
    """The latest rate for `currency` dated on or before `on`."""
    code = currency.upper()
    mine = [r for r in rates if r.currency == code]
    if not mine:
        have = sorted({r.currency for r in rates})
        raise UsageError(
            f"--currency {code}: the rates file has no {code} rows (it has {', '.join(have) or 'none'}). "
            f"Fix: add lines like `{on},{code},0.95` to it."
        )
    usable = [r for r in mine if r.date <= on]
    if not usable:
        first = min(r.date for r in mine)
        raise UsageError(
            f"--currency {code}: the first {code} rate is dated {first}, after the report's last day {on}. "
            f"Fix: add a rate dated on or before {on}."
        )
    return max(usable, key=lambda r: r.date)


def convert(usd: Decimal, rate: Rate) -> Decimal:
    """USD -> the rate's currency (Decimal, unrounded)."""
    return Decimal(usd) * rate.rate_per_usd
