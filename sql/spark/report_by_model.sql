-- name: report_by_model
-- Spark SQL, written by hand: the report's rows per provider and model over the window view `priced_usage`, the same query as the inline one in analysis._document (requests, tokens, cost_usd NULL when none is priced, priced when every row is, server-tool calls and fees, reported cost), the most expensive first. Hand-written because that query is not yet a file of sql/ to transpile; when it becomes one, delete this file.
SELECT provider, model, any_value(model_key) AS model_key, sum(request_count) AS requests,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
       coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
       sum(cost_usd) AS cost_usd, bool_and(priced) AS priced,
       coalesce(sum(web_search_calls), 0) AS web_search_calls,
       coalesce(sum(file_search_calls), 0) AS file_search_calls,
       coalesce(sum(cost_server_tools_usd), 0) AS server_tools_cost_usd,
       coalesce(sum(web_search_calls) FILTER (WHERE web_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
           AS unpriced_web_search_calls,
       coalesce(sum(file_search_calls) FILTER (WHERE file_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
           AS unpriced_file_search_calls,
       sum(reported_cost_usd) AS reported_cost_usd
FROM priced_usage
GROUP BY provider, model
ORDER BY cost_usd DESC NULLS LAST, requests DESC
