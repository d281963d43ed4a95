-- name: report_by_label
-- Requests (a lower bound when requests_known is false), the usage whose source states no request count, tokens by kind and money per --label KEY=VALUE (`run_labels`): estimated cost over the report's window (`priced_usage`, priced rows only, NULL when none is priced) and billed cost over the cost lines of the same window (`costs`, the report's window over them). A row with several labels counts once under each, so shares add up per key; rows stored without labels are '(none)', listed last.
WITH u AS (
    SELECT *, unnest(CASE WHEN run_labels IS NULL THEN [NULL]
                          ELSE map_entries(CAST(CAST(run_labels AS JSON) AS MAP(VARCHAR, VARCHAR))) END) AS _l
    FROM priced_usage),
c AS (
    SELECT *, unnest(CASE WHEN run_labels IS NULL THEN [NULL]
                          ELSE map_entries(CAST(CAST(run_labels AS JSON) AS MAP(VARCHAR, VARCHAR))) END) AS _l
    FROM costs),
ul AS (
    SELECT coalesce(_l.key || '=' || _l.value, '(none)') AS label,
           CAST(coalesce(sum(request_count), 0) AS BIGINT) AS requests,
           -- include: report_request_sums
           CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
           CAST(coalesce(sum(cache_read_tokens), 0) AS BIGINT) AS cache_read_tokens,
           CAST(coalesce(sum(cache_write_tokens), 0) AS BIGINT) AS cache_write_tokens,
           CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
           CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
           CAST(coalesce(sum(request_count) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_requests
    FROM u GROUP BY 1),
cl AS (
    SELECT coalesce(_l.key || '=' || _l.value, '(none)') AS label,
           CAST(sum(cost_usd) AS DECIMAL(38, 12)) AS billed_cost_usd
    FROM c GROUP BY 1)
SELECT coalesce(ul.label, cl.label) AS label,
       coalesce(ul.requests, 0) AS requests,
       coalesce(ul.requests_known, true) AS requests_known,
       CAST(coalesce(ul.no_request_count_tokens, 0) AS BIGINT) AS no_request_count_tokens,
       ul.no_request_count_token_share,
       CASE WHEN ul.label IS NULL THEN 0 ELSE ul.no_request_count_cost_usd END AS no_request_count_cost_usd,
       coalesce(ul.input_tokens, 0) AS input_tokens,
       coalesce(ul.cache_read_tokens, 0) AS cache_read_tokens,
       coalesce(ul.cache_write_tokens, 0) AS cache_write_tokens,
       coalesce(ul.output_tokens, 0) AS output_tokens,
       ul.cost_usd, coalesce(ul.unpriced_requests, 0) AS unpriced_requests, cl.billed_cost_usd
FROM ul FULL OUTER JOIN cl ON ul.label = cl.label
ORDER BY coalesce(ul.label, cl.label) = '(none)', coalesce(ul.label, cl.label)
