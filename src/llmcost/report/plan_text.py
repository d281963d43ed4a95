"""Renderers for the plan document (`llmcost.planning.plan.evaluate`): text table, Markdown and JSON.

Renderers only: every figure is in the document; this module rounds money for display and lays
the rows out, with every assumption and its source printed beside the figures.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
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


def _rows(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    scen = {s["name"]: s for s in doc["scenarios"]}
    out: list[tuple[str, ...]] = []
    for r in doc["rows"]:
        s = scen[r["scenario"]]
        variant = r["variant"] + (" (caching off in this scenario)" if r["caching_off"] else "")
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


def _pad(rows: list[tuple[str, ...]], right: Callable[[int], bool]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if right(i) else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            .rstrip() for r in rows]


def plan_table(doc: dict[str, Any]) -> str:
    """Plain text for a terminal or a pipe."""
    lines = [*_title(doc), ""]
    lines += _pad([_HEAD, *_rows(doc)], lambda i: i >= 4)
    growth = _growth(doc)
    if growth:
        n = len(growth[0]) - 2
        lines += ["", "Growth path: monthly cost by month"]
        lines += _pad([("scenario", "variant", *(f"month {i + 1}" for i in range(n))), *growth], lambda i: i >= 2)
    lines += ["", "Per turn (before scenario growth and alternatives)"]
    lines += _pad([("turn", "requests/session", "prompt tokens", "output tokens"),
                   *((str(t["turn"]), _count(t["requests_per_session"]), _count(t["prompt_tokens"]),
                      _count(t["output_tokens"])) for t in doc["turns"][:40])], lambda i: True)
    if len(doc["turns"]) > 40:
        lines.append(f"  ... {len(doc['turns']) - 40} more turns in --format json")
    lines += ["", "Assumptions (source)"]
    lines += ["  " + s for s in _pad([(_line(a["key"]), _line(a["value"]), _line(a["source"]))
                                      for a in doc["assumptions"]], lambda i: False)]
    lines += ["", "Prices (USD per 1M tokens: input, cache read, cache write, output)"]
    lines += ["  " + s for s in _pad([(f"{p['provider']}/{p['model']}", *(f"{Decimal(p[k]).normalize():f}" for k in (
        "input_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok", "output_per_mtok")), plain(p["source"]))
        for p in doc["prices"]], lambda i: 0 < i < 5)]
    lines += ["", *textwrap.wrap("Method, " + " ".join(doc["method"].split()), width=100, break_long_words=False)]
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
