-- name: report_totals
-- Spark SQL, written by hand: the report's totals over the window view `priced_usage`, the same query as the inline one in analysis._document (requests, tokens of each kind, cost_usd: $0 with no usage, NULL when nothing is priced; unpriced requests, server-tool calls and fees, reported cost, first and last timestamps). Hand-written because that query is not yet a file of sql/ to transpile; when it becomes one, delete this file.
SELECT coalesce(sum(request_count), 0) AS requests,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
       coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
       CASE WHEN count(*) = 0 THEN CAST(0 AS DECIMAL(38, 12)) ELSE sum(cost_usd) END AS cost_usd,
       coalesce(sum(request_count) FILTER (WHERE NOT priced), 0) AS unpriced_requests,
       coalesce(sum(web_search_calls), 0) AS web_search_calls,
       coalesce(sum(file_search_calls), 0) AS file_search_calls,
       coalesce(sum(cost_server_tools_usd), 0) AS server_tools_cost_usd,
       coalesce(sum(web_search_calls) FILTER (WHERE web_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
           AS unpriced_web_search_calls,
       coalesce(sum(file_search_calls) FILTER (WHERE file_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
           AS unpriced_file_search_calls,
       sum(reported_cost_usd) AS reported_cost_usd,
       min(ts) AS first_ts,
       max(ts) AS last_ts
FROM priced_usage
