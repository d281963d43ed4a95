-- name: report_by_project
-- The report's window (`priced_usage`) per project ('(none)' for rows without one): requests (a lower bound when requests_known is false), the usage whose source states no request count, and cost_usd (NULL when none of its rows is priced), the most expensive first (ties by project).
SELECT coalesce(project, '(none)') AS project, sum(request_count) AS requests,
       -- include: report_request_sums
       sum(cost_usd) AS cost_usd
FROM priced_usage GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, requests DESC, project
