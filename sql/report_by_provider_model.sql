-- name: report_by_provider_model
-- The report's window (`priced_usage`) per provider and model, the most expensive first (ties by provider and model): the priced model id, requests (a lower bound when requests_known is false), the usage whose source states no request count, tokens by kind, cost_usd (NULL when none of its rows is priced), whether every row is priced, server-side web and file searches with their priced fees and the calls whose fee has no known price, and reported cost.
SELECT provider, model, any_value(model_key) AS model_key, sum(request_count) AS requests,
       -- include: report_request_sums
       -- include: report_token_sums
       sum(cost_usd) AS cost_usd, bool_and(priced) AS priced,
       -- include: report_server_tool_sums
       sum(reported_cost_usd) AS reported_cost_usd
FROM priced_usage GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, requests DESC, provider NULLS LAST, model NULLS LAST
