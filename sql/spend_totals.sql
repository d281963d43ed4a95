-- name: spend_totals
-- One row: rows, requests and priced spend in the window, with the unpriced rows, requests and tokens counted apart (their cost is unknown, not $0), and the first and last timestamps. requests is a lower bound when requests_known is false: no_request_count_tokens of the usage come from sources that state no request count (include/report_request_sums).
SELECT count(*) AS n_rows,
       CAST(coalesce(sum(coalesce(request_count, 1)), 0) AS BIGINT) AS requests,
       -- include: report_request_sums
       count(*) FILTER (WHERE priced) AS priced_rows,
       count(*) FILTER (WHERE NOT coalesce(priced, false)) AS unpriced_rows,
       CAST(coalesce(sum(coalesce(request_count, 1)) FILTER (WHERE NOT coalesce(priced, false)), 0) AS BIGINT)
           AS unpriced_requests,
       CAST(coalesce(sum(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0)
                         + coalesce(cache_write_tokens, 0) + coalesce(output_tokens, 0))
                     FILTER (WHERE NOT coalesce(priced, false)), 0) AS BIGINT) AS unpriced_tokens,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       min(ts) AS first_ts,
       max(ts) AS last_ts
FROM priced_usage
WHERE
    -- include: in_window
