"""Durable state on disk: the store (manifest, parts, lock, reader and writer), every DuckDB
connection, the canonical schema, atomic output files, and the crash-safety helpers they share
(stale temporary files, deferred Ctrl-C)."""
