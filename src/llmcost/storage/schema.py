"""The canonical tables every ingestor writes and every query reads.

Providers count tokens differently (OpenAI and Gemini input includes cached tokens, Anthropic and
Bedrock input excludes them, reasoning sits inside output). Ingestors normalise once into these
columns so that nothing downstream needs to know where a row came from. The column names are a
contract (see docs/schema.md): add columns freely, never rename these.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

MONEY = pa.decimal128(38, 12)
"""Money is Decimal with 12 places (sub-micro-dollar precision for per-token prices)."""

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    duckdb: str


def _c(name: str, type_: pa.DataType, duckdb: str, doc: str) -> Column:
    return Column(name, type_, doc, duckdb)


USAGE_COLUMNS: tuple[Column, ...] = (
    _c(
        "event_id",
        pa.string(),
        "VARCHAR",
        "Stable id: the source's own request id where it has one, else a hash of the identifying fields.",
    ),
    _c(
        "source",
        pa.string(),
        "VARCHAR",
        "Name of the ingestor that read the row (see `llmcost-forecast formats`).",
    ),
    _c(
        "source_file",
        pa.string(),
        "VARCHAR",
        "Path of the file the row came from (archive!member for archives).",
    ),
    _c(
        "source_line",
        pa.int64(),
        "BIGINT",
        "1-based line (or record) number in that file. NULL for JSONL request logs read by the "
        "parallel reader, which is used only when every row carries the source's own unique id "
        "(`event_id` finds the line); quarantined rows always have their line.",
    ),
    _c(
        "grain",
        pa.string(),
        "VARCHAR",
        "'request' (one API call) or 'bucket' (a provider's usage aggregate).",
    ),
    _c("ts", TS, "TIMESTAMPTZ", "UTC time of the request; bucket start for buckets."),
    _c("bucket_end", TS, "TIMESTAMPTZ", "UTC end of the bucket (exclusive); null for requests."),
    _c("provider", pa.string(), "VARCHAR", "Billing provider: openai, anthropic, google, aws, azure, ..."),
    _c("model", pa.string(), "VARCHAR", "Model name as the source states it (normalised only when priced)."),
    _c("project", pa.string(), "VARCHAR", "Project, workspace or app the usage belongs to."),
    _c("api_key", pa.string(), "VARCHAR", "API key id or name; secrets are masked before storage."),
    _c("user_id", pa.string(), "VARCHAR", "End user or key owner, as the source states it."),
    _c("conversation_id", pa.string(), "VARCHAR", "Conversation or session id; null when unknown."),
    _c(
        "conversation_inferred",
        pa.bool_(),
        "BOOLEAN",
        "True when conversation_id was inferred by the tool rather than read from the source.",
    ),
    _c(
        "turn", pa.int32(), "INTEGER", "1-based turn within the conversation (order by time when not stated)."
    ),
    _c("request_count", pa.int64(), "BIGINT", "Number of API requests the row stands for (1 for requests)."),
    _c(
        "requests_known",
        pa.bool_(),
        "BOOLEAN",
        "True when the source states how many requests the row stands for; false when it states none (usage "
        "and billing exports that give tokens and money only: request_count is then 0, meaning not stated, not "
        "zero). Null in stores written before the column: read as false for a bucket with request_count 0, "
        "else true (sql/include/requests_stated.sql).",
    ),
    _c("input_tokens", pa.int64(), "BIGINT", "Uncached input tokens only (excludes cache reads and writes)."),
    _c("cache_read_tokens", pa.int64(), "BIGINT", "Input tokens served from the provider's prompt cache."),
    _c("cache_write_tokens", pa.int64(), "BIGINT", "All input tokens written to the prompt cache (5m + 1h)."),
    _c(
        "cache_write_1h_tokens",
        pa.int64(),
        "BIGINT",
        "The part of cache_write_tokens with a 1-hour lifetime.",
    ),
    _c("output_tokens", pa.int64(), "BIGINT", "Output tokens, reasoning included."),
    _c("reasoning_tokens", pa.int64(), "BIGINT", "Reasoning/thinking tokens (a subset of output_tokens)."),
    _c(
        "cache_known",
        pa.bool_(),
        "BOOLEAN",
        "True when the source reports prompt-cache fields; false means cache behaviour is unknown, not zero.",
    ),
    _c("batch", pa.bool_(), "BOOLEAN", "True when the request went through a batch API (about half price)."),
    _c("service_tier", pa.string(), "VARCHAR", "Service tier: default, flex, priority, ... when stated; `fast` for "
       "OpenAI's fast (priority) tier and for Anthropic fast mode (`speed: \"fast\"`, docs/pricing.md \"Fast mode\")."),
    _c("inference_geo", pa.string(), "VARCHAR", "Where the provider says inference ran, when it says so: Anthropic's "
       "`usage.inference_geo` (`global`, `us`, `not_available`). `us` (US-only inference, Claude Opus 4.6 and later) "
       "is priced 1.1x (docs/pricing.md \"Data residency\")."),
    _c(
        "reported_cost_usd", MONEY, "DECIMAL(38,12)", "Cost the source itself states, in USD; null otherwise."
    ),
    _c(
        "response_cache_hit",
        pa.bool_(),
        "BOOLEAN",
        "True when a gateway answered from its own response cache (no provider call, no provider cost): "
        "priced at exactly $0 and counted apart from requests and tokens (docs/pricing.md).",
    ),
    _c(
        "tool_calls",
        pa.int32(),
        "INTEGER",
        "Tool or function calls in the response, where the source shows them.",
    ),
    _c(
        "web_search_calls",
        pa.int64(),
        "BIGINT",
        "Server-side web searches the provider bills per call, where the source states them (Anthropic "
        "usage.server_tool_use.web_search_requests, OpenAI Responses web_search_call output items); "
        "priced apart from tokens (cost_server_tools_usd); null when the source does not say.",
    ),
    _c(
        "file_search_calls",
        pa.int64(),
        "BIGINT",
        "Server-side file searches (vector store searches) the provider bills per call, where the source "
        "states them (OpenAI Responses file_search_call output items); priced apart from tokens "
        "(cost_server_tools_usd); null when the source does not say.",
    ),
    _c(
        "label",
        pa.string(),
        "VARCHAR",
        "User-supplied complexity label (simple/medium/complex); overrides ours.",
    ),
    _c(
        "extra",
        pa.string(),
        "VARCHAR",
        "Format-specific details as a JSON object (e.g. sidechain, geo). The user's own tags, where the source "
        "has them, sit under `tags` as an object of tag name -> value, e.g. {\"tags\": {\"team\": \"web\", "
        "\"beta\": true}}: key/value tags keep their (scalar) value, a bare tag from a list (LiteLLM "
        "`request_tags`, Langfuse trace `tags`, OpenInference `tag.tags`) becomes `true`; no tags, no key. "
        "Secrets in tag values are masked like every text column. `--by tag:NAME` groups spend by them "
        "(docs/formats-request-logs.md says which fields each format reads).",
    ),
    _c("prompt_text", pa.string(), "VARCHAR", "Prompt text; only stored with --keep-text."),
    _c("response_text", pa.string(), "VARCHAR", "Response text; only stored with --keep-text."),
    _c(
        "run_labels",
        pa.string(),
        "VARCHAR",
        "Labels given with --label KEY=VALUE to the run that stored the row's file (e.g. the machine), as a "
        "JSON object such as {\"host\": \"laptop\"}; null when none. Not part of event_id: a reply seen on two "
        "machines is one row, labelled as its live copy (the first stored for requests, the latest export "
        "for buckets).",
    ),
)

USAGE_TOKEN_COLUMNS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)

COSTS_COLUMNS: tuple[Column, ...] = (
    _c(
        "event_id",
        pa.string(),
        "VARCHAR",
        "Stable id of the cost line (source id or hash of identifying fields).",
    ),
    _c("source", pa.string(), "VARCHAR", "Name of the ingestor that read the line."),
    _c("source_file", pa.string(), "VARCHAR", "File the line came from."),
    _c("source_line", pa.int64(), "BIGINT", "1-based line or record number in that file."),
    _c("ts", TS, "TIMESTAMPTZ", "UTC start of the charge period."),
    _c("bucket_end", TS, "TIMESTAMPTZ", "UTC end of the charge period (exclusive)."),
    _c("provider", pa.string(), "VARCHAR", "Billing provider."),
    _c("model", pa.string(), "VARCHAR", "Model the charge is for, where stated."),
    _c("project", pa.string(), "VARCHAR", "Project, workspace, subscription or account."),
    _c("api_key", pa.string(), "VARCHAR", "API key id, where stated (masked)."),
    _c("line_item", pa.string(), "VARCHAR", "What was charged: SKU, meter, token type or description."),
    _c(
        "token_type",
        pa.string(),
        "VARCHAR",
        "input, cache_read, cache_write, cache_write_1h, output, or null when the line is not per token kind.",
    ),
    _c("quantity", pa.decimal128(38, 6), "DECIMAL(38,6)", "Billed quantity in the source's unit."),
    _c("unit", pa.string(), "VARCHAR", "Unit of quantity (tokens, 1M tokens, requests, ...)."),
    _c("cost_usd", MONEY, "DECIMAL(38,12)", "Billed amount after credits, in USD."),
    _c("list_cost_usd", MONEY, "DECIMAL(38,12)", "List (pre-discount) amount in USD, where stated."),
    _c("credits_usd", MONEY, "DECIMAL(38,12)", "Credits applied (negative or zero), where stated."),
    _c("currency", pa.string(), "VARCHAR", "Currency the source billed in."),
    _c("billed_amount", MONEY, "DECIMAL(38,12)", "Amount in the source's currency."),
    _c("extra", pa.string(), "VARCHAR", "Format-specific details as a JSON object."),
    _c(
        "run_labels",
        pa.string(),
        "VARCHAR",
        "Labels given with --label KEY=VALUE to the run that stored the line's file, as a JSON object; "
        "null when none.",
    ),
)

INTERNAL_COLUMNS: tuple[Column, ...] = (
    _c("_seq", pa.int64(), "BIGINT", "Ingest sequence number of the file (later files have larger numbers)."),
    _c("_dup", pa.bool_(), "BOOLEAN", "True when another stored row with the same event_id wins."),
)

TABLES: dict[str, tuple[Column, ...]] = {"usage": USAGE_COLUMNS, "costs": COSTS_COLUMNS}


def arrow_schema(table: str, internal: bool = True) -> pa.Schema:
    """The pyarrow schema of a stored table (with the internal bookkeeping columns by default)."""
    cols = TABLES[table] + (INTERNAL_COLUMNS if internal else ())
    return pa.schema([pa.field(c.name, c.type) for c in cols])


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


def duckdb_types(table: str) -> dict[str, str]:
    return {c.name: c.duckdb for c in TABLES[table]}
