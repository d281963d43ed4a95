"""JSON: the report document as is, money as decimal strings (never floats), times in ISO 8601."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return format(o.normalize(), "f") if o == o.to_integral_value() else format(o, "f")
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, PurePath):
        return str(o)
    if isinstance(o, set | frozenset | tuple):
        return sorted(o) if isinstance(o, set | frozenset) else list(o)
    if hasattr(o, "to_dict"):
        return o.to_dict()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, default=_default, indent=2) + "\n"
