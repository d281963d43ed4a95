"""`llmcost-forecast plan PLAN.toml`: what a planned workload will cost (docs/plan.md).

A thin command: read the plan, read the logs' profile when --store is given, one library call,
one renderer.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from llmcost.cli import (
    PricesOpt,
    SinceOpt,
    UntilOpt,
    _check_format,
    _dates,
    _path,
    _store_dir,
    app,
    friendly,
    terminal,
)
from llmcost.errors import UsageError

PlanFormatOpt = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT",
                                            help="Output format: table, md or json.")]


@app.command("plan")
@friendly
def plan_cmd(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.toml", help="The plan file (docs/plan.md).")],
    store: Annotated[Path | None, typer.Option(
        "--store", metavar="DIR", parser=_path,
        help="Take what the plan leaves out (per-turn curve, turns, hit rate, complexity mix) from this store's logs.",
        show_default=False)] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    format: PlanFormatOpt = "table",
    prices: PricesOpt = None,
) -> None:
    """Monthly cost and cost per session of a planned workload, per scenario, alternative and model."""
    from llmcost.planning.plan import evaluate, load_plan, log_profile
    from llmcost.pricing import load_catalog
    from llmcost.report.plan_text import RENDERERS, plan_table

    _check_format(format, "plan", RENDERERS)
    plan = load_plan(plan_file)
    catalog = load_catalog(prices)
    logs = None
    if store is not None:
        from llmcost.storage.store import Store

        lo, hi = _dates(since, until)
        st = Store.open(_store_dir(store))
        with st.reader() as r:
            logs = log_profile(
                r.con,
                since=datetime.combine(lo, time(), tzinfo=UTC) if lo else None,
                until=datetime.combine(hi + timedelta(days=1), time(), tzinfo=UTC) if hi else None,
                catalog=catalog,
            )
    elif since or until:
        raise UsageError("--since and --until choose the logs a plan reads. Fix: add --store DIR, or drop them.")
    doc = evaluate(plan, catalog, logs)
    if format == "table":
        width, tty, _ = terminal()
        typer.echo(plan_table(doc, width, tty), nl=False)
    else:
        typer.echo(RENDERERS[format](doc), nl=False)
