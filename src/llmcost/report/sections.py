"""The report's sections as (title, note, headers, rows) of display strings.

Terminal, Markdown and HTML show these same sections, so every format shows the same totals.
Only formatting happens here; every figure comes from the report document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Section = tuple[str, str, list[str], list[list[str]]]


def sections(
    doc: dict[str, Any], *, money: Callable[[Any], str], num: Callable[[Any], str], pct: Callable[[Any], str]
) -> Iterator[Section]:
    cat = doc.get("price_catalog", {})
    over = cat.get("overrides_file")
    sha = cat.get("overrides_sha256")
    yield (
        "About this report",
        f"{doc['tool']}, generated {doc['generated_at']} from store {doc['store']}. "
        f"Price catalog: {cat.get('catalog', '?')}"
        + (f"; overrides {over} (sha256 {sha[:12]})" if over else "; no override file")
        + ". Costs marked estimated are tokens x the price in force on the day; billed costs come from "
        "provider cost exports.",
        [],
        [],
    )
    ing = doc["ingest"]
    yield (
        "Ingested",
        f"{ing['files']} files: {num(ing['rows_read'])} rows read = {num(ing['rows_stored'])} stored + "
        f"{num(ing['rows_duplicate'])} duplicate + {num(ing['rows_quarantined'])} quarantined.",
        ["source", "files", "read", "stored", "duplicate", "quarantined"],
        [[s["source"], num(s["files"]), num(s["rows_read"]), num(s["rows_stored"]), num(s["rows_duplicate"]),
          num(s["rows_quarantined"])] for s in ing["by_source"]],
    )
    last = doc.get("last_run")
    if last and last.get("problems"):
        yield ("Files not ingested in this run", "", ["file", "problem"],
               [[p["file"], p["message"]] for p in last["problems"]])
    t = doc["totals"]
    yield (
        "Totals",
        "",
        ["requests", "input (uncached)", "cache read", "cache write", "output", "estimated cost",
         "billed cost", "unpriced requests"],
        [[num(t["requests"]), num(t["input_tokens"]), num(t["cache_read_tokens"]), num(t["cache_write_tokens"]),
          num(t["output_tokens"]), money(t["cost_usd"]), money(t.get("billed_cost_usd")),
          num(t["unpriced_requests"])]],
    )
    for w in doc.get("warnings", []):
        yield ("Warning", w, [], [])
    yield (
        "By provider and model",
        "",
        ["provider", "model", "requests", "input", "cache read", "cache write", "output", "estimated cost"],
        [[m["provider"] or "-", m["model"] or "-", num(m["requests"]), num(m["input_tokens"]),
          num(m["cache_read_tokens"]), num(m["cache_write_tokens"]), num(m["output_tokens"]),
          money(m["cost_usd"]) if m["priced"] else "unpriced"] for m in doc["by_provider_model"]],
    )
    if doc.get("unpriced"):
        yield (
            "Unpriced models",
            "Add prices for these to your override file (--prices FILE); the snippet is ready to paste.",
            ["provider", "model", "requests", "token share", "did you mean", "override snippet"],
            [[u["provider"] or "-", u["model"] or "-", num(u["requests"]), pct(u["token_share"]),
              ", ".join(u["did_you_mean"]) or "-", u["override_snippet"].replace("\n", " ")]
             for u in doc["unpriced"]],
        )
    yield (
        "By project",
        "",
        ["project", "requests", "estimated cost"],
        [[p["project"], num(p["requests"]), money(p["cost_usd"])] for p in doc["by_project"]],
    )
    yield (
        "By day (UTC)",
        "",
        ["day", "provider", "requests", "input", "cache read", "output", "estimated cost"],
        [[str(d["day"]), d["provider"] or "-", num(d["requests"]), num(d["input_tokens"]),
          num(d["cache_read_tokens"]), num(d["output_tokens"]), money(d["cost_usd"])] for d in doc["by_day"]],
    )
