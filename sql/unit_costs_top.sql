-- name: unit_costs_top
-- The $top_n most expensive conversations and users (priced cost of their priced rows), with their project (the one project, or the first of several with `projects` > 1), requests, and whether any of their rows is unpriced (then the cost is a lower bound). Ties: by key.
WITH base AS (
    SELECT project, user_id, conversation_id, coalesce(request_count, 1) AS requests,
           coalesce(priced, false) AS priced, cost_usd
    FROM priced_usage
    WHERE ($since IS NULL OR ts >= $since)
      AND ($until IS NULL OR ts < $until)
      AND ($provider IS NULL OR provider = $provider)
),
per_unit AS (
    SELECT 'conversation' AS unit, conversation_id AS unit_key, min(project) AS project,
           count(DISTINCT project) AS projects, sum(requests) AS requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd, bool_or(NOT priced) AS has_unpriced
    FROM base WHERE conversation_id IS NOT NULL GROUP BY conversation_id
    UNION ALL
    SELECT 'user', user_id, min(project), count(DISTINCT project), sum(requests),
           sum(cost_usd) FILTER (WHERE priced), bool_or(NOT priced)
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY unit ORDER BY cost_usd DESC NULLS LAST, unit_key) AS rank
    FROM per_unit
)
SELECT unit, CAST(rank AS BIGINT) AS rank, unit_key, project, CAST(projects AS BIGINT) AS projects,
       CAST(requests AS BIGINT) AS requests, CAST(cost_usd AS DECIMAL(38, 12)) AS cost_usd, has_unpriced
FROM ranked
WHERE rank <= $top_n
ORDER BY CASE unit WHEN 'conversation' THEN 1 ELSE 2 END, rank
