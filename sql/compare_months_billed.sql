-- name: compare_months_billed
-- The month comparison's billed money (llmcost.compare): the cost exports' lines (`costs`; lines with a cost only) per month, 'current' from $cur_start to $cur_end and 'previous' from $prev_start to $prev_end (the same days as compare_months_by_model), a line counted on the calendar day its bucket starts in time zone $tz. A month without a cost line has no row: its billed money is unknown, not $0.
WITH c AS (
    SELECT CAST(timezone($tz, ts) AS DATE) AS day, cost_usd
    FROM costs
    WHERE cost_usd IS NOT NULL
      AND ts >= timezone($tz, CAST($prev_start AS TIMESTAMP))
      AND ts < timezone($tz, CAST($cur_end AS TIMESTAMP) + INTERVAL 1 DAY)
)
SELECT CASE WHEN day >= CAST($cur_start AS DATE) THEN 'current' ELSE 'previous' END AS period,
       CAST(sum(cost_usd) AS DECIMAL(38, 12)) AS billed_usd
FROM c
WHERE day >= CAST($prev_start AS DATE) AND day <= CAST($cur_end AS DATE)
  AND (day >= CAST($cur_start AS DATE) OR day <= CAST($prev_end AS DATE))
GROUP BY ALL
ORDER BY period DESC
