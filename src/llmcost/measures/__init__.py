"""The measures: `registry.py` holds the `MEASURES` registry and computes them; `queries.py` loads
and runs the SQL files in `sql/` (one statement each, with its data case)."""
