"""`llmcost-forecast swap MODEL`: the store's traffic re-priced on another model (llmcost.planning.swap)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from llmcost.cli import (
    PricesOpt,
    SinceOpt,
    StoreOpt,
    UntilOpt,
    _check_format,
    _dates,
    _inert,
    _store_dir,
    app,
    friendly,
)
from llmcost.errors import UsageError
from llmcost.report.json_report import exact_default
from llmcost.text import one_line


@app.command("swap")
@friendly
def swap_cmd(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="Catalog model to re-price the traffic on.")],
    provider: Annotated[str | None, typer.Option("--provider", metavar="NAME",
                                                 help="Provider of MODEL, e.g. openai, anthropic.")] = None,
    store: StoreOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    tokenizer_ratio: Annotated[str, typer.Option(
        "--tokenizer-ratio", metavar="RATIO",
        help="Target tokens per logged token (default 1.0: same counts, an assumption).")] = "1.0",
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="table or json.")] = "table",
    prices: PricesOpt = None,
) -> None:
    """What the logged traffic would have cost on another model (a what-if; tokens kept by kind)."""
    from llmcost.planning.swap import swap_whatif
    from llmcost.pricing import load_catalog
    from llmcost.report._fmt import money
    from llmcost.storage.store import Store

    _check_format(format, 'swap')
    try:
        ratio = Decimal(tokenizer_ratio)
    except InvalidOperation:
        raise UsageError(
            f"--tokenizer-ratio {tokenizer_ratio!r} is not a number. Fix: e.g. --tokenizer-ratio 1.1."
        ) from None
    if not ratio.is_nan() and ratio.is_finite() and ratio > 1000:
        raise UsageError(f"--tokenizer-ratio {tokenizer_ratio} is not a plausible ratio. Fix: use a ratio of at "
                         "most 1000, e.g. 1.1 for 10% more tokens.")
    if ratio.is_nan() or not ratio.is_finite():
        # nan and inf passed the library's `> 0` check or raised InvalidOperation there (issue 17)
        raise UsageError(f"--tokenizer-ratio {tokenizer_ratio!r} is not a finite number. Fix: e.g. "
                         "--tokenizer-ratio 1.1 for 10% more tokens.")
    lo, hi = _dates(since, until)
    catalog = load_catalog(prices)
    st = Store.open(_store_dir(store))
    with st.reader() as reader:
        doc = swap_whatif(reader.con, catalog, model, provider=provider,
                          since=datetime.combine(lo, time(), tzinfo=UTC) if lo else None,
                          until=datetime.combine(hi + timedelta(days=1), time(), tzinfo=UTC) if hi else None,
                          tokenizer_ratio=ratio)
    if format == "json":
        typer.echo(json.dumps(doc, default=exact_default, indent=2))
        return
    if not doc["requests"]:
        # "$0.00 for the priced traffic that cost n/a" read as a measured saving of everything
        window = f"from {lo or 'the start'} to {hi or 'the end'}"
        typer.echo(_inert(f"On {doc['target']}: no requests in the store {window}, so nothing to re-price. "
                          "Fix: widen --since/--until, or ingest the logs first."))
        return
    lines = [
        f"On {doc['target']}: {money(doc['swapped_priced_usd'])} for the priced traffic that cost "
        f"{money(doc['cost_usd'])} as logged"
        + (f" ({'+' if doc['change_usd'] >= 0 else '-'}{money(abs(doc['change_usd']))})"
           if doc["change_usd"] is not None else "") + f"; {doc['requests']:,} requests.",
        f"Tokenizer ratio {doc['tokenizer_ratio']}: {doc['tokenizer_ratio_source']}.",
    ]
    if doc["unpriced_requests"]:
        lines.append(f"{doc['unpriced_requests']:,} requests of models without a price: on {doc['target']} all the "
                     f"traffic would cost {money(doc['swapped_all_usd'])}.")
    lines.append("")
    head = ("provider", "model", "requests", "as logged", f"on {doc['target']}")
    # provider and model names come from the logs: inert text on one line (a newline cannot forge a row)
    body = [(one_line(_inert(m["provider"] or "-")), one_line(_inert(m["model"] or "-")), f"{m['requests']:,}",
             money(m["cost_usd"]) if m["cost_usd"] is not None else "unpriced", money(m["swapped_usd"]))
            for m in doc["by_model"]]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(5)]
    for r in [head, *body]:
        cells = (c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        lines.append("  ".join(cells).rstrip())
    lines += [""] + [f"Note: {n}" for n in doc["notes"]]
    typer.echo(_inert("\n".join(lines)))
