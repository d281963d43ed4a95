-- name: spend_top_conversations
-- The $top_n (default 10) most expensive conversations: requests, turns, first and last time, provider and model (the smallest name when several), priced cost and unpriced requests. Rows without a conversation_id are left out.
SELECT conversation_id,
       CAST(sum(coalesce(request_count, 1)) AS BIGINT) AS requests,
       max(turn) AS turns,
       min(ts) AS first_ts,
       max(ts) AS last_ts,
       min(provider) AS provider,
       min(model) AS model,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       CAST(coalesce(sum(coalesce(request_count, 1)) FILTER (WHERE NOT coalesce(priced, false)), 0) AS BIGINT)
           AS unpriced_requests
FROM priced_usage
WHERE conversation_id IS NOT NULL
  AND ($since IS NULL OR ts >= $since)
  AND ($until IS NULL OR ts < $until)
  AND ($provider IS NULL OR provider = $provider)
GROUP BY conversation_id
ORDER BY cost_usd DESC NULLS LAST, requests DESC, conversation_id
LIMIT coalesce($top_n, 10)
