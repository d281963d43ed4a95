-- name: spend_unpriced_models
-- Provider and model pairs with no price, with their rows, requests and tokens: this usage is left out of every money figure (never counted as $0). Biggest first.
SELECT provider, model,
       count(*) AS n_rows,
       CAST(sum(coalesce(request_count, 1)) AS BIGINT) AS requests,
       CAST(sum(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0)
                + coalesce(cache_write_tokens, 0) + coalesce(output_tokens, 0)) AS BIGINT) AS tokens
FROM priced_usage
WHERE NOT coalesce(priced, false) AND
    -- include: in_window
GROUP BY provider, model
ORDER BY tokens DESC, provider NULLS LAST, model NULLS LAST
