-- name: report_by_provider_model
-- The report's window (`priced_usage`) per provider and model, the most expensive first: the priced model id, requests, tokens by kind, cost_usd (NULL when none of its rows is priced), whether every row is priced, server-side web and file searches with their priced fees and the calls whose fee has no known price, and reported cost.
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
FROM priced_usage GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, requests DESC
