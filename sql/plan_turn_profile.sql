-- name: plan_turn_profile
-- A plan's per-turn curve from the logs: per turn (request rows with a conversation_id and a turn), the conversations reaching it, its requests, and the summed prompt tokens (input + cache read + cache write) and output tokens, so that means are exact ratios; plus the cache-known prompt and cache-read token sums of the turn (for the token-weighted hit rate). The window's conversations in all are in `window_conversations` on every row.
WITH r AS (
    SELECT conversation_id, turn,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           coalesce(output_tokens, 0) AS output,
           coalesce(cache_read_tokens, 0) AS cache_read,
           coalesce(cache_known, false) AS cache_known
    FROM priced_usage
    WHERE grain = 'request' AND conversation_id IS NOT NULL AND turn IS NOT NULL AND
        -- include: in_window
)
SELECT CAST(turn AS BIGINT) AS turn,
       CAST(count(DISTINCT conversation_id) AS BIGINT) AS conversations,
       CAST(count(*) AS BIGINT) AS requests,
       CAST(sum(prompt) AS BIGINT) AS prompt_tokens,
       CAST(sum(output) AS BIGINT) AS output_tokens,
       CAST(coalesce(sum(prompt) FILTER (WHERE cache_known), 0) AS BIGINT) AS cache_known_prompt_tokens,
       CAST(coalesce(sum(cache_read) FILTER (WHERE cache_known), 0) AS BIGINT) AS cache_read_tokens,
       CAST((SELECT count(DISTINCT conversation_id) FROM r) AS BIGINT) AS window_conversations
FROM r
GROUP BY turn
ORDER BY turn
