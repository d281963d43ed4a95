-- name: swap_tokens_by_day
-- The logged tokens by kind per UTC day, provider and model, for re-pricing on another model: requests, uncached input, cache read, cache write (all lifetimes: the measures' copy carries no 1-hour split), output (reasoning included), and the priced token cost of the priced rows (server-tool fees left out: a swap re-prices tokens, the fees stay as they are) with the unpriced requests beside it.
SELECT DATE '1970-01-01' + CAST(epoch_us(ts) // 86400000000 AS INTEGER) AS day,
       provider, model,
       CAST(sum(coalesce(request_count, 1)) AS BIGINT) AS requests,
       CAST(sum(coalesce(input_tokens, 0)) AS BIGINT) AS input_tokens,
       CAST(sum(coalesce(cache_read_tokens, 0)) AS BIGINT) AS cache_read_tokens,
       CAST(sum(coalesce(cache_write_tokens, 0)) AS BIGINT) AS cache_write_tokens,
       CAST(sum(coalesce(output_tokens, 0)) AS BIGINT) AS output_tokens,
       CAST(sum(cost_usd - coalesce(cost_server_tools_usd, 0)) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       CAST(coalesce(sum(coalesce(request_count, 1)) FILTER (WHERE NOT coalesce(priced, false)), 0) AS BIGINT)
           AS unpriced_requests
FROM priced_usage
WHERE
    -- include: in_window
GROUP BY ALL
ORDER BY day, provider, model
