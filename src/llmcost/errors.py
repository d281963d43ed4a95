"""Errors a user can fix. Only the CLI turns these into messages and exit codes.

Every message says what happened, where (file, line, field) and how to fix it. Any other
exception escaping the library is a bug and keeps its traceback.
"""

from __future__ import annotations


class LlmcostError(Exception):
    """A problem the user can fix; `str(err)` is the whole message."""

    exit_code = 2


class UsageError(LlmcostError):
    """Bad options or arguments."""


class StoreError(LlmcostError):
    """The store is missing, corrupted, foreign or written by a newer version."""

    exit_code = 3


class StoreLockedError(StoreError):
    """Another run holds the store's lock."""

    exit_code = 75  # EX_TEMPFAIL: cron can retry later


class FormatError(LlmcostError):
    """An input file no format recognises, or one that cannot be read at all."""


class ConfigError(LlmcostError):
    """A config, mapping, price override or scenario file is invalid."""


class PricingError(LlmcostError):
    """A price cannot be resolved as asked (e.g. `prices MODEL` for an unknown model)."""


class BudgetExceeded(LlmcostError):
    """The forecast crosses --budget; cron mode exits with a documented code."""

    exit_code = 4
