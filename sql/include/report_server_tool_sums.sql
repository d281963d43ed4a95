-- server-side web and file searches, their priced fees, and the calls whose fee has no known price
coalesce(sum(web_search_calls), 0) AS web_search_calls,
coalesce(sum(file_search_calls), 0) AS file_search_calls,
coalesce(sum(cost_server_tools_usd), 0) AS server_tools_cost_usd,
coalesce(sum(web_search_calls) FILTER (WHERE web_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
    AS unpriced_web_search_calls,
coalesce(sum(file_search_calls) FILTER (WHERE file_search_calls > 0 AND cost_server_tools_usd IS NULL), 0)
    AS unpriced_file_search_calls,
