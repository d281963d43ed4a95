-- name: turn_history_totals
-- One row over all conversation requests: prompt tokens, history re-sent tokens (turn k > 1: min(prompt_k, prompt_{k-1} + output_{k-1}), prompt = input + cache read + cache write) and its share of the prompt, and the priced cost and the history's pro-rata share of it; plus requests with and without a conversation_id.
WITH base AS (
    SELECT conversation_id, turn,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           coalesce(output_tokens, 0) AS output,
           coalesce(priced, false) AS priced,
           cost_usd,
           coalesce(cost_input_usd, 0) + coalesce(cost_cache_read_usd, 0) + coalesce(cost_cache_write_usd, 0)
               AS input_cost
    FROM priced_usage
    WHERE grain = 'request'
      AND ($since IS NULL OR ts >= $since)
      AND ($until IS NULL OR ts < $until)
      AND ($provider IS NULL OR provider = $provider)
),
w AS (
    SELECT *,
           lag(prompt) OVER c AS prev_prompt,
           lag(output) OVER c AS prev_output
    FROM base
    WHERE conversation_id IS NOT NULL AND turn IS NOT NULL
    WINDOW c AS (PARTITION BY conversation_id ORDER BY turn)
),
h AS (
    SELECT *, CASE WHEN prev_prompt IS NULL THEN 0 ELSE least(prompt, prev_prompt + prev_output) END AS history
    FROM w
),
s AS (
    SELECT count(*) AS requests,
           sum(prompt) AS input_tokens,
           sum(history) AS history_tokens,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd,
           sum(CASE WHEN priced AND prompt > 0 THEN input_cost * history / prompt END) AS history_cost
    FROM h
)
SELECT CAST(s.requests AS BIGINT) AS conversation_requests,
       CAST((SELECT count(*) FROM base) - s.requests AS BIGINT) AS requests_without_conversation,
       CAST(coalesce(s.input_tokens, 0) AS BIGINT) AS input_tokens,
       CAST(coalesce(s.history_tokens, 0) AS BIGINT) AS history_tokens,
       CASE WHEN s.input_tokens > 0 THEN s.history_tokens / s.input_tokens END AS history_share_of_input,
       CAST(s.cost_usd AS DECIMAL(38, 12)) AS cost_usd,
       CAST(s.history_cost AS DECIMAL(38, 12)) AS history_cost_usd,
       CASE WHEN s.cost_usd > 0 THEN CAST(s.history_cost AS DOUBLE) / CAST(s.cost_usd AS DOUBLE) END
           AS history_share_of_cost
FROM s
