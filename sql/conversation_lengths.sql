-- name: conversation_lengths
-- Distribution of conversation lengths: for each length (request rows in the conversation), the number of conversations, their share, and the cumulative share. Rows without a conversation_id are left out.
WITH c AS (
    SELECT conversation_id, count(*) AS turns
    FROM priced_usage
    WHERE grain = 'request' AND conversation_id IS NOT NULL AND
        -- include: in_window
    GROUP BY conversation_id
),
d AS (
    SELECT turns, count(*) AS conversations FROM c GROUP BY turns
)
SELECT CAST(turns AS BIGINT) AS turns,
       CAST(conversations AS BIGINT) AS conversations,
       conversations / sum(conversations) OVER () AS share,
       sum(conversations) OVER (ORDER BY turns) / sum(conversations) OVER () AS cumulative_share
FROM d
ORDER BY turns
