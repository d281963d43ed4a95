-- name: spend_by_tag
-- Spend, requests (a lower bound when requests_known is false), the usage whose source states no request count, and tokens by the value of each tag named in $tags (a list of tag names; the user's own tags that ingestors keep in extra.tags, see docs/schema.md), one row per tag and value plus an '(untagged)' row (untagged = true) for the rows without that tag, so that each tag's rows add up to the report's totals. cost_usd sums priced rows only and is NULL when none of the group is priced; unpriced rows and requests are counted apart, never as $0. A bare tag's value is 'true'.
WITH names AS (
    SELECT DISTINCT unnest(CAST($tags AS VARCHAR[])) AS tag
),
f AS (
    SELECT t.tag,
           -- the name quoted in the JSON path: a tag named 'a.b' is one key, not a path
           json_extract_string(u.extra, '$.tags."' || replace(t.tag, '"', '\"') || '"') AS tag_value,
           coalesce(u.request_count, 1) AS requests,
           u.request_count, u.requests_known, u.grain,
           coalesce(u.input_tokens, 0) AS input_tokens,
           coalesce(u.cache_read_tokens, 0) AS cache_read_tokens,
           coalesce(u.cache_write_tokens, 0) AS cache_write_tokens,
           coalesce(u.output_tokens, 0) AS output_tokens,
           coalesce(u.priced, false) AS priced,
           u.cost_usd
    FROM priced_usage u CROSS JOIN names t
    WHERE ($since IS NULL OR u.ts >= $since)
      AND ($until IS NULL OR u.ts < $until)
      AND ($provider IS NULL OR u.provider = $provider)
)
SELECT tag,
       coalesce(tag_value, '(untagged)') AS value,
       tag_value IS NULL AS untagged,
       CAST(count(*) AS BIGINT) AS n_rows,
       CAST(sum(requests) AS BIGINT) AS requests,
       -- include: report_request_sums
       CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
       CAST(sum(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
       CAST(sum(cache_write_tokens) AS BIGINT) AS cache_write_tokens,
       CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
       CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_rows,
       CAST(coalesce(sum(requests) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_requests,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd
FROM f
GROUP BY tag, tag_value
ORDER BY list_position(CAST($tags AS VARCHAR[]), tag), tag_value IS NULL, cost_usd DESC NULLS LAST, requests DESC,
         tag_value
