-- name: report_cache_daily
-- Cache hit rate per calendar day in $tz (default UTC) over the report's window (`priced_usage`), rows whose source reports cache fields only (the measures' definition: cache read / (cache read + cache write + uncached input)), with the requests counted.
SELECT CAST(timezone(coalesce($tz, 'UTC'), ts) AS DATE) AS day,
       CAST(sum(cache_read_tokens) AS DOUBLE)
           / nullif(sum(cache_read_tokens + cache_write_tokens + input_tokens), 0) AS hit_rate,
       sum(request_count) AS cache_known_requests
FROM priced_usage WHERE coalesce(cache_known, false) GROUP BY 1 ORDER BY 1
