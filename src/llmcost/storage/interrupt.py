"""Ctrl-C, remembered (issue 17).

DuckDB turns a SIGINT that lands during a query into its own error (`InterruptException`, or a
`RuntimeError: Query interrupted` out of some paths), and code that fails one input file on any
DuckDB error would then carry on and commit. So the CLI's handler also records the press, and the
points that make a change visible check it: the store's commit (`Store.write_manifest`), the
replace of an output file (`output.write_text`) and the CLI between files and at the end. A
library caller that never installs the handler is unaffected.

A press that lands while polars' Rust code has called back into Python (it reads a `Decimal`'s
digits through Python, value by value) is not raised there: pyo3 turns an exception in such a
callback into a Rust panic, printed with a backtrace before any handler of ours runs (a CI run,
2026-12-06). The press is remembered and raised 50 ms later, once the stack holds no polars frame.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

_pressed = [False]
_RETRY_SECONDS = 0.05


def _in_polars(frame: FrameType | None) -> bool:
    """True if a polars frame is on the stack (then the code running may be a callback from Rust)."""
    module = sys.modules.get("polars")
    if module is None or not module.__file__:
        return False
    root = os.path.dirname(module.__file__) + os.sep
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(root):  # its callbacks (lambdas compiled from strings) are called below these
            return True
        frame = frame.f_back
    return False


def _handler(signum: int, frame: FrameType | None) -> None:
    _pressed[0] = True
    if _in_polars(frame) and hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _handler)  # try again soon, outside polars
        signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
        return
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
