-- name: cache_savings
-- Money the prompt cache saved and cost, per provider and model and overall (level): savings_usd = cache-read tokens x (input price - cache-read price), write_premium_usd = cache-write tokens x (write price - input price), net_savings_usd = savings - premium; priced rows only (NULL when none is priced), unpriced rows with cache tokens counted apart.
WITH pm AS (
    SELECT provider, model,
           sum(cache_read_saving_usd) FILTER (WHERE priced) AS savings_usd,
           sum(cache_write_premium_usd) FILTER (WHERE priced) AS write_premium_usd,
           sum(coalesce(cache_read_tokens, 0)) AS cache_read_tokens,
           sum(coalesce(cache_write_tokens, 0)) AS cache_write_tokens,
           sum(coalesce(request_count, 1)) FILTER (
               WHERE NOT coalesce(priced, false)
                 AND coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) > 0) AS unpriced_cache_requests
    FROM priced_usage
    WHERE
        -- include: in_window
    GROUP BY ALL
),
g AS (
    SELECT provider, model, grouping(provider, model) AS gid,
           sum(savings_usd) AS savings_usd,
           sum(write_premium_usd) AS write_premium_usd,
           sum(cache_read_tokens) AS cache_read_tokens,
           sum(cache_write_tokens) AS cache_write_tokens,
           sum(unpriced_cache_requests) AS unpriced_cache_requests
    FROM pm
    GROUP BY GROUPING SETS ((provider, model), ())
)
SELECT CASE gid WHEN 0 THEN 'provider_model' ELSE 'all' END AS level,
       provider, model,
       CAST(cache_read_tokens AS BIGINT) AS cache_read_tokens,
       CAST(cache_write_tokens AS BIGINT) AS cache_write_tokens,
       CAST(savings_usd AS DECIMAL(38, 12)) AS savings_usd,
       CAST(write_premium_usd AS DECIMAL(38, 12)) AS write_premium_usd,
       CAST(savings_usd - write_premium_usd AS DECIMAL(38, 12)) AS net_savings_usd,
       CAST(coalesce(unpriced_cache_requests, 0) AS BIGINT) AS unpriced_cache_requests
FROM g
ORDER BY gid DESC, net_savings_usd DESC NULLS LAST, provider, model
