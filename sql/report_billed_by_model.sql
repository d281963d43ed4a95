-- name: report_billed_by_model
-- Billed money per provider and model from the cost exports (`costs`: the report's window over them; lines with a cost only): an unpriced model may still be paid for in the billed total.
SELECT provider, model, sum(cost_usd) AS cost_usd
FROM costs WHERE cost_usd IS NOT NULL GROUP BY ALL ORDER BY provider, model
