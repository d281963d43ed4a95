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

Secrets in tag values are masked with the rest of `extra` by the loader (llmcost.privacy).
Everything here returns DuckDB SQL; no row is touched in Python.
"""

from __future__ import annotations

_EMPTY = "'{}'::JSON"


def bare_sql(json_list: str) -> str:
    """A JSON object `{tag: true}` from a JSON array of bare tags (SQL text or JSON); NULL when none."""
    arr = (
        f"TRY_CAST(CASE WHEN json_valid({json_list}) AND json_type({json_list}) = 'ARRAY' "
        f"THEN CAST({json_list} AS JSON) END AS VARCHAR[])"
    )
    names = f"list_distinct(list_filter({arr}, lambda t: t IS NOT NULL AND trim(t) <> ''))"
    return (
        f"(CASE WHEN len({names}) > 0 THEN CAST(map_from_entries(list_transform({names}, "
        "lambda t: {'k': t, 'v': true})) AS JSON) END)"
    )


def object_sql(json_obj: str, drop_prefix: str | None = None) -> str:
    """The scalar members of a JSON object (SQL text or JSON) as a JSON object; NULL when none.
    Members whose name starts with `drop_prefix` (a format's own keys) are left out."""
    entries = (
        f"map_entries(TRY_CAST(CASE WHEN json_valid({json_obj}) AND json_type({json_obj}) = 'OBJECT' "
        f"THEN CAST({json_obj} AS JSON) END AS MAP(VARCHAR, JSON)))"
    )
    keep = "json_type(e.value) NOT IN ('OBJECT', 'ARRAY', 'NULL')"
    if drop_prefix:
        keep += f" AND NOT starts_with(e.key, '{drop_prefix}')"
    return pairs_sql(f"list_filter({entries}, lambda e: {keep})")


def pairs_sql(entries: str) -> str:
    """A JSON object from a list of STRUCT(key VARCHAR, value JSON), later keys winning; NULL when empty."""
    kept = f"list_filter({entries}, lambda e: e.key IS NOT NULL AND e.key <> '' AND e.value IS NOT NULL)"
    return (
        f"(CASE WHEN len({kept}) > 0 THEN list_reduce(list_transform({kept}, lambda e: json_object(e.key, e.value)), "
        "lambda x, y: json_merge_patch(x, y)) END)"
    )


def merge_sql(*parts: str) -> str:
    """The tags object from several sources (each a JSON object or NULL), later ones winning; NULL when none."""
    if not parts:
        return "CAST(NULL AS JSON)"
    merged = parts[0]
    for p in parts[1:]:
        merged = f"json_merge_patch(coalesce({merged}, {_EMPTY}), coalesce({p}, {_EMPTY}))"
    return f"(CASE WHEN coalesce({' OR '.join(f'{p} IS NOT NULL' for p in parts)}, false) THEN {merged} END)"


def with_tags(extra: str, tags: str) -> str:
    """`extra` (a JSON object or NULL) with `tags` added under the key "tags" when there are any."""
    return (
        f"(CASE WHEN {tags} IS NULL OR {tags} = {_EMPTY} THEN {extra} "
        f"ELSE json_merge_patch(coalesce({extra}, {_EMPTY}), json_object('tags', {tags})) END)"
    )
