-- in the report window: from $since (inclusive) to $until (exclusive), of one $provider, each
-- only when given (NULL: no filter)
($since IS NULL OR ts >= $since)
AND ($until IS NULL OR ts < $until)
AND ($provider IS NULL OR provider = $provider)
