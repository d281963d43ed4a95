-- name: focus_actuals
-- The FOCUS export's estimated rows before they are shaped (llmcost.document.focus_export): the priced rows of the export's window that count for money (`priced_usage`: no provider-day a cost export bills) per UTC day, provider, model and project, with requests, each token kind's tokens and cost, and each server tool's calls and fee counted only where the row's fee is priced (an unpriced fee is left out of cost_usd too). Unpriced rows have no cost to state and are left out.
SELECT CAST(timezone('UTC', ts) AS DATE) AS day, provider, model, project,
       sum(request_count) AS requests,
       sum(input_tokens) AS input_tokens, sum(cost_input_usd) AS cost_input_usd,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cost_cache_read_usd) AS cost_cache_read_usd,
       sum(cache_write_tokens) AS cache_write_tokens, sum(cost_cache_write_usd) AS cost_cache_write_usd,
       sum(output_tokens) AS output_tokens, sum(cost_output_usd) AS cost_output_usd,
       coalesce(sum(web_search_calls) FILTER (WHERE cost_server_tools_usd IS NOT NULL), 0) AS _web_search_calls,
       coalesce(sum(cost_web_search_usd) FILTER (WHERE cost_server_tools_usd IS NOT NULL), 0) AS _web_search_cost,
       coalesce(sum(file_search_calls) FILTER (WHERE cost_server_tools_usd IS NOT NULL), 0) AS _file_search_calls,
       coalesce(sum(cost_file_search_usd) FILTER (WHERE cost_server_tools_usd IS NOT NULL), 0) AS _file_search_cost
FROM priced_usage
WHERE priced
GROUP BY ALL
ORDER BY day, provider, model, project
