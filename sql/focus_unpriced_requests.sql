-- name: focus_unpriced_requests
-- Requests in the FOCUS export's window (`priced_usage`) that have no known price and so no FOCUS row (export-focus warns about them).
SELECT coalesce(sum(request_count), 0) AS requests FROM priced_usage WHERE NOT priced
