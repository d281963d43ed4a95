-- name: report_by_day
-- The report's window (`priced_usage`) per calendar day in the report's --tz (local_day) and provider: requests (a lower bound when requests_known is false), the usage whose source states no request count, tokens of each kind (0 when none) and cost_usd (NULL when none of the day's rows is priced, never $0; an unpriced row adds nothing).
SELECT local_day AS day, provider, sum(request_count) AS requests,
       -- include: report_request_sums
       coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
       coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens, sum(cost_usd) AS cost_usd
FROM priced_usage GROUP BY ALL ORDER BY day, provider
