-- name: spend_month_over_month
-- Priced spend per calendar month of local_day (the report's --tz; UTC outside a report) from the first to the last month with usage, with the previous calendar month's spend, the change in USD and the change as a ratio (NULL when the previous month has no priced spend). A month without any usage has spend 0; a month whose usage is all unpriced has NULL. Unpriced requests are counted apart. requests is a lower bound when requests_known is false (no_request_count_tokens of the month's usage come from sources that state no request count; a month without usage: true and 0).
WITH daily AS (
    SELECT CAST(date_diff('day', DATE '1970-01-01', local_day) AS INTEGER) AS d,
           sum(coalesce(request_count, 1)) AS requests,
           -- include: report_request_sums
           sum(coalesce(request_count, 1)) FILTER (WHERE NOT coalesce(priced, false)) AS unpriced_requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd
    FROM priced_usage
    WHERE
        -- include: in_window
    GROUP BY 1
),
monthly AS (
    SELECT CAST(date_trunc('month', DATE '1970-01-01' + d) AS DATE) AS month,
           sum(requests) AS requests,
           bool_and(requests_known) AS requests_known,
           sum(no_request_count_tokens) AS no_request_count_tokens,
           sum(unpriced_requests) AS unpriced_requests,
           sum(cost_usd) AS cost_usd
    FROM daily
    GROUP BY 1
),
months AS (
    SELECT CAST(m AS DATE) AS month
    FROM range((SELECT min(month) FROM monthly), (SELECT max(month) FROM monthly) + INTERVAL 1 MONTH,
               INTERVAL 1 MONTH) t(m)
),
filled AS (
    SELECT months.month,
           coalesce(monthly.requests, 0) AS requests,
           coalesce(monthly.requests_known, true) AS requests_known,
           coalesce(monthly.no_request_count_tokens, 0) AS no_request_count_tokens,
           coalesce(monthly.unpriced_requests, 0) AS unpriced_requests,
           CASE WHEN monthly.month IS NULL THEN 0 ELSE monthly.cost_usd END AS cost_usd
    FROM months LEFT JOIN monthly USING (month)
)
SELECT cur.month,
       CAST(cur.requests AS BIGINT) AS requests,
       cur.requests_known,
       CAST(cur.no_request_count_tokens AS BIGINT) AS no_request_count_tokens,
       CAST(cur.unpriced_requests AS BIGINT) AS unpriced_requests,
       CAST(cur.cost_usd AS DECIMAL(38, 12)) AS cost_usd,
       CAST(prev.cost_usd AS DECIMAL(38, 12)) AS prev_cost_usd,
       CAST(cur.cost_usd - prev.cost_usd AS DECIMAL(38, 12)) AS change_usd,
       CASE WHEN prev.cost_usd > 0 THEN CAST(cur.cost_usd AS DOUBLE) / CAST(prev.cost_usd AS DOUBLE) - 1 END
           AS change_ratio
FROM filled cur
LEFT JOIN filled prev ON prev.month = CAST(cur.month - INTERVAL 1 MONTH AS DATE)
ORDER BY cur.month
