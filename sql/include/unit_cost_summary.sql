unit, level, project,
CAST(count(*) AS BIGINT) AS units,
CAST(count(*) FILTER (WHERE priced) AS BIGINT) AS priced_units,
CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_units,
sum(cost) FILTER (WHERE priced) AS total,
-- one quantile state for the three (three separate ones each held every cost in memory),
-- and a fourth, the 97th percentile: the top k (below) are not under it
CAST(quantile_cont(cost, [0.5, 0.9, 0.99, 0.97]) FILTER (WHERE priced) AS DECIMAL(38, 12)[]) AS q_usd,
CAST(max(cost) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS max_usd,
-- the top 1%: the k = ceil(1% of the priced units) (at least one) most expensive ones
CAST(greatest(1, ceil(count(*) FILTER (WHERE priced) * 0.01)) AS BIGINT) AS top_k
