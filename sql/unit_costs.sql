-- name: unit_costs
-- Cost per unit as distributions, overall (level 'all') and per project (level 'project'): unit 'conversation' (rows with a conversation_id), 'user' (rows with a user_id, over the window), 'active_user_month' (a user in a calendar month of local_day, the report's --tz, with usage) and 'request' (each request-grain row). A unit is priced when every row of it is priced; the distribution (p50, p90, p99 by linear interpolation between the costs at ranks floor and ceil of (n - 1) x p, in exact DECIMAL) and cost_usd cover priced units only, and unpriced_units counts the rest (never $0). top1pct_cost_share is the share of the priced cost in the most expensive 1% of priced units (ceil(1% of them), at least one). At level 'project' a user active in two projects is a unit in each.
WITH base AS NOT MATERIALIZED (
    SELECT project, user_id, conversation_id, grain,
    -- include: unit_cost_rows
),
-- Each kind of unit is grouped on its own keys (a user id is a small code in the measures' copy,
-- not a text key shared with the conversation ids). An unpriced unit's cost is NULL.
grouped AS NOT MATERIALIZED (
    SELECT 'conversation' AS unit, 'project' AS level, project, bool_and(priced) AS priced,
           CASE WHEN bool_and(priced) THEN sum(cost_usd) END AS cost
    FROM base WHERE conversation_id IS NOT NULL GROUP BY project, conversation_id
    UNION ALL
    SELECT 'conversation', 'all', NULL, bool_and(priced), CASE WHEN bool_and(priced) THEN sum(cost_usd) END
    FROM base WHERE conversation_id IS NOT NULL GROUP BY conversation_id
    UNION ALL
    SELECT 'user', 'project', project, bool_and(priced), CASE WHEN bool_and(priced) THEN sum(cost_usd) END
    FROM base WHERE user_id IS NOT NULL GROUP BY project, user_id
    UNION ALL
    SELECT 'user', 'all', NULL, bool_and(priced), CASE WHEN bool_and(priced) THEN sum(cost_usd) END
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id
    UNION ALL
    SELECT 'active_user_month', 'project', project, bool_and(priced), CASE WHEN bool_and(priced) THEN sum(cost_usd) END
    FROM base WHERE user_id IS NOT NULL GROUP BY project, user_id, month
    UNION ALL
    SELECT 'active_user_month', 'all', NULL, bool_and(priced), CASE WHEN bool_and(priced) THEN sum(cost_usd) END
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id, month
),
-- The distribution is read from the distinct costs of each kind of unit with how many units
-- cost that much (k), not from a quantile state holding every cost: a GROUP BY and a window
-- spill to disk under the memory limit, a quantile state does not (the 20 GB report ran out
-- of memory in it, docs/benchmarks.md), and request costs repeat (59,345 distinct costs in
-- 10M requests). A request-grain row is its own unit, counted without a grouping by unit; its
-- cost stays at the copy's DECIMAL(18, 12) until the distinct costs are counted.
dist AS MATERIALIZED (
    SELECT unit, level, project, priced, CAST(cost AS DECIMAL(38, 12)) AS cost, count(*) AS k
    FROM grouped GROUP BY unit, level, project, priced, cost
    UNION ALL
    SELECT unit, level, project, priced, CAST(cost AS DECIMAL(38, 12)), k FROM (
        SELECT 'request' AS unit, 'project' AS level, project, priced,
               CASE WHEN priced THEN cost_usd END AS cost, count(*) AS k
        FROM base WHERE grain = 'request' GROUP BY project, priced, CASE WHEN priced THEN cost_usd END
        UNION ALL
        SELECT 'request', 'all', NULL, priced, CASE WHEN priced THEN cost_usd END, count(*)
        FROM base WHERE grain = 'request' GROUP BY priced, CASE WHEN priced THEN cost_usd END
    )
),
summary AS (
    SELECT unit, level, project,
           CAST(sum(k) AS BIGINT) AS units,
           CAST(coalesce(sum(k) FILTER (WHERE priced), 0) AS BIGINT) AS priced_units,
           CAST(coalesce(sum(k) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_units,
           sum(cost * k) FILTER (WHERE priced) AS total,
           max(cost) FILTER (WHERE priced) AS max_usd
    FROM dist GROUP BY unit, level, project
),
-- Ranks are 0-based over the priced costs in ascending order; the costs at rank r are those whose
-- running count (cum, ties included) first exceeds r. h = (n - 1) x p is exact (a DECIMAL).
-- The top k = ceil(1% of the priced units) (at least one): a cost with `above` units costing more
-- adds least(k, top_k - above) of its units when above < top_k, so ties at the k-th place add the
-- same as in a full sort.
ranked AS (
    SELECT d.unit, d.level, d.project, d.cost, d.k, s.priced_units AS n,
           sum(d.k) OVER (PARTITION BY d.unit, d.level, d.project ORDER BY d.cost
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
           (s.priced_units - 1) * 0.5 AS h50, (s.priced_units - 1) * 0.9 AS h90,
           (s.priced_units - 1) * 0.99 AS h99,
           CAST(greatest(1, ceil(s.priced_units * 0.01)) AS BIGINT) AS top_k
    FROM dist d JOIN summary s
      ON d.unit = s.unit AND d.level = s.level AND d.project IS NOT DISTINCT FROM s.project
    WHERE d.priced
),
picked AS (
    SELECT unit, level, project, any_value(h50) AS h50, any_value(h90) AS h90, any_value(h99) AS h99,
           min(cost) FILTER (WHERE cum > floor(h50)) AS lo50, min(cost) FILTER (WHERE cum > ceil(h50)) AS hi50,
           min(cost) FILTER (WHERE cum > floor(h90)) AS lo90, min(cost) FILTER (WHERE cum > ceil(h90)) AS hi90,
           min(cost) FILTER (WHERE cum > floor(h99)) AS lo99, min(cost) FILTER (WHERE cum > ceil(h99)) AS hi99,
           sum(cost * greatest(0, least(k, top_k - (n - cum)))) AS top_cost
    FROM ranked GROUP BY unit, level, project
)
SELECT s.unit, s.level, s.project, s.units, s.priced_units, s.unpriced_units,
       CAST(s.total AS DECIMAL(38, 12)) AS cost_usd,
       CAST(p.lo50 + (p.hi50 - p.lo50) * (p.h50 - floor(p.h50)) AS DECIMAL(38, 12)) AS p50_usd,
       CAST(p.lo90 + (p.hi90 - p.lo90) * (p.h90 - floor(p.h90)) AS DECIMAL(38, 12)) AS p90_usd,
       CAST(p.lo99 + (p.hi99 - p.lo99) * (p.h99 - floor(p.h99)) AS DECIMAL(38, 12)) AS p99_usd,
       s.max_usd,
       CAST(p.top_cost AS DOUBLE) / CAST(nullif(s.total, 0) AS DOUBLE) AS top1pct_cost_share
FROM summary s LEFT JOIN picked p
  ON p.unit = s.unit AND p.level = s.level AND p.project IS NOT DISTINCT FROM s.project
ORDER BY CASE s.unit WHEN 'conversation' THEN 1 WHEN 'user' THEN 2 WHEN 'active_user_month' THEN 3 ELSE 4 END,
         s.level, cost_usd DESC NULLS LAST, s.project NULLS FIRST
