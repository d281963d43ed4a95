-- name: burst_window
-- The window the burst measures look at, one row: from $since when it is set, else from the UTC day $recent_days - 1 days before the last request's day (a recent baseline: over a long or gappy history the median hour or day is not one), else (both NULL) from the first request; up to the last request. With the requests and priced spend in it (unpriced requests counted apart, their cost unknown).
WITH f AS (
    SELECT ts, coalesce(request_count, 1) AS n, priced, cost_usd
    FROM priced_usage
    WHERE
        -- include: in_window
),
w AS (
    SELECT CASE
               WHEN $since IS NOT NULL THEN CAST($since AS TIMESTAMPTZ)
               WHEN $recent_days IS NULL THEN min(ts)
               ELSE greatest(min(ts), make_timestamptz(
                   (epoch_us(max(ts)) // 86400000000 - (CAST($recent_days AS BIGINT) - 1)) * 86400000000))
           END AS since,
           max(ts) AS last_ts
    FROM f
)
SELECT w.since, w.last_ts,
       CAST(coalesce(sum(f.n) FILTER (WHERE f.ts >= w.since), 0) AS BIGINT) AS requests,
       CAST(coalesce(sum(f.n) FILTER (WHERE f.ts >= w.since AND NOT coalesce(f.priced, false)), 0) AS BIGINT)
           AS unpriced_requests,
       CAST(sum(f.cost_usd) FILTER (WHERE f.ts >= w.since AND f.priced) AS DECIMAL(38, 12)) AS cost_usd
FROM w, f
GROUP BY w.since, w.last_ts
