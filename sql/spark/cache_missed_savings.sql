-- name: cache_missed_savings
-- Requests (cache-known, request grain) whose prompt reaches the provider's minimum cacheable length but read nothing from the cache, per provider and model and overall (level), with an upper-bound estimate of what a stable cached prefix would have saved: cost_input_usd x (1 - cache-read multiplier), i.e. the whole uncached input served as a cache read, write premiums ignored. followup_* counts only turns > 1 (an earlier turn could have warmed the cache). Minimums and multipliers come from the parameters $cache_providers, $cache_min_tokens, $cache_read_multipliers (aligned lists) and the defaults $cache_min_default and $cache_read_multiplier_default.
-- Spark dialect, written by hand (llmcost.engine.spark.query_sql): Spark's GROUPING SETS give no row
-- for the empty set () over no input rows, where DuckDB gives the 'all' row (zero requests); here the
-- 'all' row is a plain aggregate, which gives its one row on any input. Otherwise the same query as
-- sql/cache_missed_savings.sql (list functions in their Spark forms, as llmcost.engine.spark.to_spark writes them).
WITH r AS (
    SELECT provider, model, turn,
           coalesce(input_tokens, 0) AS input_tokens,
           coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS prompt,
           coalesce(cache_read_tokens, 0) AS cache_read,
           coalesce(priced, false) AS priced,
           cost_input_usd,
           coalesce(nullif(array_position(CAST($cache_providers AS ARRAY<STRING>), lower(provider)), 0), 0) AS pidx
    FROM priced_usage
    WHERE grain = 'request' AND cache_known
      AND ($since IS NULL OR ts >= $since)
      AND ($until IS NULL OR ts < $until)
      AND ($provider IS NULL OR provider = $provider)
),
e AS (
    SELECT *,
           coalesce(get(CAST($cache_min_tokens AS ARRAY<BIGINT>), pidx - 1), CAST($cache_min_default AS BIGINT), 1024) AS min_tokens,
           coalesce(get(CAST($cache_read_multipliers AS ARRAY<DOUBLE>), pidx - 1), CAST($cache_read_multiplier_default AS DOUBLE), 0.1)
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
    SELECT provider, model, 0 AS gid,
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
    GROUP BY provider, model
    UNION ALL
    SELECT CAST(NULL AS STRING), CAST(NULL AS STRING), 3,
           min(min_tokens), min(read_multiplier), count(*),
           count(*) FILTER (WHERE missed),
           sum(input_tokens) FILTER (WHERE missed),
           count(*) FILTER (WHERE missed AND NOT priced),
           sum(missed_saving),
           count(*) FILTER (WHERE missed AND turn > 1),
           sum(missed_saving) FILTER (WHERE turn > 1)
    FROM m
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
