-- name: burst_peak_days
-- Peak UTC days: days whose requests reach $peak_factor (default 2) times the median requests per day (median over every day from the first to the last request, empty days as 0), busiest first, with their priced cost and ratio to the median.
WITH daily AS (
    SELECT CAST(epoch_us(ts) // 86400000000 AS INTEGER) AS d,
           sum(coalesce(request_count, 1)) AS requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd,
           sum(coalesce(request_count, 1)) FILTER (WHERE NOT coalesce(priced, false)) AS unpriced_requests
    FROM priced_usage
    WHERE
        -- include: in_window
    GROUP BY 1
),
days AS (
    SELECT CAST(range AS INTEGER) AS d FROM range((SELECT min(d) FROM daily), (SELECT max(d) FROM daily) + 1)
),
filled AS (
    SELECT days.d, coalesce(daily.requests, 0) AS requests, daily.cost_usd,
           coalesce(daily.unpriced_requests, 0) AS unpriced_requests
    FROM days LEFT JOIN daily USING (d)
),
med AS (SELECT median(requests) AS median_requests FROM filled)
SELECT DATE '1970-01-01' + d AS day,
       CAST(requests AS BIGINT) AS requests,
       med.median_requests,
       requests / med.median_requests AS ratio_to_median,
       CAST(cost_usd AS DECIMAL(38, 12)) AS cost_usd,
       CAST(unpriced_requests AS BIGINT) AS unpriced_requests
FROM filled, med
WHERE med.median_requests > 0 AND requests >= coalesce(CAST($peak_factor AS DOUBLE), 2.0) * med.median_requests
ORDER BY requests DESC, d
