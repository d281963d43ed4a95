-- name: prefix_component_shares
-- Share of prompt tokens by prompt component (sys_prompt, passages_ids, history, web_search, user_input, from extra.components chunk ids) with chunk token lengths from the table component_lengths(kind, id, token_length); unattributed = prompt minus the known chunks (template overhead, chunks of unknown length); share_of_input divides by prompt tokens, share_of_components by the sum of the five components' tokens. reused_tokens counts chunks whose id appears in more than one request. A system prompt share is the stable-prefix share of input.
WITH r AS (
    SELECT event_id,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           json_extract(extra, '$.components') AS c
    FROM priced_usage
    WHERE extra LIKE '%"components"%' AND
        -- include: in_window
),
kinds AS (
    SELECT * FROM (VALUES (1, 'sys_prompt'), (2, 'passages_ids'), (3, 'history'), (4, 'web_search'),
                          (5, 'user_input')) t(ord, kind)
),
chunks AS (
    SELECT r.event_id, kinds.ord, kinds.kind,
           unnest(coalesce(TRY_CAST(json_extract(r.c, '$.' || kinds.kind) AS BIGINT[]), [])) AS id
    FROM r, kinds
),
sized AS (
    SELECT chunks.*, l.token_length,
           count(DISTINCT chunks.event_id) OVER (PARTITION BY chunks.kind, chunks.id) AS uses
    FROM chunks LEFT JOIN component_lengths l ON l.kind = chunks.kind AND l.id = chunks.id
),
total AS (SELECT count(*) AS requests, sum(prompt) AS prompt FROM r),
per_kind AS (
    SELECT ord, kind,
           count(*) AS chunks,
           count(token_length) AS chunks_with_length,
           count(DISTINCT event_id) AS requests_with_kind,
           sum(token_length) AS tokens,
           sum(token_length) FILTER (WHERE uses > 1) AS reused_tokens
    FROM sized GROUP BY ord, kind
),
rows_ AS (
    SELECT kinds.ord, kinds.kind,
           coalesce(p.chunks, 0) AS chunks,
           coalesce(p.chunks_with_length, 0) AS chunks_with_length,
           coalesce(p.requests_with_kind, 0) AS requests_with_kind,
           coalesce(p.tokens, 0) AS tokens,
           coalesce(p.reused_tokens, 0) AS reused_tokens
    FROM kinds LEFT JOIN per_kind p USING (ord, kind)
    UNION ALL
    SELECT 6, 'unattributed', NULL, NULL, NULL,
           (SELECT prompt FROM total) - coalesce((SELECT sum(tokens) FROM per_kind), 0), NULL
)
SELECT kind,
       (SELECT requests FROM total) AS requests,
       CAST(chunks AS BIGINT) AS chunks,
       CAST(chunks_with_length AS BIGINT) AS chunks_with_length,
       CAST(requests_with_kind AS BIGINT) AS requests_with_kind,
       CAST(tokens AS BIGINT) AS tokens,
       CAST(reused_tokens AS BIGINT) AS reused_tokens,
       CAST((SELECT prompt FROM total) AS BIGINT) AS input_tokens,
       CASE WHEN (SELECT prompt FROM total) > 0 THEN tokens / (SELECT prompt FROM total) END AS share_of_input,
       CASE WHEN kind <> 'unattributed' AND (SELECT sum(tokens) FROM per_kind) > 0
            THEN tokens / (SELECT sum(tokens) FROM per_kind) END AS share_of_components
FROM rows_
WHERE (SELECT requests FROM total) > 0
ORDER BY ord
