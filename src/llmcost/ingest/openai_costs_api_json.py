"""OpenAI Costs API pages (`GET /v1/organization/costs`) saved as JSON, into the `costs` table.

Why: usage counts are not money; OpenAI's own dollars per day (and per line item) are what the
invoice says, so reconciliation takes money from here when it is present.

Field mapping (formats-provider-exports.md 1.2; openai/openai-openapi `CostsResult`, commit
13c6a94 for `quantity_unit`):

- envelope as the Usage API: page -> buckets (daily, Unix s, end exclusive) -> results.
- amount.value -> cost_usd: dollars, a JSON number OR a decimal string ("12.50"); read as text
  and cast to DECIMAL, never through a float. amount.currency (lowercase) -> currency; a non-USD
  amount is quarantined rather than guessed.
- line_item (only with group_by=line_item) -> line_item as is; best-effort parse of
  `[<tier> | ]<model>, <piece>[, <suffix>]`: model = first comma part, token_type from piece
  (`input`, `output`, `cached input` -> cache_read, `cache writes` -> cache_write), the tier
  prefix (`priority | ...`) -> extra.service_tier. Items without a comma (`web search tool
  calls`) have no model and no token type.
- quantity, quantity_unit -> quantity, unit; project_id -> project; api_key_id -> api_key.

event_id = md5(provider, 'costs', bucket start, width, project_id, api_key_id, line_item,
user_id); grain 'bucket' so a re-fetched (restated) day replaces the earlier copy. An org total
(an ungrouped bucket) beside grouped rows of the same bucket is quarantined (not counted twice);
an all-NULL result inside a grouped bucket (project_id NULL in a page grouped by project: the
default project) is a share of its own and counts (`_exports.org_total_sql`).
"""

from __future__ import annotations

from llmcost.ingest import IngestContext, Ingestor, InputFile, register, text
from llmcost.ingest._exports import dec, null_group_id, org_total_sql, pages_sql

GROUP_KEYS = ("project_id", "api_key_id", "line_item", "user_id")


def line_item_parts(li: str) -> dict[str, str]:
    """SQL expressions (over the text expression `li`) for tier, model, piece and token_type."""
    rest = f"trim(CASE WHEN contains({li}, '|') THEN substr({li}, strpos({li}, '|') + 1) ELSE {li} END)"
    piece = f"lower(trim(split_part({rest}, ',', 2)))"
    return {
        "tier": f"CASE WHEN contains({li}, '|') THEN lower(trim(split_part({li}, '|', 1))) END",
        "model": f"CASE WHEN contains({rest}, ',') THEN trim(split_part({rest}, ',', 1)) END",
        "token_type": (
            f"CASE {piece} WHEN 'input' THEN 'input' WHEN 'output' THEN 'output' "
            f"WHEN 'cached input' THEN 'cache_read' WHEN 'cache writes' THEN 'cache_write' "
            f"WHEN 'cache write' THEN 'cache_write' END"
        ),
    }


@register
class OpenAICostsApiJson(Ingestor):
    name = "openai_costs_api_json"
    title = "OpenAI Costs API pages (daily dollars per project / line item; JSON)"
    obtain = (
        "`GET /v1/organization/costs?bucket_width=1d&group_by[]=line_item&group_by[]=project_id` with an "
        "Admin key; save each page (or a JSON array of pages) as .json."
    )
    table = "costs"
    grain = "bucket"

    def sniff(self, head: bytes, name: str) -> bool:
        return "organization.costs.result" in text(head)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        parts = line_item_parts("line_item")
        src = f"""
        SELECT source_line, raw, res->>'object' AS object,
               res->>'project_id' AS project_id, res->>'api_key_id' AS api_key_id,
               res->>'line_item' AS line_item, res->>'user_id' AS user_id,
               res->>'$.amount.value' AS amount, res->>'$.amount.currency' AS currency,
               res->>'quantity' AS quantity, res->>'quantity_unit' AS quantity_unit,
               TRY_CAST(bucket->>'start_time' AS BIGINT) AS start_s,
               TRY_CAST(bucket->>'end_time' AS BIGINT) AS end_s, page_no, bi
        FROM ({pages_sql(f)})"""
        return f"""
        SELECT source_line, raw,
          CASE WHEN object IS DISTINCT FROM 'organization.costs.result'
                 THEN 'not an organization.costs.result object'
               WHEN start_s IS NULL OR end_s IS NULL THEN 'bucket without integer start_time/end_time'
               WHEN amount IS NULL OR {dec("amount")} IS NULL THEN 'amount.value missing or not a number'
               WHEN lower(coalesce(currency, 'usd')) <> 'usd'
                 THEN 'amount in ' || currency || ', not USD: convert before loading'
               WHEN _org AND _grouped_beside
                 THEN 'organisation-wide total beside grouped results for the same bucket (not counted twice)'
          END AS error,
          {null_group_id("'openai'", "'costs'", "start_s", "end_s - start_s", *GROUP_KEYS)} AS event_id,
          make_timestamptz(start_s * 1000000) AS ts,
          make_timestamptz(end_s * 1000000) AS bucket_end,
          'openai' AS provider,
          {parts["model"]} AS model,
          project_id AS project,
          api_key_id AS api_key,
          line_item,
          {parts["token_type"]} AS token_type,
          {dec("quantity", 6)} AS quantity,
          quantity_unit AS unit,
          {dec("amount")} AS cost_usd,
          upper(coalesce(currency, 'usd')) AS currency,
          {dec("amount")} AS billed_amount,
          json_object('service_tier', {parts["tier"]}, 'org_total', _org, 'user_id', user_id) AS extra
        FROM ({org_total_sql(src, GROUP_KEYS, "start_s, end_s")})
        """
