"""What a load run returns: one `FileResult` per input file, with its status and its row counts
(read = stored + duplicate + skipped + quarantined), gathered in a `LoadResult`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileResult:
    path: str
    status: str  # ingested | unchanged | replaced | companion | unrecognised | failed | store
    ingestor: str | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    rows_skipped: int = 0
    note: str | None = None
    """Why an unchanged file was read again (its format's reader changed since it was stored), or
    why a folder was not read (status "store": another llmcost store in --logs): said to the user,
    not a problem."""


@dataclass
class LoadResult:
    files: list[FileResult] = field(default_factory=list)

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    def problems(self) -> list[FileResult]:
        """Files to warn about: not recognised, failed, or read with no rows under --source."""
        return [f for f in self.files
                if f.status in ("unrecognised", "failed") or (f.message and f.status in ("ingested", "replaced"))]
