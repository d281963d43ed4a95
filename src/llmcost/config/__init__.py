"""Config files shipped with llmcost (measures.toml) and the strict reader for the user's (strict.py)."""
