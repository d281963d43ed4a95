-- name: unit_costs_by_month
-- The unit costs' month-over-month trend, over all projects: per calendar month (of local_day: the report's --tz, UTC outside a report) and unit ('conversation' counted in the month of its first row, 'active_user_month', 'request' = request-grain rows), the units, priced units (every row priced), unpriced units, the priced cost and the median unit cost (linear interpolation between the costs at ranks floor and ceil of (n - 1) / 2, exact DECIMAL, as sql/unit_costs.sql). Mean and change are left to the caller (exact Decimal division).
WITH base AS NOT MATERIALIZED (
    SELECT user_id, conversation_id, grain, ts,
    -- include: unit_cost_rows
),
-- the distinct costs of each month's units with how many units cost that much (k): a GROUP BY
-- and a window spill to disk, a quantile state holding every cost does not (sql/unit_costs.sql)
dist AS MATERIALIZED (
    SELECT unit, month, priced, CAST(cost AS DECIMAL(38, 12)) AS cost, count(*) AS k FROM (
        SELECT 'conversation' AS unit, min(month) AS month, bool_and(priced) AS priced,
               CASE WHEN bool_and(priced) THEN sum(cost_usd) END AS cost
        FROM base WHERE conversation_id IS NOT NULL GROUP BY conversation_id
        UNION ALL
        SELECT 'active_user_month', month, bool_and(priced), CASE WHEN bool_and(priced) THEN sum(cost_usd) END
        FROM base WHERE user_id IS NOT NULL GROUP BY user_id, month
    ) GROUP BY unit, month, priced, cost
    UNION ALL
    SELECT 'request', month, priced, CAST(CASE WHEN priced THEN cost_usd END AS DECIMAL(38, 12)), count(*)
    FROM base WHERE grain = 'request' GROUP BY month, priced, CASE WHEN priced THEN cost_usd END
),
summary AS (
    SELECT unit, month,
           CAST(sum(k) AS BIGINT) AS units,
           CAST(coalesce(sum(k) FILTER (WHERE priced), 0) AS BIGINT) AS priced_units,
           CAST(coalesce(sum(k) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_units,
           sum(cost * k) FILTER (WHERE priced) AS total
    FROM dist GROUP BY unit, month
),
-- 0-based ranks in ascending cost; the cost at rank r is the first whose running count exceeds r
ranked AS (
    SELECT d.unit, d.month, d.cost, (s.priced_units - 1) * 0.5 AS h,
           sum(d.k) OVER (PARTITION BY d.unit, d.month ORDER BY d.cost
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
    FROM dist d JOIN summary s ON d.unit = s.unit AND d.month = s.month
    WHERE d.priced
),
picked AS (
    SELECT unit, month, any_value(h) AS h,
           min(cost) FILTER (WHERE cum > floor(h)) AS lo, min(cost) FILTER (WHERE cum > ceil(h)) AS hi
    FROM ranked GROUP BY unit, month
)
SELECT s.unit, CAST(s.month AS DATE) AS month, s.units, s.priced_units, s.unpriced_units,
       CAST(s.total AS DECIMAL(38, 12)) AS cost_usd,
       CAST(p.lo + (p.hi - p.lo) * (p.h - floor(p.h)) AS DECIMAL(38, 12)) AS p50_usd
FROM summary s LEFT JOIN picked p ON p.unit = s.unit AND p.month = s.month
ORDER BY CASE s.unit WHEN 'conversation' THEN 1 WHEN 'active_user_month' THEN 2 ELSE 3 END, s.month
