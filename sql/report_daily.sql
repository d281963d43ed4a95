-- name: report_daily
-- Spend per calendar day in $tz (default UTC) over the report's window (`priced_usage`), every day from the first to the last: requests (a lower bound when requests_known is false) and the tokens of the usage whose source states no request count (0 on a day without usage), cost_usd (priced rows only; NULL on a day whose usage is all unpriced, never $0; 0 on a day without usage) and unpriced_requests.
WITH d AS (
    SELECT CAST(timezone(coalesce($tz, 'UTC'), ts) AS DATE) AS day, sum(request_count) AS requests,
           -- include: report_request_sums
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd,
           coalesce(sum(request_count) FILTER (WHERE NOT priced), 0) AS unpriced_requests
    FROM priced_usage GROUP BY 1),
cal AS (
    SELECT CAST(unnest(generate_series(min(day), max(day), INTERVAL 1 DAY)) AS DATE) AS day FROM d)
SELECT cal.day, coalesce(d.requests, 0) AS requests, coalesce(d.requests_known, true) AS requests_known,
       CAST(coalesce(d.no_request_count_tokens, 0) AS BIGINT) AS no_request_count_tokens,
       CASE WHEN d.day IS NULL THEN CAST(0 AS DECIMAL(38, 12)) ELSE d.cost_usd END AS cost_usd,
       coalesce(d.unpriced_requests, 0) AS unpriced_requests
FROM cal LEFT JOIN d USING (day) ORDER BY cal.day
