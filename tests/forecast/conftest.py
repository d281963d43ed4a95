"""Forecast tests: single-threaded BLAS.

ETS fits multiply tiny matrices; OpenBLAS threads only add contention on a shared 2-core
machine (measured: the forecast suite ran 44 s with threads, see docs/forecasting.md). This
only takes effect if numpy has not been imported yet in the test process.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
