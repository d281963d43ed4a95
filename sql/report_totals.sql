-- name: report_totals
-- The report's totals over its window (`priced_usage`): requests (those the sources state: with requests_known false, a lower bound), the usage whose source states no request count (its tokens, token share and estimated cost), tokens by kind, estimated cost_usd (priced rows; 0 when the window is empty, NULL when rows exist and none is priced), unpriced requests, the answers gateways served from their own response cache (response_cache_hits: no provider call, so no request, token or cost in the other figures), server-side web and file searches with their priced fees and the calls whose fee has no known price, reported cost, first and last timestamp, and the billed cost of the window's cost lines (`costs`: the caller passes the report's window over them).
SELECT coalesce(sum(request_count), 0) AS requests,
       -- include: report_request_sums
       -- include: report_token_sums
       CASE WHEN count(*) = 0 THEN 0 ELSE sum(cost_usd) END AS cost_usd,  -- no usage: $0, known
       coalesce(sum(request_count) FILTER (WHERE NOT priced), 0) AS unpriced_requests,
       count(*) FILTER (WHERE response_cache_hit) AS response_cache_hits,
       -- include: report_server_tool_sums
       sum(reported_cost_usd) AS reported_cost_usd,
       min(ts) AS first_ts, max(ts) AS last_ts,
       (SELECT sum(cost_usd) FROM costs) AS billed_cost_usd
FROM priced_usage
