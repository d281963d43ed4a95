-- name: cache_hit_rate
-- Prompt-cache hit rate = cache_read_tokens / (cache_read_tokens + cache_write_tokens + input_tokens), token-weighted, over rows whose source reports cache fields (cache_known), per provider, model and day (local_day: the report's --tz, UTC outside a report), per provider and model, per provider, and overall (column level). hit_rate is NULL with a reason when no row of the group carries cache fields (unknown, not 0%) or it has no input. requests is a lower bound when requests_known is false (part of the group's usage comes from exports that state no request count).
WITH daily AS (
    SELECT provider, model,
           local_day AS day,
           sum(coalesce(request_count, 1)) AS requests,
           -- include: report_request_sums
           sum(coalesce(request_count, 1)) FILTER (WHERE cache_known) AS known_requests,
           sum(coalesce(input_tokens, 0)) FILTER (WHERE cache_known) AS input_tokens,
           sum(coalesce(cache_read_tokens, 0)) FILTER (WHERE cache_known) AS cache_read_tokens,
           sum(coalesce(cache_write_tokens, 0)) FILTER (WHERE cache_known) AS cache_write_tokens
    FROM priced_usage
    WHERE
        -- include: in_window
    GROUP BY ALL
),
g AS (
    SELECT provider, model, day,
           grouping(provider, model, day) AS gid,
           sum(requests) AS requests,
           bool_and(requests_known) AS requests_known,
           sum(known_requests) AS known_requests,
           sum(input_tokens) AS input_tokens,
           sum(cache_read_tokens) AS cache_read_tokens,
           sum(cache_write_tokens) AS cache_write_tokens
    FROM daily
    GROUP BY GROUPING SETS ((provider, model, day), (provider, model), (provider), ())
)
SELECT CASE gid WHEN 0 THEN 'provider_model_day' WHEN 1 THEN 'provider_model' WHEN 3 THEN 'provider'
                ELSE 'all' END AS level,
       provider, model, day,
       CAST(requests AS BIGINT) AS requests,
       requests_known,
       CAST(coalesce(known_requests, 0) AS BIGINT) AS cache_known_requests,
       CAST(requests - coalesce(known_requests, 0) AS BIGINT) AS cache_unknown_requests,
       CAST(input_tokens AS BIGINT) AS uncached_input_tokens,
       CAST(cache_read_tokens AS BIGINT) AS cache_read_tokens,
       CAST(cache_write_tokens AS BIGINT) AS cache_write_tokens,
       CASE WHEN input_tokens + cache_read_tokens + cache_write_tokens > 0
            THEN cache_read_tokens / (input_tokens + cache_read_tokens + cache_write_tokens) END AS hit_rate,
       CASE WHEN known_requests IS NULL THEN 'unknown: the source reports no cache fields'
            WHEN input_tokens + cache_read_tokens + cache_write_tokens = 0 THEN 'no input tokens'
       END AS reason
FROM g
ORDER BY gid DESC, provider NULLS FIRST, model NULLS FIRST, day NULLS FIRST
