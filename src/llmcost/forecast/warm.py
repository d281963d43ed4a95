"""Start statsmodels' import early, in a background thread, when a forecast is sure to follow.

statsmodels stays lazily imported (inside the model modules' functions, forecast/__init__.py):
commands that never forecast do not pay its cold import. A report that forecasts pays it, about
1-1.5 s (statsmodels, scipy, pandas, formulaic), and spends about as long before the forecast in
DuckDB (the store's views, pricing, the measures), which runs with the GIL released. `start()`
overlaps the two: the thread imports the modules the forecast uses while the main thread queries.
When the forecast reaches its own `import`, Python's import lock makes it wait for the thread's
import to finish (or imports itself, if the thread failed): the modules, and so every figure, are
the same either way. The thread only imports third-party modules the main thread does not import
at the same time (it has them all by then, or never needs them before the forecast), so the two
never wait on each other's import locks.
"""

from __future__ import annotations

import importlib
import threading

MODULES = ("statsmodels.tsa.exponential_smoothing.ets", "statsmodels.tsa.seasonal")
"""What the report's forecast imports: ETSModel (forecast/ets.py) and STL (forecast/clean.py,
forecast/ets.py); the first brings scipy, pandas and statsmodels' base."""

_started: threading.Thread | None = None


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the forecast's own import raises it again, in the main thread
            return


def start() -> None:
    """Start importing `MODULES` in a daemon thread (once per process; a no-op after)."""
    global _started
    if _started is None:
        _started = threading.Thread(target=_import_all, name="llmcost-warm-statsmodels", daemon=True)
        _started.start()
