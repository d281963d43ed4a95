-- name: complexity_shares
-- Requests labelled simple, medium or complex, per model and overall (level), with shares of requests and of priced cost (null where the priced cost is $0: no share of it exists). A user label (column label: simple/medium/complex) wins; otherwise the rule: complex when any of prompt >= $complex_min_input, output >= $complex_min_output, reasoning >= $complex_min_reasoning, tool calls >= $complex_min_tool_calls, turn >= $complex_min_turn; simple when all of prompt <= $simple_max_input, output <= $simple_max_output, reasoning <= $simple_max_reasoning, tool calls <= $simple_max_tool_calls, turn <= $simple_max_turn; medium otherwise. Prompt = input + cache read + cache write; a missing turn counts as 1, missing tool calls and reasoning as 0.
WITH r AS (
    SELECT model,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           coalesce(output_tokens, 0) AS output,
           coalesce(reasoning_tokens, 0) AS reasoning,
           coalesce(tool_calls, 0) AS tools,
           coalesce(turn, 1) AS turn,
           lower(trim(label)) AS user_label,
           coalesce(request_count, 1) AS requests,
           coalesce(priced, false) AS priced,
           cost_usd
    FROM priced_usage
    WHERE grain = 'request' AND
        -- include: in_window
),
l AS (
    SELECT *,
           user_label IN ('simple', 'medium', 'complex') AS by_user,
           CASE WHEN user_label IN ('simple', 'medium', 'complex') THEN user_label
                WHEN prompt >= $complex_min_input OR output >= $complex_min_output
                     OR reasoning >= $complex_min_reasoning OR tools >= $complex_min_tool_calls
                     OR turn >= $complex_min_turn THEN 'complex'
                WHEN prompt <= $simple_max_input AND output <= $simple_max_output
                     AND reasoning <= $simple_max_reasoning AND tools <= $simple_max_tool_calls
                     AND turn <= $simple_max_turn THEN 'simple'
                ELSE 'medium' END AS label
    FROM r
),
pm AS (
    SELECT model, label,
           sum(requests) AS requests,
           sum(requests) FILTER (WHERE by_user) AS user_labelled_requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd,
           sum(requests) FILTER (WHERE NOT priced) AS unpriced_requests
    FROM l
    GROUP BY ALL
),
g AS (
    SELECT model, label, grouping(model) AS gid,
           sum(requests) AS requests,
           sum(user_labelled_requests) AS user_labelled_requests,
           sum(cost_usd) AS cost_usd,
           sum(unpriced_requests) AS unpriced_requests
    FROM pm
    GROUP BY GROUPING SETS ((model, label), (label))
)
SELECT CASE gid WHEN 0 THEN 'model' ELSE 'all' END AS level,
       model, label,
       CAST(requests AS BIGINT) AS requests,
       CAST(coalesce(user_labelled_requests, 0) AS BIGINT) AS user_labelled_requests,
       requests / sum(requests) OVER (PARTITION BY gid, model) AS request_share,
       CAST(cost_usd AS DECIMAL(38, 12)) AS cost_usd,
       CAST(cost_usd AS DOUBLE) / nullif(CAST(sum(cost_usd) OVER (PARTITION BY gid, model) AS DOUBLE), 0) AS cost_share,
       CAST(coalesce(unpriced_requests, 0) AS BIGINT) AS unpriced_requests
FROM g
ORDER BY gid DESC, model, CASE label WHEN 'simple' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END
