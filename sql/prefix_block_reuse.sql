-- name: prefix_block_reuse
-- Ideal prefix-cache reuse from block hashes (extra.block_hashes, block size extra.block_size, default 512), per provider and project: requests in time order (then file and line); a request's hit is the longest leading run of blocks whose whole prefix appeared in an earlier request of the same provider and project, hit_tokens = min(k x block size, prompt); reuse_share = sum hit tokens / sum prompt tokens (an upper bound: infinite cache, no TTL).
WITH r AS (
    SELECT provider, project, ts, source_file, source_line, event_id,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           TRY_CAST(json_extract(extra, '$.block_hashes') AS BIGINT[]) AS blocks,
           coalesce(TRY_CAST(json_extract(extra, '$.block_size') AS BIGINT), 512) AS block_size
    FROM priced_usage
    WHERE grain = 'request' AND extra LIKE '%"block_hashes"%' AND
        -- include: in_window
),
o AS (
    SELECT *, row_number() OVER (PARTITION BY provider, project ORDER BY ts, source_file, source_line, event_id) AS seq
    FROM r
    WHERE blocks IS NOT NULL
),
pos AS (
    SELECT provider, project, seq, blocks, unnest(range(1, len(blocks) + 1)) AS p FROM o
),
k AS (
    SELECT provider, project, seq, hash(list_slice(blocks, 1, p)) AS key FROM pos
),
firsts AS (
    SELECT provider, project, key, min(seq) AS first_seq FROM k GROUP BY ALL
),
hits AS (
    SELECT k.provider, k.project, k.seq, count(*) AS leading_blocks
    FROM k JOIN firsts f
      ON f.provider IS NOT DISTINCT FROM k.provider AND f.project IS NOT DISTINCT FROM k.project AND f.key = k.key
    WHERE f.first_seq < k.seq
    GROUP BY ALL
)
SELECT o.provider, o.project,
       count(*) AS requests,
       CAST(sum(o.prompt) AS BIGINT) AS input_tokens,
       CAST(sum(least(coalesce(hits.leading_blocks, 0) * o.block_size, o.prompt)) AS BIGINT) AS hit_tokens,
       sum(least(coalesce(hits.leading_blocks, 0) * o.block_size, o.prompt)) / sum(o.prompt) AS reuse_share,
       count(*) FILTER (WHERE hits.leading_blocks > 0) AS requests_with_hit
FROM o
LEFT JOIN hits
  ON hits.provider IS NOT DISTINCT FROM o.provider AND hits.project IS NOT DISTINCT FROM o.project
 AND hits.seq = o.seq
GROUP BY o.provider, o.project
ORDER BY o.provider, o.project
