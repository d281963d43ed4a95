-- name: tag_names
-- The names of the user's tags in extra.tags (see spend_by_tag) with the requests that carry each, most used first: what --by tag:NAME can group by.
SELECT tag,
       CAST(sum(coalesce(request_count, 1)) AS BIGINT) AS requests
FROM (
    SELECT unnest(json_keys(json_extract(extra, '$.tags'))) AS tag, request_count
    FROM priced_usage
    WHERE extra IS NOT NULL AND
        -- include: in_window
)
GROUP BY tag
ORDER BY requests DESC, tag
