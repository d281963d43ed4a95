"""Write docs/schema.md from llmcost.storage.schema (run after changing the schema; a test checks they agree)."""

from pathlib import Path

from llmcost.storage.schema import COSTS_COLUMNS, INTERNAL_COLUMNS, USAGE_COLUMNS


def render() -> str:
    out = [
        "# The canonical tables",
        "",
        "Every ingestor normalises its source into these columns once, at ingest. The names are a contract:",
        "columns may be added, never renamed. Generated from `src/llmcost/storage/schema.py` by `tools/gen_schema_doc.py`.",
        "",
        "Token conventions: `input_tokens` is uncached input only (OpenAI and Gemini report input *including*",
        "cached tokens, so ingestors subtract them; Anthropic and Bedrock report it excluding them);",
        "`cache_write_tokens` is all cache writes and `cache_write_1h_tokens` the 1-hour part of them;",
        "`output_tokens` includes reasoning, and `reasoning_tokens` is that part. The whole prompt a request",
        "sent is `input_tokens + cache_read_tokens + cache_write_tokens`.",
        "",
    ]
    for title, cols in (
        ("usage", USAGE_COLUMNS),
        ("costs", COSTS_COLUMNS),
        ("bookkeeping (both tables)", INTERNAL_COLUMNS),
    ):
        out += [f"## {title}", "", "| column | type | meaning |", "|---|---|---|"]
        out += [f"| `{c.name}` | {c.duckdb} | {c.doc} |" for c in cols]
        out.append("")
    out += [
        "## Store layout",
        "",
        "`manifest.json` (the commit point: files ingested with size, sha256, ingestor, rows read / stored /",
        "duplicate / quarantined, and the live Parquet parts), `usage/month=YYYY-MM/*.parquet`,",
        "`costs/month=YYYY-MM/*.parquet`, `quarantine/*.jsonl` (file, line, reason, raw text truncated to",
        "2,000 characters with secrets masked), `.lock`. A month can be read alone from its folder; readers",
        "use the manifest's list of parts, so a killed run's unlisted files are never read and are deleted by",
        "the next writer. A format may also derive rows into the other table (FOCUS exports: token buckets",
        "in `usage` beside the cost lines); the manifest keeps them as an entry `<file>#derived:usage` with",
        "`derived_from` naming the file, replaced and counted with it. An entry read by a version of its",
        "format's reader above 1 records it (`reader_version`; the format's `reader_changes` say what each",
        "version changed): a file an older reader read is read again by the next run, though unchanged, and",
        "its rows replaced (a CUR read before its monthly lines were spread over their days).",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    Path(__file__).resolve().parents[1].joinpath("docs/schema.md").write_text(render())
