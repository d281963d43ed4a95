-- name: spend_by_period
-- Spend per calendar day, ISO week (starting Monday) and calendar month of local_day (the day in the report's --tz; the UTC day outside a report), for the total and by provider, model, project, api_key and user_id, in long form (period, period_start, dimension, key). requests is a lower bound when requests_known is false: no_request_count_tokens of the usage come from sources that state no request count. cost_usd sums priced rows only and is NULL when none is priced; unpriced rows and requests are counted apart, never as $0.
WITH f AS (
    SELECT CAST(date_diff('day', DATE '1970-01-01', local_day) AS INTEGER) AS d,
           provider, model, project, api_key, user_id,
           coalesce(request_count, 1) AS requests,
           -- the row states its request count (include/report_request_sums' rule), and its tokens when it does not:
           -- decided once per row here, not in each of the six grouping sets below
           coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0) AS requests_known,
           CASE WHEN NOT coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0)
                THEN coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
                     + coalesce(output_tokens, 0) ELSE 0 END AS no_request_count_tokens,
           coalesce(priced, false) AS priced,
           cost_usd
    FROM priced_usage
    WHERE
        -- include: in_window
),
daily AS (
    SELECT d, provider, model, project, api_key, user_id,
           grouping(provider, model, project, api_key, user_id) AS g,
           count(*) AS n_rows,
           sum(requests) AS requests,
           bool_and(requests_known) AS requests_known,
           sum(no_request_count_tokens) AS no_request_count_tokens,
           count(*) FILTER (WHERE NOT priced) AS unpriced_rows,
           coalesce(sum(requests) FILTER (WHERE NOT priced), 0) AS unpriced_requests,
           sum(cost_usd) FILTER (WHERE priced) AS cost_usd
    FROM f
    GROUP BY GROUPING SETS ((d), (d, provider), (d, model), (d, project), (d, api_key), (d, user_id))
),
periods AS (
    SELECT 'day' AS period, DATE '1970-01-01' + d AS period_start, * EXCLUDE (d) FROM daily
    UNION ALL
    SELECT 'week', DATE '1970-01-01' + (((d + 3) // 7) * 7 - 3), * EXCLUDE (d) FROM daily
    UNION ALL
    SELECT 'month', CAST(date_trunc('month', DATE '1970-01-01' + d) AS DATE), * EXCLUDE (d) FROM daily
),
cube AS (
    SELECT period, period_start, g, provider, model, project, api_key, user_id,
           sum(n_rows) AS n_rows,
           sum(requests) AS requests,
           bool_and(requests_known) AS requests_known,
           sum(no_request_count_tokens) AS no_request_count_tokens,
           sum(unpriced_rows) AS unpriced_rows,
           sum(unpriced_requests) AS unpriced_requests,
           sum(cost_usd) AS cost_usd
    FROM periods
    GROUP BY ALL
)
SELECT period, period_start,
       CASE g WHEN 31 THEN 'total' WHEN 15 THEN 'provider' WHEN 23 THEN 'model'
              WHEN 27 THEN 'project' WHEN 29 THEN 'api_key' ELSE 'user_id' END AS dimension,
       CASE g WHEN 15 THEN provider WHEN 23 THEN model WHEN 27 THEN project
              WHEN 29 THEN api_key WHEN 30 THEN user_id END AS key,
       CAST(n_rows AS BIGINT) AS n_rows,
       CAST(requests AS BIGINT) AS requests,
       requests_known,
       CAST(no_request_count_tokens AS BIGINT) AS no_request_count_tokens,
       CAST(unpriced_rows AS BIGINT) AS unpriced_rows,
       CAST(unpriced_requests AS BIGINT) AS unpriced_requests,
       CAST(cost_usd AS DECIMAL(38, 12)) AS cost_usd
FROM cube
ORDER BY CASE period WHEN 'day' THEN 1 WHEN 'week' THEN 2 ELSE 3 END, period_start,
         CASE g WHEN 31 THEN 0 WHEN 15 THEN 1 WHEN 23 THEN 2 WHEN 27 THEN 3 WHEN 29 THEN 4 ELSE 5 END,
         cost_usd DESC NULLS LAST, key NULLS LAST
