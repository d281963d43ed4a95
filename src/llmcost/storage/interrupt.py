"""Ctrl-C, remembered (issue 17).

DuckDB turns a SIGINT that lands during a query into its own error (`InterruptException`, or a
`RuntimeError: Query interrupted` out of some paths), and code that fails one input file on any
DuckDB error would then carry on and commit. So the CLI's handler also records the press, and the
points that make a change visible check it: the store's commit (`Store.write_manifest`), the
replace of an output file (`output.write_text`) and the CLI between files and at the end. A
library caller that never installs the handler is unaffected.
"""

from __future__ import annotations

import signal
from types import FrameType

_pressed = [False]


def _handler(signum: int, frame: FrameType | None) -> None:
    _pressed[0] = True
    raise KeyboardInterrupt


def install() -> None:
    """Record Ctrl-C and raise KeyboardInterrupt (the CLI's handler from `main` on)."""
    _pressed[0] = False
    signal.signal(signal.SIGINT, _handler)


def pressed() -> bool:
    """True once Ctrl-C was pressed in this process (after `install`)."""
    return _pressed[0]


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if something swallowed it since."""
    if _pressed[0]:
        raise KeyboardInterrupt
