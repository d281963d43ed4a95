"""Renderers for the plan document (`llmcost.planning.plan.evaluate`): text table, Markdown and JSON.

Renderers only: every figure is in the document; this module rounds money for display and lays
the rows out, with every assumption and its source printed beside the figures.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from llmcost.report._fmt import money, plain
from llmcost.report.json_report import exact_default
from llmcost.report.markdown import text as md_text
from llmcost.text import one_line as _line

_HEAD = ("scenario", "traffic", "context", "variant", "sessions/month", "requests/month", "monthly cost",
         "input side", "output", "per session", "per request")


def _pct(d: Decimal) -> str:
    v = (Decimal(d) * 100).normalize()
    return f"{'+' if v >= 0 else ''}{v:f}%"


def _count(d: Decimal) -> str:
    q = Decimal(d).quantize(Decimal(1))
    return f"{q:,}" if abs(q - Decimal(d)) < Decimal("1e-9") else f"{Decimal(d).quantize(Decimal('0.01')):,}"


def _rows(doc: dict[str, Any], suffix: bool = True) -> list[tuple[str, ...]]:
    """The rows of _HEAD; `suffix`: a caching variant in a scenario without caching says so."""
    scen = {s["name"]: s for s in doc["scenarios"]}
    out: list[tuple[str, ...]] = []
    for r in doc["rows"]:
        s = scen[r["scenario"]]
        variant = r["variant"] + (" (caching off in this scenario)" if r["caching_off"] and suffix else "")
        out.append((
            r["scenario"], f"x{Decimal(s['traffic']).normalize():f}", _pct(s["context_growth"]), _line(variant),
            _count(r["sessions_per_month"]), _count(r["requests_per_month"]), money(r["monthly_cost_usd"]),
            money(r["monthly_input_cost_usd"]), money(r["monthly_output_cost_usd"]),
            money(r["cost_per_session_usd"]), money(r["cost_per_request_usd"]),
        ))
    return out


def _growth(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    """Per-month cost rows when the plan states a growth path (more than one month)."""
    out: list[tuple[str, ...]] = []
    for r in doc["rows"]:
        if len(r["by_month"]) > 1:
            out.append((r["scenario"], _line(r["variant"]),
                        *(money(m["cost_usd"]) for m in r["by_month"])))
    return out


def _title(doc: dict[str, Any]) -> list[str]:
    p = doc["plan"]
    return [
        f"Plan {_line(p['name'])} ({_line(p['file'])}): cost per month and per session, prices of {p['prices_at']}",
        f"{_count(doc['requests_per_session'])} request{'' if doc['requests_per_session'] == 1 else 's'} per session; "
        "scenario 'plan' is the plan as written (traffic x1, no context growth).",
    ]


def plan_table(doc: dict[str, Any], width: int | None = None, tty: bool = False) -> str:
    """Text for a terminal (`tty`, `width` its columns) or a pipe (120 columns): a table per
    scenario, laid out as the report's sections are (one record per row where its columns cannot
    fit), and the assumptions as wrapped `key: value (source)` lines."""
    from llmcost.report.table import table_text

    def table(title: str, headers: Sequence[str], rows: list[tuple[str, ...]], names: int = 1) -> list[str]:
        return ["", table_text(title, headers, rows, width, tty=tty, names=names).rstrip("\n")]

    lines = [w for t in _title(doc) for w in textwrap.wrap(t, width=width or 120, subsequent_indent="  ",
                                                           break_long_words=False)]
    rows = _rows(doc, suffix=False)
    off = {r["scenario"] for r in doc["rows"] if r["caching_off"]}
    for sc in doc["scenarios"]:
        mine = [r for r in rows if r[0] == sc["name"]]
        if not mine:
            continue
        # what every variant of the scenario shares goes in its heading, so that its table fits
        shared = {i: mine[0][i] for i in (4, 5) if all(r[i] == mine[0][i] for r in mine)}
        heading = (f"Scenario {_line(sc['name'])}: traffic {mine[0][1]}, context {mine[0][2]}"
                   + "".join(f", {v} {_HEAD[i].split('/')[0]} a month" for i, v in shared.items())
                   + ("; caching is off in this scenario, so its caching variants cost what it does"
                      if sc["name"] in off else ""))
        keep = [i for i in range(3, len(_HEAD)) if i not in shared]
        lines += table(heading, [_HEAD[i] for i in keep], [tuple(r[i] for i in keep) for r in mine])
    growth = _growth(doc)
    if growth:
        n = len(growth[0]) - 2
        lines += table("Growth path: monthly cost by month",
                       ("scenario", "variant", *(f"month {i + 1}" for i in range(n))), growth, names=2)
    lines += table("Per turn (before scenario growth and alternatives)",
                   ("turn", "requests/session", "prompt tokens", "output tokens"),
                   [(str(t["turn"]), _count(t["requests_per_session"]), _count(t["prompt_tokens"]),
                     _count(t["output_tokens"])) for t in doc["turns"][:40]], names=0)
    if len(doc["turns"]) > 40:
        lines.append(f"  ... {len(doc['turns']) - 40} more turns in --format json")
    lines += ["", "Assumptions (source)"]
    for a in doc["assumptions"]:
        lines += textwrap.wrap(f"{_line(a['key'])}: {_line(a['value'])} ({_line(a['source'])})", width=width or 120,
                               initial_indent="  ", subsequent_indent="      ", break_long_words=False)
    lines += table("Prices (USD per 1M tokens)", ("model", "input", "cache read", "cache write", "output", "source"),
                   [(f"{p['provider']}/{p['model']}", *(f"{Decimal(p[k]).normalize():f}" for k in (
                       "input_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok", "output_per_mtok")),
                     plain(p["source"])) for p in doc["prices"]])
    lines += ["", *textwrap.wrap("Method, " + " ".join(doc["method"].split()), width=min(width or 100, 100),
                                 break_long_words=False)]
    return "\n".join(lines) + "\n"


def _md_cell(s: str) -> str:
    """Literal Markdown text on one line, escaped as the report's Markdown is (no tag, link, code or cell)."""
    return md_text(s)


def _md_table(rows: list[tuple[str, ...]], right: Callable[[int], bool]) -> list[str]:
    head, *body = rows
    out = ["| " + " | ".join(_md_cell(c) for c in head) + " |",
           "|" + "|".join("---:" if right(i) else "---" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in body]
    return out


def plan_markdown(doc: dict[str, Any]) -> str:
    t = _title(doc)
    lines = [f"# {_md_cell(t[0])}", "", _md_cell(t[1]), ""]
    lines += _md_table([_HEAD, *_rows(doc)], lambda i: i >= 4)
    growth = _growth(doc)
    if growth:
        n = len(growth[0]) - 2
        lines += ["", "## Growth path: monthly cost by month", ""]
        lines += _md_table([("scenario", "variant", *(f"month {i + 1}" for i in range(n))), *growth],
                           lambda i: i >= 2)
    lines += ["", "## Per turn", ""]
    lines += _md_table([("turn", "requests/session", "prompt tokens", "output tokens"),
                        *((str(t["turn"]), _count(t["requests_per_session"]), _count(t["prompt_tokens"]),
                           _count(t["output_tokens"])) for t in doc["turns"])], lambda i: True)
    lines += ["", "## Assumptions", ""]
    lines += _md_table([("key", "value", "source"),
                        *((plain(a["key"]), plain(a["value"]), plain(a["source"])) for a in doc["assumptions"])],
                       lambda i: False)
    lines += ["", "## Prices (USD per 1M tokens)", ""]
    lines += _md_table([("model", "input", "cache read", "cache write", "output", "source"),
                        *((f"{p['provider']}/{p['model']}", *(f"{Decimal(p[k]).normalize():f}" for k in (
                            "input_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok", "output_per_mtok")),
                           plain(p["source"])) for p in doc["prices"])], lambda i: 0 < i < 5)
    lines += ["", "Method, " + _md_cell(" ".join(doc["method"].split()))]
    return "\n".join(lines) + "\n"


def plan_json(doc: dict[str, Any]) -> str:
    """The whole document; money and token figures as exact decimal strings."""
    return json.dumps({"schema": "llmcost-plan/1", **doc}, default=exact_default, indent=2) + "\n"


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {"table": plan_table, "md": plan_markdown, "json": plan_json}
