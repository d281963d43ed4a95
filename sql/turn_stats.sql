-- name: turn_stats
-- Per turn (1-based position in a conversation, request rows with a conversation_id only): conversations reaching the turn, requests, mean and median prompt tokens (prompt = input + cache read + cache write), cached share of the prompt (cache-known rows only), growth against the same conversation's previous request (mean and median) and between per-turn medians, and the history re-sent: for turn k > 1, min(prompt_k, prompt_{k-1} + output_{k-1}) tokens, as a share of the prompt and, pro rata on input-side cost, of cost.
-- r is read twice (plain and w): NOT MATERIALIZED reads the table twice instead of writing r out
-- once more (at 10M rows 2.2 s instead of 3.1 s for the whole query).
WITH r AS NOT MATERIALIZED (
    SELECT conversation_id, turn,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           coalesce(cache_read_tokens, 0) AS cache_read,
           coalesce(cache_known, false) AS cache_known,
           coalesce(output_tokens, 0) AS output,
           coalesce(priced, false) AS priced,
           cost_usd,
           coalesce(cost_input_usd, 0) + coalesce(cost_cache_read_usd, 0) + coalesce(cost_cache_write_usd, 0)
               AS input_cost
    FROM priced_usage
    WHERE grain = 'request' AND conversation_id IS NOT NULL AND turn IS NOT NULL AND
        -- include: in_window
),
plain AS (
    SELECT turn,
           count(*) AS requests,
           avg(prompt) AS mean_input_tokens,
           median(prompt) AS median_input_tokens,
           sum(prompt) AS input_tokens,
           sum(cache_read) FILTER (WHERE cache_known) AS cache_read_tokens,
           sum(prompt) FILTER (WHERE cache_known) AS cache_known_input_tokens,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd
    FROM r GROUP BY turn
),
w AS (
    SELECT turn, prompt,
           CASE WHEN priced THEN input_cost END AS input_cost,
           lag(turn) OVER c AS prev_turn,
           lag(prompt) OVER c AS prev_prompt,
           lag(output) OVER c AS prev_output
    FROM r
    WINDOW c AS (PARTITION BY conversation_id ORDER BY turn)
),
lagged AS (
    SELECT turn,
           count(*) FILTER (WHERE prev_turn IS DISTINCT FROM turn) AS conversations,
           avg(prompt - prev_prompt) AS mean_growth_tokens,
           median(prompt - prev_prompt) AS median_growth_tokens,
           sum(CASE WHEN prev_prompt IS NULL THEN 0 ELSE least(prompt, prev_prompt + prev_output) END) AS history_tokens,
           -- pro rata: the history's share of the prompt (a ratio, 12 decimals) times the
           -- decimal input cost, so the money stays DECIMAL (DECIMAL / BIGINT would be DOUBLE)
           sum(CASE WHEN prompt > 0
                    THEN input_cost * CAST(CASE WHEN prev_prompt IS NULL THEN 0
                                                ELSE least(prompt, prev_prompt + prev_output) / prompt END
                                           AS DECIMAL(18, 12)) END) AS history_cost
    FROM w GROUP BY turn
),
t AS (SELECT * FROM plain JOIN lagged USING (turn))
SELECT turn,
       conversations,
       requests,
       mean_input_tokens,
       median_input_tokens,
       CASE WHEN cache_known_input_tokens > 0 THEN cache_read_tokens / cache_known_input_tokens END AS cached_share,
       mean_growth_tokens,
       median_growth_tokens,
       median_input_tokens - lag(median_input_tokens) OVER (ORDER BY turn) AS median_input_growth_tokens,
       CAST(input_tokens AS BIGINT) AS input_tokens,
       CAST(history_tokens AS BIGINT) AS history_tokens,
       CASE WHEN input_tokens > 0 THEN history_tokens / input_tokens END AS history_share_of_input,
       CAST(cost_usd AS DECIMAL(38, 12)) AS cost_usd,
       CAST(history_cost AS DECIMAL(38, 12)) AS history_cost_usd,
       CASE WHEN cost_usd > 0 THEN CAST(history_cost AS DOUBLE) / CAST(cost_usd AS DOUBLE) END
           AS history_share_of_cost
FROM t
ORDER BY turn
