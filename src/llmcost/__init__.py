"""llmcost-forecast: where the LLM money went, what next month costs, and what would save."""

__version__ = "0.1.0"
