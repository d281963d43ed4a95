-- name: spend_top_conversations
-- The $top_n (default 10) most expensive conversations: requests, turns, first and last time, provider and model (the smallest name when several), priced cost and unpriced requests. Rows without a conversation_id are left out. Two steps: rank every conversation on the two sums the order needs, then compute the other columns for the top ones only (min/max of text over millions of conversations was half the time).
WITH f AS (
    SELECT conversation_id, coalesce(request_count, 1) AS requests, coalesce(priced, false) AS priced, cost_usd
    FROM priced_usage
    WHERE conversation_id IS NOT NULL AND
        -- include: in_window
),
top AS (
    SELECT conversation_id,
           sum(requests) AS requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd
    FROM f
    GROUP BY conversation_id
    ORDER BY cost_usd DESC NULLS LAST, requests DESC, conversation_id
    LIMIT coalesce($top_n, 10)
)
SELECT p.conversation_id,
       CAST(sum(coalesce(p.request_count, 1)) AS BIGINT) AS requests,
       max(p.turn) AS turns,
       min(p.ts) AS first_ts,
       max(p.ts) AS last_ts,
       min(p.provider) AS provider,
       min(p.model) AS model,
       CAST(sum(p.cost_usd) FILTER (WHERE p.priced) AS DECIMAL(38, 12)) AS cost_usd,
       CAST(coalesce(sum(coalesce(p.request_count, 1)) FILTER (WHERE NOT coalesce(p.priced, false)), 0) AS BIGINT)
           AS unpriced_requests
FROM priced_usage p SEMI JOIN top USING (conversation_id)
WHERE ($since IS NULL OR p.ts >= $since)
  AND ($until IS NULL OR p.ts < $until)
  AND ($provider IS NULL OR p.provider = $provider)
GROUP BY p.conversation_id
ORDER BY cost_usd DESC NULLS LAST, requests DESC, p.conversation_id
