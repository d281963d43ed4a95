-- name: compare_months_by_model
-- The month comparison's sums (llmcost.compare) per month ('current' from $cur_start to $cur_end, 'previous' from $prev_start to $prev_end: the same days of the month when the current month's data ends early), provider and model, over a priced relation covering both (`priced_usage`), calendar days in time zone $tz: requests, requests_known (false when some of the usage comes from exports that state no request count: requests then counts only the rows that do; the rule of include/report_request_sums for rows written before the column), tokens (prompt + cache + output), cost_usd and nocache_usd (what the tokens would cost with every cache read billed as uncached input and no write premium) over priced rows (NULL when none is priced), and unpriced requests.
WITH r AS (
    SELECT CAST(timezone($tz, ts) AS DATE) AS day, provider, model, request_count, priced,
           coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0) AS requests_known,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
               + coalesce(output_tokens, 0) AS tokens,
           cost_usd,
           cost_usd + coalesce(cache_read_saving_usd, 0) - coalesce(cache_write_premium_usd, 0) AS nocache_usd
    FROM priced_usage
    WHERE ts >= timezone($tz, CAST($prev_start AS TIMESTAMP))
      AND ts < timezone($tz, CAST($cur_end AS TIMESTAMP) + INTERVAL 1 DAY)
)
SELECT CASE WHEN day >= CAST($cur_start AS DATE) THEN 'current' ELSE 'previous' END AS period,
       provider, model,
       CAST(sum(request_count) AS BIGINT) AS requests,
       bool_and(requests_known) AS requests_known,
       CAST(sum(tokens) AS BIGINT) AS tokens,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       CAST(sum(nocache_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS nocache_usd,
       CAST(coalesce(sum(request_count) FILTER (WHERE NOT coalesce(priced, false)), 0) AS BIGINT)
           AS unpriced_requests
FROM r
WHERE day >= CAST($prev_start AS DATE) AND day <= CAST($cur_end AS DATE)
  AND (day >= CAST($cur_start AS DATE) OR day <= CAST($prev_end AS DATE))
GROUP BY ALL
ORDER BY provider, model, period
