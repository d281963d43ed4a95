-- the usage whose source states no request count (requests_known false; NULL in a store written
-- before the column: a bucket with request_count 0): requests_known (every row states its count,
-- else `requests` counts only the rows that do: a lower bound), and those rows' tokens (prompt +
-- cache + output), their share of the tokens and their estimated cost (0 when there are none)
coalesce(bool_and(coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0)), true) AS requests_known,
coalesce(sum(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) + coalesce(output_tokens, 0))
    FILTER (WHERE NOT coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0)), 0) AS no_request_count_tokens,
CAST(sum(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) + coalesce(output_tokens, 0))
    FILTER (WHERE NOT coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0)) AS DOUBLE)
    / nullif(sum(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) + coalesce(output_tokens, 0)), 0)
    AS no_request_count_token_share,
CASE WHEN count(*) FILTER (WHERE NOT coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0)) = 0 THEN 0
     ELSE sum(cost_usd) FILTER (WHERE NOT coalesce(requests_known, grain IS DISTINCT FROM 'bucket' OR request_count <> 0)) END
    AS no_request_count_cost_usd,
