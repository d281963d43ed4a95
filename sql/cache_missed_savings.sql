-- name: cache_missed_savings
-- Requests (cache-known, request grain) whose prompt reaches the provider's minimum cacheable length but read nothing from the cache, per provider and model and overall (level), with an upper-bound estimate of what a stable cached prefix would have saved: cost_input_usd x (1 - cache-read multiplier), i.e. the whole uncached input served as a cache read, write premiums ignored. followup_* counts only turns > 1 (an earlier turn could have warmed the cache). Minimums and multipliers come from the parameters $cache_providers, $cache_min_tokens, $cache_read_multipliers (aligned lists) and the defaults $cache_min_default and $cache_read_multiplier_default.
WITH r AS (
    SELECT provider, model, turn,
           coalesce(input_tokens, 0) AS input_tokens,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           coalesce(cache_read_tokens, 0) AS cache_read,
           coalesce(priced, false) AS priced,
           cost_input_usd,
           coalesce(list_position($cache_providers, lower(provider)), 0) AS pidx
    FROM priced_usage
    WHERE grain = 'request' AND cache_known AND
        -- include: in_window
),
e AS (
    SELECT *,
           coalesce(CAST($cache_min_tokens AS BIGINT[])[pidx], CAST($cache_min_default AS BIGINT), 1024) AS min_tokens,
           coalesce(CAST($cache_read_multipliers AS DOUBLE[])[pidx], CAST($cache_read_multiplier_default AS DOUBLE), 0.1)
               AS read_multiplier
    FROM r
),
m AS (
    SELECT *,
           cache_read = 0 AND prompt >= min_tokens AS missed,
           CASE WHEN cache_read = 0 AND prompt >= min_tokens AND priced
                THEN cost_input_usd * CAST(1 - read_multiplier AS DECIMAL(18, 6)) END AS missed_saving
    FROM e
),
g AS (
    SELECT provider, model, grouping(provider, model) AS gid,
           min(min_tokens) AS min_cacheable_tokens,
           min(read_multiplier) AS read_multiplier,
           count(*) AS requests,
           count(*) FILTER (WHERE missed) AS missed_requests,
           sum(input_tokens) FILTER (WHERE missed) AS missed_input_tokens,
           count(*) FILTER (WHERE missed AND NOT priced) AS unpriced_missed_requests,
           sum(missed_saving) AS missed_savings_usd,
           count(*) FILTER (WHERE missed AND turn > 1) AS followup_missed_requests,
           sum(missed_saving) FILTER (WHERE turn > 1) AS followup_missed_savings_usd
    FROM m
    GROUP BY GROUPING SETS ((provider, model), ())
)
SELECT CASE gid WHEN 0 THEN 'provider_model' ELSE 'all' END AS level,
       provider, model,
       CASE WHEN gid = 0 THEN min_cacheable_tokens END AS min_cacheable_tokens,
       CASE WHEN gid = 0 THEN read_multiplier END AS read_multiplier,
       CAST(requests AS BIGINT) AS requests,
       CAST(missed_requests AS BIGINT) AS missed_requests,
       CAST(coalesce(missed_input_tokens, 0) AS BIGINT) AS missed_input_tokens,
       CAST(unpriced_missed_requests AS BIGINT) AS unpriced_missed_requests,
       CAST(missed_savings_usd AS DECIMAL(38, 12)) AS missed_savings_usd,
       CAST(followup_missed_requests AS BIGINT) AS followup_missed_requests,
       CAST(followup_missed_savings_usd AS DECIMAL(38, 12)) AS followup_missed_savings_usd
FROM g
ORDER BY gid DESC, missed_savings_usd DESC NULLS LAST, provider, model
