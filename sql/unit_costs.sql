-- name: unit_costs
-- Cost per unit as distributions, overall (level 'all') and per project (level 'project'): unit 'conversation' (rows with a conversation_id), 'user' (rows with a user_id, over the window), 'active_user_month' (a user in a UTC calendar month with usage) and 'request' (each request-grain row). A unit is priced when every row of it is priced; the distribution (p50, p90, p99 by linear interpolation, exact DECIMAL) and cost_usd cover priced units only, and unpriced_units counts the rest (never $0). top1pct_cost_share is the share of the priced cost in the most expensive 1% of priced units (ceil(1% of them), at least one). At level 'project' a user active in two projects is a unit in each.
WITH base AS (
    SELECT project, user_id, conversation_id, grain,
           coalesce(priced, false) AS priced, cost_usd,
           date_trunc('month', DATE '1970-01-01' + CAST(epoch_us(ts) // 86400000000 AS INTEGER)) AS month
    FROM priced_usage
    WHERE ($since IS NULL OR ts >= $since)
      AND ($until IS NULL OR ts < $until)
      AND ($provider IS NULL OR provider = $provider)
),
units AS (
    SELECT 'conversation' AS unit, project, conversation_id AS unit_key, NULL::DATE AS month, priced, cost_usd
    FROM base WHERE conversation_id IS NOT NULL
    UNION ALL
    SELECT 'user', project, user_id, NULL::DATE, priced, cost_usd FROM base WHERE user_id IS NOT NULL
    UNION ALL
    SELECT 'active_user_month', project, user_id, month, priced, cost_usd FROM base WHERE user_id IS NOT NULL
),
per_unit AS (
    SELECT unit, 'project' AS level, project, unit_key, month,
           bool_and(priced) AS priced, sum(cost_usd) FILTER (WHERE priced) AS cost
    FROM units GROUP BY unit, project, unit_key, month
    UNION ALL
    SELECT unit, 'all', NULL, unit_key, month,
           bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM units GROUP BY unit, unit_key, month
    UNION ALL
    -- a request-grain row is its own unit: no grouping (nor a key: the top 1% sums costs, and
    -- rows tied on cost add the same whichever is ranked first)
    SELECT 'request', 'project', project, NULL, NULL::DATE, priced, CASE WHEN priced THEN cost_usd END
    FROM base WHERE grain = 'request'
    UNION ALL
    SELECT 'request', 'all', NULL, NULL, NULL::DATE, priced, CASE WHEN priced THEN cost_usd END
    FROM base WHERE grain = 'request'
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY unit, level, project, priced ORDER BY cost DESC, unit_key, month) AS rn,
           count(*) OVER (PARTITION BY unit, level, project, priced) AS n_priced
    FROM per_unit
),
summary AS (
SELECT unit, level, project,
       CAST(count(*) AS BIGINT) AS units,
       CAST(count(*) FILTER (WHERE priced) AS BIGINT) AS priced_units,
       CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_units,
       CAST(sum(cost) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       -- one quantile state for the three (three separate ones each held every cost in memory)
       CAST(quantile_cont(cost, [0.5, 0.9, 0.99]) FILTER (WHERE priced) AS DECIMAL(38, 12)[]) AS q_usd,
       CAST(max(cost) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS max_usd,
       CAST(sum(cost) FILTER (WHERE priced AND rn <= greatest(1, ceil(n_priced * 0.01))) AS DOUBLE)
           / CAST(nullif(sum(cost) FILTER (WHERE priced), 0) AS DOUBLE) AS top1pct_cost_share
FROM ranked
GROUP BY unit, level, project
)
SELECT unit, level, project, units, priced_units, unpriced_units, cost_usd,
       q_usd[1] AS p50_usd, q_usd[2] AS p90_usd, q_usd[3] AS p99_usd, max_usd, top1pct_cost_share
FROM summary
ORDER BY CASE unit WHEN 'conversation' THEN 1 WHEN 'user' THEN 2 WHEN 'active_user_month' THEN 3 ELSE 4 END,
         level, cost_usd DESC NULLS LAST, project NULLS FIRST
