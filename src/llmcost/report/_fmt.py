"""Display helpers shared by the text renderers."""

from __future__ import annotations

import html
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from llmcost.text import plain

__all__ = [
    "amount", "count", "escape_html", "formatters", "money", "money_in", "num", "pct", "plain", "requests",
    "requests_cell", "run_counts", "share_of", "signed",
]


def escape_html(text: Any) -> str:
    """`text` for HTML element content or a quoted attribute: <, >, &, both quotes escaped, and
    control characters as '?' (as on the terminal: the file may be printed with `cat`)."""
    return html.escape(plain(text), quote=True)


def count(n: Any, noun: str, nouns: str | None = None, fmt: Callable[[Any], str] | None = None) -> str:
    """'1 row', '2 rows', '1,000 rows': `n` formatted (`num` by default) with `noun` in the singular
    for exactly one and `nouns` (default: `noun` + 's') otherwise."""
    return f"{(fmt or num)(n)} {noun if n == 1 else nouns or noun + 's'}"


def rows_read(counts: dict[str, Any], num: Callable[[Any], str]) -> str:
    """'N rows read = S stored + D duplicate + Q quarantined' of ingest counts, with '+ K skipped'
    (records the format marks as not usage) only when there are any."""
    skipped = f"{num(counts['rows_skipped'])} skipped + " if counts.get("rows_skipped") else ""
    return (f"{count(counts['rows_read'], 'row', fmt=num)} read = {num(counts['rows_stored'])} stored + "
            f"{num(counts['rows_duplicate'])} duplicate + {skipped}{num(counts['rows_quarantined'])} quarantined")


RUN_OUTCOMES = ("ingested", "replaced", "unchanged", "companion", "unrecognised", "failed")


def file_count(n: int) -> str:
    """'1 file', '2,000 files'."""
    return f"{n:,} file" + ("" if n == 1 else "s")


def run_counts(files: dict[str, Any]) -> str:
    """One run's files by outcome: '3 ingested, 0 replaced, 1,200 unchanged, 1 companion (no usage
    rows; read with their files), 0 unrecognised, 0 failed' (companion only when there are any)."""
    return ", ".join(
        f"{files.get(k, 0):,} {k}" + (" (no usage rows; read with their files)" if k == "companion" else "")
        for k in RUN_OUTCOMES if k != "companion" or files.get(k)
    )


def whole_percent(share: Any) -> str:
    """A share as a whole percent: '43%'; '<1%' for a part below half a percent and '>99%' for one
    above 99.5% short of all, so that a part never reads as none ('0%') or all ('100%')."""
    v = Decimal(share)
    if 0 < v < Decimal("0.005"):
        return "<1%"
    if Decimal("0.995") <= v < 1:
        return ">99%"
    return f"{v:.0%}"


def share_of(share: float | None, what: str) -> str:
    """' (43% of tokens)' for a share of `what` (whole_percent); '' when unknown."""
    return "" if share is None else f" ({whole_percent(share)} of {what})"


LINES_ONLY = ("the store holds billed cost lines only (cost exports, no usage rows): there is no usage to "
              "estimate, so the estimate is n/a and the billed cost is the spend")
"""Said wherever a cost-lines-only window (the document's `totals.cost_lines_only`) would show an estimate or a
request count."""


NOT_STATED = "not stated"
"""A request count no source of the row states (usage and billing exports count tokens and money only)."""


def requests_cell(row: dict[str, Any], fmt: Callable[[Any], str] | None = None) -> str:
    """A row's request count in a table cell: '12' when every source of the row states its count;
    '12+' (a lower bound: the rest of its usage comes from exports that state no request count) or
    'not stated' (none does) when `requests_known` is false (docs/report-schema.json)."""
    n = row.get("requests")
    if row.get("requests_known", True):
        return (fmt or num)(n)
    return f"{(fmt or num)(n)}+" if n else NOT_STATED


def side_requests(row: dict[str, Any], side: str, fmt: Callable[[Any], str] | None = None) -> str:
    """One month's request count of a compared row or total ('previous' or 'current'), as
    `requests_cell` writes it: 'not stated' or 'N+' where usage exports state no request count, and
    'not stated' for a month of billed cost lines only (no usage row: no priced cost, no request,
    but a billed total), where "0" read as a month without a request."""
    if not row.get(f"{side}_requests") and row.get(f"{side}_cost_usd") is None \
            and row.get(f"{side}_billed_usd") is not None:
        return NOT_STATED
    return requests_cell({"requests": row.get(f"{side}_requests"),
                          "requests_known": row.get(f"{side}_requests_known", True)}, fmt)


def requests(row: dict[str, Any], fmt: Callable[[Any], str] | None = None) -> str:
    """A row's request count in a sentence: '12 requests'; where part of its usage comes from exports
    that state no request count, '12 requests + usage from exports that state no request count (43% of
    tokens)', and where all of it does, 'requests not stated by the sources (usage exports)'."""
    n = row.get("requests") or 0
    stated = count(n, "request", fmt=fmt)
    if row.get("requests_known", True):
        return stated
    of = share_of(row.get("no_request_count_token_share"), "tokens")
    if not n:
        return "requests not stated by the sources (usage exports count tokens, not requests)"
    return f"{stated} + usage from exports that state no request count{of}"


def money(v: Decimal | None, places: int = 2) -> str:
    """Money for display; None is unknown (n/a), never $0."""
    if v is None:
        return "n/a"
    d = Decimal(v)
    return f"-${_amount(-d, places):,}" if d < 0 else f"${_amount(d, places):,}"  # -$5.00, as `signed` writes it


def amount(v: float | Decimal, symbol: str = "$") -> str:
    """An amount already in the display currency (a chart's axis tick or label) written as `money`
    writes money: `symbol` before it, two decimals from 1 up, up to four below 1, thousands
    separated ($6.00, $7.44, $0.0102, EUR 1,234.50)."""
    d = Decimal(repr(float(v))) if isinstance(v, float) else Decimal(v)
    return f"-{symbol}{_amount(-d, 2):,}" if d < 0 else f"{symbol}{_amount(d, 2):,}"


def _amount(v: Decimal, places: int) -> Decimal:
    """`v` to `places` decimals; below $1 to 4 decimals so that fractions of a cent stay visible,
    but whole cents keep two ($0.64, not $0.6400; $0.0102 stays)."""
    if abs(v) < 1 and v != 0:
        fine = v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        cents = v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return cents if fine == cents else fine
    # half-up, as the forecast rounds its figures (multi.round_money, to_money): Decimal's default
    # half-even showed a spend of $2.625 as $2.62 in the totals beside $2.63 in the forecast
    return v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money_in(currency: dict[str, Any] | None) -> Callable[[Any], str]:
    """The money formatter for a document: USD, or the document's display currency at its dated rate
    (a unit conversion for display, like a locale; the document's values stay USD)."""
    if not currency:
        return money
    code, rate = currency["code"], Decimal(currency["rate_per_usd"])

    def fmt(v: Decimal | None, places: int = 2) -> str:
        if v is None:
            return "n/a"
        d = Decimal(v) * rate
        return f"-{code} {_amount(-d, places):,}" if d < 0 else f"{code} {_amount(d, places):,}"

    return fmt


def num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, Decimal | float):
        return f"{v:,.2f}"
    return f"{v:,}"


def pct(v: Any) -> str:
    return "unknown" if v is None else f"{Decimal(v) * 100:.1f}%"


def signed(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    """A money formatter that always shows the sign (changes, effects)."""

    def f(v: Any) -> str:
        if v is None:
            return "n/a"
        s = fmt(abs(Decimal(v)))
        return ("-" if Decimal(v) < 0 else "+") + s

    return f


def formatters(doc: dict[str, Any]) -> dict[str, Callable[[Any], str]]:
    """money/num/pct for `sections(doc, **formatters(doc))`."""
    return {"money": money_in(doc.get("currency")), "num": num, "pct": pct}
