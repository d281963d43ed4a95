-- name: unit_costs
-- Cost per unit as distributions, overall (level 'all') and per project (level 'project'): unit 'conversation' (rows with a conversation_id), 'user' (rows with a user_id, over the window), 'active_user_month' (a user in a UTC calendar month with usage) and 'request' (each request-grain row). A unit is priced when every row of it is priced; the distribution (p50, p90, p99 by linear interpolation, exact DECIMAL) and cost_usd cover priced units only, and unpriced_units counts the rest (never $0). top1pct_cost_share is the share of the priced cost in the most expensive 1% of priced units (ceil(1% of them), at least one). At level 'project' a user active in two projects is a unit in each.
WITH base AS NOT MATERIALIZED (
    SELECT project, user_id, conversation_id, grain,
    -- include: unit_cost_rows
),
-- The units are read three times (the summary, the top 1% and its rare fallback). The grouped
-- ones are kept once; base and the request rows (one unit each) are read from the table again
-- rather than written out. Each kind of unit is grouped on its own keys (a user id is a small
-- code in the measures' copy, not a text key shared with the conversation ids).
grouped AS MATERIALIZED (
    SELECT 'conversation' AS unit, 'project' AS level, project, NULL::DATE AS month,
           bool_and(priced) AS priced, sum(cost_usd) FILTER (WHERE priced) AS cost
    FROM base WHERE conversation_id IS NOT NULL GROUP BY project, conversation_id
    UNION ALL
    SELECT 'conversation', 'all', NULL, NULL::DATE, bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM base WHERE conversation_id IS NOT NULL GROUP BY conversation_id
    UNION ALL
    SELECT 'user', 'project', project, NULL::DATE, bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM base WHERE user_id IS NOT NULL GROUP BY project, user_id
    UNION ALL
    SELECT 'user', 'all', NULL, NULL::DATE, bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id
    UNION ALL
    SELECT 'active_user_month', 'project', project, month, bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM base WHERE user_id IS NOT NULL GROUP BY project, user_id, month
    UNION ALL
    SELECT 'active_user_month', 'all', NULL, month, bool_and(priced), sum(cost_usd) FILTER (WHERE priced)
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id, month
),
-- a request-grain row is its own unit: no grouping (nor a key: the top 1% sums costs, and
-- rows tied on cost add the same whichever is ranked first)
req AS NOT MATERIALIZED (
    SELECT 'request' AS unit, 'project' AS level, project, priced, CASE WHEN priced THEN cost_usd END AS cost
    FROM base WHERE grain = 'request'
    UNION ALL
    SELECT 'request', 'all', NULL, priced, CASE WHEN priced THEN cost_usd END
    FROM base WHERE grain = 'request'
),
-- every unit, for the top 1% below
per_unit AS NOT MATERIALIZED (
    SELECT unit, level, project, priced, cost FROM grouped
    UNION ALL
    SELECT unit, level, project, priced, cost FROM req
),
summary AS (
-- the columns of a kind of unit's distribution: sql/include/unit_cost_summary.sql
SELECT
    -- include: unit_cost_summary
FROM grouped
GROUP BY unit, level, project
UNION ALL
-- the request units apart: their costs stay at the copy's DECIMAL(18, 12) (int64) in the quantile
-- state instead of the grouped sums' DECIMAL(38, 12) (at 10M rows 7.2 s of CPU instead of 8.7 s)
SELECT
    -- include: unit_cost_summary
FROM req
GROUP BY unit, level, project
),
-- The top k are the k largest costs; only the units at or above the 97th percentile are ranked,
-- not every unit. Units costing at least a value are a head of the ranking (ties included), so
-- when they are k or more, their k largest are the k largest of all. Where they are fewer than k
-- (`short`: never expected, as k is about 1% of the units, but checked rather than assumed),
-- every priced unit of the group is ranked instead. Costs tied at the k-th place add
-- the same whichever is ranked first, so the sum is exactly the one of a full sort.
head AS (
    SELECT p.unit, p.level, p.project, p.cost, s.top_k
    FROM per_unit p JOIN summary s
      ON p.unit = s.unit AND p.level = s.level AND p.project IS NOT DISTINCT FROM s.project
    WHERE p.priced AND p.cost >= s.q_usd[4]
),
head_size AS (
    SELECT unit, level, project, count(*) AS n FROM head GROUP BY unit, level, project
),
short AS (
    SELECT s.unit, s.level, s.project, s.top_k
    FROM summary s LEFT JOIN head_size h
      ON h.unit = s.unit AND h.level = s.level AND h.project IS NOT DISTINCT FROM s.project
    WHERE s.priced_units > 0 AND coalesce(h.n, 0) < s.top_k
),
ranked AS (
    SELECT unit, level, project, cost, top_k,
           row_number() OVER (PARTITION BY unit, level, project ORDER BY cost DESC) AS rn
    FROM (
        SELECT h.* FROM head h ANTI JOIN short s
          ON h.unit = s.unit AND h.level = s.level AND h.project IS NOT DISTINCT FROM s.project
        UNION ALL
        SELECT p.unit, p.level, p.project, p.cost, s.top_k
        FROM per_unit p JOIN short s
          ON p.unit = s.unit AND p.level = s.level AND p.project IS NOT DISTINCT FROM s.project
        WHERE p.priced
    )
),
top AS (
    SELECT unit, level, project, sum(cost) FILTER (WHERE rn <= top_k) AS top_cost
    FROM ranked GROUP BY unit, level, project
)
SELECT s.unit, s.level, s.project, s.units, s.priced_units, s.unpriced_units,
       CAST(s.total AS DECIMAL(38, 12)) AS cost_usd,
       s.q_usd[1] AS p50_usd, s.q_usd[2] AS p90_usd, s.q_usd[3] AS p99_usd, s.max_usd,
       CAST(t.top_cost AS DOUBLE) / CAST(nullif(s.total, 0) AS DOUBLE) AS top1pct_cost_share
FROM summary s LEFT JOIN top t
  ON t.unit = s.unit AND t.level = s.level AND t.project IS NOT DISTINCT FROM s.project
ORDER BY CASE s.unit WHEN 'conversation' THEN 1 WHEN 'user' THEN 2 WHEN 'active_user_month' THEN 3 ELSE 4 END,
         s.level, cost_usd DESC NULLS LAST, s.project NULLS FIRST
