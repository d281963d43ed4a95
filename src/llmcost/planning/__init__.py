"""Costing what has not run yet: `plan.py` (a pre-launch plan from stated traffic, or from the
store's logs) and `swap.py` (the same history priced as another model)."""
