"""OTLP/JSON span files, shared by the span conventions read from them (OTel GenAI, OpenInference).

One line of a Collector `file` exporter output is a `TracesData`: spans sit at
`resourceSpans[].scopeSpans[].spans[]` and attributes are `[{key, value: {stringValue|intValue|...}}]`
(opentelemetry-proto `trace/v1/trace.proto`, JSON mapping). The conventions differ only in which
attributes they read, so the unnesting lives here once.
"""

from __future__ import annotations

import re

from llmcost.ingest import InputFile, lines_sql
from llmcost.ingest._tags import bare_sql, merge_sql, object_sql, pairs_sql

ATTR = "STRUCT(key VARCHAR, value JSON)[]"


def spans_head(head: bytes) -> bytes | None:
    """The start of a file (its first 64 KiB, a UTF-8 byte-order mark dropped: it is not part of the
    JSON) when the file is OTLP/JSON spans, a line beginning `{"resourceSpans"`, or the same document
    pretty-printed (`jq .`: `{` alone on the first line) or in a JSON array, which `lines_sql` reads
    record by record; else None. Each span convention's sniff then looks in it for its own
    attributes."""
    start = head[:65536].removeprefix(b"\xef\xbb\xbf")
    return start if _TRACES_DATA.match(start) else None


_TRACES_DATA = re.compile(rb'\s*\[?\s*\{\s*"resourceSpans"')


def attrs_map(expr: str) -> str:
    """A VARCHAR map from an OTLP attribute array (JSON): scalar values as text, arrays as JSON.

    A key listed twice keeps its last value. Keys should be unique (opentelemetry-specification
    common.md, "Attribute Collections"), but SDKs and exporters do repeat them
    (opentelemetry-cpp#1944, opentelemetry-dotnet#535), and a set attribute SHOULD overwrite the
    earlier one; map_from_entries refused the repeat ('Map keys must be unique') and the whole file
    failed. The de-duplication runs only on a list that repeats a key.
    """
    entries = (
        f"list_transform(coalesce(TRY_CAST({expr} AS {ATTR}), []), lambda a: "
        "{'k': a.key, 'v': coalesce(a.value ->> 'stringValue', a.value ->> 'intValue', "
        "a.value ->> 'doubleValue', a.value ->> 'boolValue', CAST(a.value -> 'arrayValue' AS VARCHAR))})"
    )
    # last wins: reversed, an entry is kept where its key is first found; tried only where the
    # plain map fails (try() gives NULL), so a span without repeats costs what it did
    last = (f"list_transform([{entries}], lambda _e: map_from_entries(list_filter(list_reverse(_e), "
            "lambda e, i: list_position(list_transform(list_reverse(_e), lambda x: x.k), e.k) = i)))[1]")
    return f"coalesce(try(map_from_entries({entries})), {last})"


def attr(key: str) -> str:
    """One span attribute, as text, from the map `a` that `spans_sql` provides."""
    return f"a['{key}']"


def provider_sql(prov: str) -> str:
    """The billing provider of a span's provider attribute `prov` (lower-case text): the GenAI
    conventions' dotted names (`aws.bedrock`, `gcp.vertex_ai`, `azure.ai.openai`;
    formats-request-logs.md section 4; and the deprecated `az.ai.inference` / `az.ai.openai`,
    which azure-ai-inference's tracing still writes and which were a provider `az`) by their cloud,
    and the Vercel AI SDK's `<provider>.<api>` ids (`openai.chat`, `openai.responses`,
    `anthropic.messages`, `google.generative-ai`, `amazon-bedrock`) by the provider before the dot,
    so that its rows group, and reconcile, with the same provider's exports (`openai.chat` was a
    provider of its own)."""
    return (f"CASE WHEN {prov} LIKE 'aws%' OR {prov} LIKE 'amazon%' THEN 'aws' "
            f"WHEN {prov} LIKE 'gcp%' OR {prov} LIKE 'google%' OR {prov} LIKE 'vertex%' OR {prov} = 'gemini' "
            f"THEN 'google' WHEN {prov} LIKE 'azure%' OR {prov} LIKE 'az.%' THEN 'azure' "
            f"ELSE split_part({prov}, '.', 1) END")


def spans_sql(f: InputFile) -> str:
    """CTEs ending in `a(source_line, raw, _ok, ra, service, sp, a)`: one row per span (or bad line).

    `_ok` is false for a line that is not a JSON object; `ra` is the resource's attributes as a map
    and `service` its `service.name`; `sp` the span as JSON; `a` its attributes as a map.
    """
    return f"""
        l AS (SELECT source_line, raw, json_valid(raw) AND left(ltrim(raw), 1) = '{{' AS _ok
              FROM ({lines_sql(f)})),
        r AS (SELECT source_line, raw, _ok,
                     unnest(CASE WHEN _ok THEN json_extract(raw, '$.resourceSpans[*]')
                                 ELSE [NULL::JSON] END) AS rs
              FROM l),
        s AS (SELECT source_line, raw, _ok,
                     {attrs_map("rs -> '$.resource.attributes'")} AS ra,
                     unnest(CASE WHEN _ok THEN json_extract(rs, '$.scopeSpans[*].spans[*]')
                                 ELSE [NULL::JSON] END) AS sp
              FROM r),
        a AS (SELECT source_line, raw, _ok, ra, ra['service.name'] AS service, sp,
                     {attrs_map("sp -> '$.attributes'")} AS a FROM s)"""


TAG_PREFIXES = ("tag.", "metadata.")


def tags_sql() -> str:
    """The user's tags of a span (for `extra.tags`, llmcost.ingest._tags), from the maps `ra` and `a`.

    The GenAI semantic conventions define no tag attribute (formats-request-logs.md section 4: apps
    use their own keys), so tags are read where OpenInference puts them (Arize-ai/openinference
    `spec/semantic_conventions.md`, Reserved Attributes): `tag.tags` (a list of strings: bare tags)
    and `metadata` (a JSON object string: its scalar keys), plus any attribute named `tag.NAME` or
    `metadata.NAME` (a metadata object flattened into attributes) as tag NAME. Resource attributes
    first, the span's own win.
    """
    def bare(m: str) -> str:
        v = f"{m}['tag.tags']"
        # an OTLP array attribute is `{"values": [{"stringValue": ...}]}`; some SDKs write a JSON string
        return bare_sql(f"(CASE WHEN json_valid({v}) AND json_type({v}) = 'ARRAY' THEN {v} "
                        f"ELSE to_json(json_extract_string({v}, '$.values[*].stringValue')) END)")

    def prefixed(m: str) -> str:
        cond = " OR ".join(f"starts_with(e.key, '{p}')" for p in TAG_PREFIXES)
        return pairs_sql(
            f"list_transform(list_filter(map_entries({m}), lambda e: ({cond}) AND e.key <> 'tag.tags'), "
            "lambda e: {'key': regexp_replace(e.key, '^(tag|metadata)\\.', ''), 'value': to_json(e.value)})"
        )

    return merge_sql(bare("ra"), bare("a"), object_sql("ra['metadata']"), prefixed("ra"),
                     object_sql("a['metadata']"), prefixed("a"))
