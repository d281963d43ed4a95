-- name: unit_costs_by_month
-- The unit costs' month-over-month trend, over all projects: per UTC calendar month and unit ('conversation' counted in the month of its first row, 'active_user_month', 'request' = request-grain rows), the units, priced units (every row priced), unpriced units, the priced cost and the median unit cost (linear interpolation, exact DECIMAL). Mean and change are left to the caller (exact Decimal division).
WITH base AS (
    SELECT user_id, conversation_id, grain, ts,
    -- include: unit_cost_rows
),
per_unit AS (
    SELECT 'conversation' AS unit, min(month) AS month, bool_and(priced) AS priced,
           sum(cost_usd) FILTER (WHERE priced) AS cost
    FROM base WHERE conversation_id IS NOT NULL GROUP BY conversation_id
    UNION ALL
    SELECT 'active_user_month', month, bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id, month
    UNION ALL
    SELECT 'request', month, priced, CASE WHEN priced THEN cost_usd END FROM base WHERE grain = 'request'
)
SELECT unit, CAST(month AS DATE) AS month,
       CAST(count(*) AS BIGINT) AS units,
       CAST(count(*) FILTER (WHERE priced) AS BIGINT) AS priced_units,
       CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_units,
       CAST(sum(cost) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       CAST(quantile_cont(cost, 0.5) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS p50_usd
FROM per_unit
GROUP BY unit, month
ORDER BY CASE unit WHEN 'conversation' THEN 1 WHEN 'active_user_month' THEN 2 ELSE 3 END, month
