"""Display helpers shared by the text renderers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def money(v: Decimal | None, places: int = 2) -> str:
    """Money for display; None is unknown (n/a), never $0."""
    if v is None:
        return "n/a"
    v = Decimal(v)
    if abs(v) < 1 and v != 0:
        places = max(places, 4)  # small amounts keep their cents' fractions visible
    return f"${v.quantize(Decimal(1).scaleb(-places)):,}"


def num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, Decimal | float):
        return f"{v:,.2f}"
    return f"{v:,}"


def pct(v: Any) -> str:
    return "unknown" if v is None else f"{Decimal(v) * 100:.1f}%"
