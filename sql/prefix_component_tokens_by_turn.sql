-- name: prefix_component_tokens_by_turn
-- Per turn, for requests with prompt components (extra.components) and a conversation: requests, median and mean tokens of the history chunks and of the system prompt chunks (lengths from component_lengths(kind, id, token_length); a request without history chunks has 0 history tokens), and the median prompt.
WITH r AS (
    SELECT event_id, turn,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           json_extract(extra, '$.components') AS c
    FROM priced_usage
    WHERE extra LIKE '%"components"%' AND turn IS NOT NULL AND conversation_id IS NOT NULL AND
        -- include: in_window
),
chunks AS (
    SELECT r.event_id, kinds.kind,
           unnest(coalesce(TRY_CAST(json_extract(r.c, '$.' || kinds.kind) AS BIGINT[]), [])) AS id
    FROM r, (VALUES ('sys_prompt'), ('history')) kinds(kind)
),
per_req AS (
    SELECT chunks.event_id,
           coalesce(sum(l.token_length) FILTER (WHERE chunks.kind = 'history'), 0) AS history_tokens,
           coalesce(sum(l.token_length) FILTER (WHERE chunks.kind = 'sys_prompt'), 0) AS sys_prompt_tokens
    FROM chunks LEFT JOIN component_lengths l ON l.kind = chunks.kind AND l.id = chunks.id
    GROUP BY chunks.event_id
),
j AS (
    SELECT r.turn, r.prompt,
           coalesce(per_req.history_tokens, 0) AS history_tokens,
           coalesce(per_req.sys_prompt_tokens, 0) AS sys_prompt_tokens
    FROM r LEFT JOIN per_req USING (event_id)
)
SELECT turn,
       count(*) AS requests,
       median(history_tokens) AS median_history_tokens,
       avg(history_tokens) AS mean_history_tokens,
       median(sys_prompt_tokens) AS median_sys_prompt_tokens,
       median(prompt) AS median_input_tokens
FROM j
GROUP BY turn
ORDER BY turn
