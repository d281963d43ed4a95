-- the window's rows as the unit-cost queries read them: priced (never NULL), the cost, and the
-- calendar month of local_day (the day in the report's --tz; the UTC day outside a report)
coalesce(priced, false) AS priced, cost_usd,
date_trunc('month', local_day) AS month
FROM priced_usage
WHERE
    -- include: in_window
