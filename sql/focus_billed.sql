-- name: focus_billed
-- The FOCUS export's billed rows before they are shaped (llmcost.document.focus_export): the cost lines (`costs`: the export's window over them) that state a cost, each with its charge period, provider, model, project, line item, token kind, quantity and unit, billed and list cost, in a stable order.
SELECT ts, bucket_end, provider, model, project, line_item, token_type, quantity, unit, source,
       cost_usd, list_cost_usd, event_id
FROM costs
WHERE cost_usd IS NOT NULL
ORDER BY ts, provider, project NULLS FIRST, line_item NULLS FIRST, model NULLS FIRST, token_type NULLS FIRST, event_id
