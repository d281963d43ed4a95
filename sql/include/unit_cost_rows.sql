-- the window's rows as the unit-cost queries read them: priced (never NULL), the cost, and the
-- UTC calendar month (from the epoch, not a time zone)
coalesce(priced, false) AS priced, cost_usd,
date_trunc('month', DATE '1970-01-01' + CAST(epoch_us(ts) // 86400000000 AS INTEGER)) AS month
FROM priced_usage
WHERE
    -- include: in_window
