-- name: reconcile_daily
-- Per provider and UTC day (of the rows and cost lines it reads: a report gives it its --tz window of each), money counted once and how well request logs explain it: money_basis, billed_usd (the provider's cost export), estimated_usd (the provider's own volume priced by the engine: bucket rows where present, else request rows), money_usd (billed when present, else the estimate of the rows that count for money; never both), gap_usd = estimated - billed and gap_pct, provider_tokens (bucket rows), request_tokens (request logs) and coverage = request_tokens / provider_tokens. Reads reconcile_priced (money_usage priced by llmcost.pricing.attach_costs) and costs.
WITH usage_day AS (
    SELECT provider, day,
           any_value(money_basis) AS money_basis,
           bool_or(grain = 'bucket') AS has_bucket,
           sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)
               FILTER (WHERE grain = 'bucket' AND counts_for_tokens) AS provider_tokens,
           sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)
               FILTER (WHERE grain = 'request') AS request_tokens,
           CAST(sum(cost_usd) FILTER (WHERE counts_for_tokens) AS DECIMAL(38, 12)) AS estimated_usd,
           -- the estimate that is money: none on a billed provider-day, also when the report's
           -- window (its --tz days) holds that day's rows but not its cost lines
           CAST(sum(cost_usd) FILTER (WHERE counts_for_money) AS DECIMAL(38, 12)) AS estimated_money_usd,
           count(*) FILTER (WHERE counts_for_tokens AND NOT coalesce(priced, false)) AS unpriced_rows
    FROM reconcile_priced
    GROUP BY provider, day
),
billed AS (
    SELECT provider, CAST(ts AT TIME ZONE 'UTC' AS DATE) AS day,
           CAST(sum(cost_usd) AS DECIMAL(38, 12)) AS billed_usd
    FROM costs
    GROUP BY ALL
)
SELECT coalesce(u.provider, b.provider) AS provider,
       coalesce(u.day, b.day) AS day,
       CASE WHEN b.billed_usd IS NOT NULL THEN 'billed' ELSE u.money_basis END AS money_basis,
       b.billed_usd,
       u.estimated_usd,
       CAST(CASE WHEN b.billed_usd IS NOT NULL THEN b.billed_usd ELSE u.estimated_money_usd END AS DECIMAL(38, 12))
           AS money_usd,
       CAST(u.estimated_usd - b.billed_usd AS DECIMAL(38, 12)) AS gap_usd,
       CASE WHEN b.billed_usd <> 0
            THEN CAST(u.estimated_usd - b.billed_usd AS DOUBLE) / CAST(b.billed_usd AS DOUBLE) END AS gap_pct,
       CAST(u.provider_tokens AS BIGINT) AS provider_tokens,
       CAST(coalesce(u.request_tokens, 0) AS BIGINT) AS request_tokens,
       CASE WHEN u.provider_tokens > 0
            THEN CAST(coalesce(u.request_tokens, 0) AS DOUBLE) / CAST(u.provider_tokens AS DOUBLE) END AS coverage,
       coalesce(u.unpriced_rows, 0) AS unpriced_rows
FROM usage_day u
FULL OUTER JOIN billed b ON b.provider IS NOT DISTINCT FROM u.provider AND b.day = u.day
WHERE ($since IS NULL OR coalesce(u.day, b.day) >= $since)
  AND ($until IS NULL OR coalesce(u.day, b.day) < $until)
  AND ($provider IS NULL OR coalesce(u.provider, b.provider) = $provider)
ORDER BY provider, day
