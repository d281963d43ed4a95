-- name: burst_peaks
-- Peak hour and peak UTC day against the median, one row per granularity (hour, day): periods between the first and last request (empty ones count as 0), median and mean requests per period, the busiest period (earliest on ties), its requests, ratio to the median, and its priced cost beside the median period cost.
WITH hourly AS (
    SELECT epoch_us(ts) // 3600000000 AS h,
           sum(coalesce(request_count, 1)) AS requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd
    FROM priced_usage
    WHERE
        -- include: in_window
    GROUP BY 1
),
hours AS (
    SELECT range AS h FROM range((SELECT min(h) FROM hourly), (SELECT max(h) FROM hourly) + 1)
),
hs AS (
    SELECT hours.h, coalesce(hourly.requests, 0) AS requests, coalesce(hourly.cost_usd, 0) AS cost_usd
    FROM hours LEFT JOIN hourly USING (h)
),
ds AS (
    SELECT h // 24 AS d, sum(requests) AS requests, sum(cost_usd) AS cost_usd FROM hs GROUP BY 1
),
periods AS (
    SELECT 'hour' AS granularity, 1 AS ord, to_timestamp(h * 3600) AS period_start, requests, cost_usd FROM hs
    UNION ALL
    SELECT 'day', 2, to_timestamp(d * 86400), requests, cost_usd FROM ds
)
SELECT granularity,
       count(*) AS periods,
       median(requests) AS median_requests,
       avg(requests) AS mean_requests,
       first(period_start ORDER BY requests DESC, period_start) AS peak_start,
       CAST(max(requests) AS BIGINT) AS peak_requests,
       CASE WHEN median(requests) > 0 THEN max(requests) / median(requests) END AS peak_to_median,
       CAST(first(cost_usd ORDER BY requests DESC, period_start) AS DECIMAL(38, 12)) AS peak_cost_usd,
       CAST(median(cost_usd) AS DECIMAL(38, 12)) AS median_cost_usd
FROM periods
GROUP BY granularity, ord
ORDER BY ord
