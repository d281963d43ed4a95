-- name: report_totals
-- The report's totals over its window (`priced_usage`): requests, tokens by kind, estimated cost_usd (priced rows; 0 when the window is empty, NULL when rows exist and none is priced), unpriced requests, server-side web and file searches with their priced fees and the calls whose fee has no known price, reported cost, first and last timestamp, and the billed cost of the whole store (`costs`).
SELECT coalesce(sum(request_count), 0) AS requests,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
       coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
       CASE WHEN count(*) = 0 THEN 0 ELSE sum(cost_usd) END AS cost_usd,  -- no usage: $0, known
       coalesce(sum(request_count) FILTER (WHERE NOT priced), 0) AS unpriced_requests,
       coalesce(sum(web_search_calls), 0) AS web_search_calls,
       coalesce(sum(file_search_calls), 0) AS file_search_calls,
       coalesce(sum(cost_server_tools_usd), 0) AS server_tools_cost_usd,
       coalesce(sum(web_search_calls) FILTER (WHERE web_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
           AS unpriced_web_search_calls,
       coalesce(sum(file_search_calls) FILTER (WHERE file_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
           AS unpriced_file_search_calls,
       sum(reported_cost_usd) AS reported_cost_usd,
       min(ts) AS first_ts, max(ts) AS last_ts,
       (SELECT sum(cost_usd) FROM costs) AS billed_cost_usd
FROM priced_usage
