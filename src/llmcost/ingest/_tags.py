"""The user's own tags, kept in `extra.tags` by every format that carries them.

Why: teams attribute spend by their own labels (LiteLLM request tags, Langfuse trace tags and
metadata, Helicone custom properties, OTel span attributes); the report groups by them with
`--by tag:NAME` (sql/spend_by_tag.sql). One shape for every format, so the report needs no
knowledge of where a tag came from:

    extra.tags = {"team": "web", "env": "prod", "beta": true}

- key/value pairs (a metadata object, custom properties, `tag.team` attributes) keep their value;
  only scalar values are tags (a nested object or list in metadata is not a label);
- a bare tag (a list entry such as LiteLLM `request_tags` ["beta"]) becomes `"beta": true`, so
  `--by tag:beta` splits spend into `true` and `(untagged)`;
- when a name is both a bare tag and a key, the key's value wins; among several sources the later
  (more specific) one wins, e.g. a Langfuse observation's metadata over its trace's.
- no tags: no `tags` key (never an empty object).

Secrets in tag values are masked with the rest of `extra` by the loader (llmcost.ingest.privacy).
Everything here returns DuckDB SQL; no row is touched in Python.
"""

from __future__ import annotations

_EMPTY = "'{}'::JSON"
# Every expression below uses each of its inputs once: DuckDB does not share a repeated
# subexpression, and evaluating a source's tags three times made a Helicone ingest 3x slower.


def bare_sql(json_list: str) -> str:
    """A JSON object `{tag: true}` from a JSON array of bare tags (SQL text or JSON); NULL when none."""
    arr = (
        f"TRY_CAST(CASE WHEN json_valid({json_list}) AND json_type({json_list}) = 'ARRAY' "
        f"THEN CAST({json_list} AS JSON) END AS VARCHAR[])"
    )
    names = f"list_distinct(list_filter({arr}, lambda t: t IS NOT NULL AND trim(t) <> ''))"
    return (
        f"nullif(CAST(map_from_entries(list_transform({names}, lambda t: {{'k': t, 'v': true}})) AS JSON), "
        f"{_EMPTY})"
    )


def object_sql(json_obj: str, drop_prefix: str | None = None) -> str:
    """The scalar members of a JSON object (SQL text or JSON) as a JSON object; NULL when none.
    Members whose name starts with `drop_prefix` (a format's own keys) are left out."""
    # json_keys and one json_extract per key: a JSON -> MAP cast took 12 us a row (2.5 s for 200k
    # Helicone rows), this a third less
    obj = f"(CASE WHEN json_valid({json_obj}) AND json_type({json_obj}) = 'OBJECT' THEN {json_obj} END)"
    keys = f"list_distinct(json_keys({obj}))"
    if drop_prefix:
        keys = f"list_filter({keys}, lambda k: NOT starts_with(k, '{drop_prefix}'))"
    entries = (
        f"list_transform({keys}, lambda k: {{'k': k, 'v': json_extract({obj}, "
        """'$."' || replace(k, '"', '\\"') || '"')})"""
    )
    scalar = f"list_filter({entries}, lambda e: json_type(e.v) NOT IN ('OBJECT', 'ARRAY', 'NULL'))"
    return f"nullif(CAST(map_from_entries({scalar}) AS JSON), {_EMPTY})"


def drop_keys_sql(json_obj: str, prefix: str) -> str:
    """A JSON object of flat string members (SQL text or JSON) without the members whose name starts
    with `prefix`; NULL when nothing is left or it is not an object. Three times as fast as object_sql
    (one merge patch, no per-key work), for sources whose values are strings by definition."""
    obj = f"(CASE WHEN json_valid({json_obj}) AND json_type({json_obj}) = 'OBJECT' THEN {json_obj} END)"
    nulls = (
        f"'{{' || array_to_string(list_transform(list_filter(json_keys({obj}), lambda k: starts_with(k, '{prefix}')), "
        "lambda k: CAST(to_json(k) AS VARCHAR) || ':null'), ',') || '}'"
    )
    return f"nullif(json_merge_patch({obj}, {nulls}), {_EMPTY})"


def pairs_sql(entries: str) -> str:
    """A JSON object from a list of STRUCT(key VARCHAR, value JSON), later keys winning; NULL when empty."""
    kept = f"list_filter({entries}, lambda e: e.key IS NOT NULL AND e.key <> '' AND e.value IS NOT NULL)"
    return (
        f"nullif(list_reduce(list_transform({kept}, lambda e: json_object(e.key, e.value)), "
        f"lambda x, y: json_merge_patch(x, y), {_EMPTY}), {_EMPTY})"
    )


def merge_sql(*parts: str) -> str:
    """The tags object from several sources (each a JSON object or NULL), later ones winning; NULL when none."""
    if not parts:
        return "CAST(NULL AS JSON)"
    merged = f"coalesce({parts[0]}, {_EMPTY})"
    for p in parts[1:]:
        merged = f"json_merge_patch({merged}, coalesce({p}, {_EMPTY}))"
    return f"nullif({merged}, {_EMPTY})"


def with_tags(extra: str, tags: str) -> str:
    """`extra` (a JSON object or NULL, never holding a "tags" key already) with `tags` added under the
    key "tags" when there are any."""
    # The lambda binds the tags once (t); the key is spliced into the object's text, which a JSON
    # merge patch did at 3 us a row (0.65 s for 200k rows) for the same result.
    return (
        f"list_transform([{tags}], lambda t: CASE WHEN t IS NULL THEN {extra} "
        f"""WHEN {extra} IS NULL OR CAST({extra} AS VARCHAR) = '{{}}' THEN '{{"tags":' || CAST(t AS VARCHAR) || '}}' """
        f"""ELSE left(CAST({extra} AS VARCHAR), -1) || ',"tags":' || CAST(t AS VARCHAR) || '}}' END)[1]"""
    )
