-- name: unit_costs_top
-- The $top_n most expensive conversations and users (priced cost of their priced rows), with their project (the one project, or the first of several with `projects` > 1), requests, and whether any of their rows is unpriced (then the cost is a lower bound). Ties: by key.
-- Only the top $top_n of each kind are ranked (a top-N, not a sort of every unit), and their
-- projects are counted for them alone (a distinct count for every conversation was most of the
-- query's time at 10M rows). base is read four times: NOT MATERIALIZED reads the table again
-- instead of writing the window's rows out once more.
WITH base AS NOT MATERIALIZED (
    SELECT project, user_id, conversation_id, coalesce(request_count, 1) AS requests,
           coalesce(priced, false) AS priced, cost_usd
    FROM priced_usage
    WHERE
        -- include: in_window
),
top_conversations AS (
    SELECT conversation_id AS unit_key, min(project) AS project, sum(requests) AS requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd, bool_or(NOT priced) AS has_unpriced
    FROM base WHERE conversation_id IS NOT NULL GROUP BY conversation_id
    ORDER BY cost_usd DESC NULLS LAST, unit_key LIMIT $top_n
),
top_users AS (
    -- the key as text, so that ties are broken as between the ids' text
    SELECT CAST(user_id AS VARCHAR) AS unit_key, min(project) AS project, sum(requests) AS requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd, bool_or(NOT priced) AS has_unpriced
    FROM base WHERE user_id IS NOT NULL GROUP BY user_id
    ORDER BY cost_usd DESC NULLS LAST, unit_key LIMIT $top_n
),
per_unit AS (
    SELECT 'conversation' AS unit, t.unit_key, t.project, p.projects, t.requests, t.cost_usd, t.has_unpriced
    FROM top_conversations t JOIN (
        SELECT conversation_id, count(DISTINCT project) AS projects
        FROM base SEMI JOIN top_conversations t ON conversation_id = t.unit_key GROUP BY conversation_id
    ) p ON p.conversation_id = t.unit_key
    UNION ALL
    SELECT 'user', t.unit_key, t.project, p.projects, t.requests, t.cost_usd, t.has_unpriced
    FROM top_users t JOIN (
        SELECT CAST(user_id AS VARCHAR) AS unit_key, count(DISTINCT project) AS projects
        FROM base SEMI JOIN top_users t ON CAST(user_id AS VARCHAR) = t.unit_key GROUP BY user_id
    ) p ON p.unit_key = t.unit_key
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
