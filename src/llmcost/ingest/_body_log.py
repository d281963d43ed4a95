"""The base of the three readers of an app's log of response bodies (OpenAI, Anthropic Messages,
Gemini generateContent), which read their files through llmcost.ingest._mixed_bodies.

Why: a log may hold replies of two or three providers, so each of the three formats asks
`_mixed_bodies` for its batch shape and its query (that module imports the three readers, hence
the import when called), and each quarantines a record without its usage as what else it is
(`no_usage_sql`). Each reader keeps its own `sniff`, fields and `rows_sql`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from llmcost.ingest import IngestContext, Ingestor, InputFile, sql_str


def no_usage_sql(reason: str, strays: str) -> str:
    """SQL: why a record without this reader's usage is quarantined: what else it is, from `strays`
    (`WHEN ... THEN 'reason'` clauses, llmcost.ingest._mixed_bodies), else `reason`."""
    return f"coalesce(CASE {strays} END, {sql_str(reason)})" if strays else sql_str(reason)


def _mixed() -> Any:
    from llmcost.ingest import _mixed_bodies  # it imports the readers that subclass BodyLog

    return _mixed_bodies


class BodyLog(Ingestor):
    """A format of response bodies, bare or in an app's envelope, read with the other providers'
    bodies where a file mixes them."""

    batchable: ClassVar[bool] = True  # new small files are read together, grouped by their envelope (batch_shape)

    def batch_shape(self, head: bytes) -> str:
        return _mixed().batch_shape(head)

    def query(self, f: InputFile, ctx: IngestContext) -> str:
        return _mixed().query(f, ctx, self.name)
