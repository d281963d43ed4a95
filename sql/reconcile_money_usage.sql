-- name: reconcile_money_usage
-- Every live usage row with what it counts for: money_basis of its provider and UTC day ('billed' when cost rows exist, else 'bucket' when provider aggregates exist, else 'request'); counts_for_tokens (the provider's volume: bucket rows where the day has any, else request rows; `usage` already leaves out the org totals grouped rows cover and the buckets a wider bucket of the same export covers, storage/store.py USAGE_SHADOWED_VIEW); counts_for_money (counts_for_tokens and no billed cost that day). Request rows on a day covered by provider aggregates never count for money or volume.
WITH u AS (
    SELECT *,
           CAST(ts AT TIME ZONE 'UTC' AS DATE) AS day
    FROM usage
),
provider_day AS (
    SELECT provider, day, bool_or(grain = 'bucket') AS has_bucket
    FROM u GROUP BY provider, day
),
billed_day AS (
    SELECT DISTINCT provider, CAST(ts AT TIME ZONE 'UTC' AS DATE) AS day FROM costs
)
SELECT u.*,
       CASE WHEN b.provider IS NOT NULL THEN 'billed'
            WHEN pd.has_bucket THEN 'bucket'
            ELSE 'request' END AS money_basis,
       CASE WHEN pd.has_bucket THEN u.grain = 'bucket'
            ELSE u.grain = 'request' END AS counts_for_tokens,
       (CASE WHEN pd.has_bucket THEN u.grain = 'bucket'
             ELSE u.grain = 'request' END) AND b.provider IS NULL AS counts_for_money
FROM u
JOIN provider_day pd ON pd.provider IS NOT DISTINCT FROM u.provider AND pd.day = u.day
LEFT JOIN billed_day b ON b.provider IS NOT DISTINCT FROM u.provider AND b.day = u.day
