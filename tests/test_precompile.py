"""`python -m llmcost.precompile` (run by `make install`) writes the bytecode of what the tool
imports even where the environment forbids writing it, so a run does not compile statsmodels,
pandas and the price data again each time."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def _cached(prefix: Path, module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    # where the bytecode lands under PYTHONPYCACHEPREFIX: the source's directory mirrored under
    # the prefix, with no __pycache__ level
    source = Path(spec.origin)
    return prefix / source.parent.relative_to("/") / f"{source.stem}.{sys.implementation.cache_tag}.pyc"


def test_writes_the_bytecode_of_what_a_report_imports(tmp_path: Path) -> None:
    prefix = tmp_path / "pyc"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(prefix)}
    run = subprocess.run([sys.executable, "-m", "llmcost.precompile"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Compiled the bytecode of "), run.stdout
    for module in (
        "statsmodels.tsa.exponential_smoothing.ets",  # the forecast (llmcost.forecast.warm)
        "pandas.core.frame",
        "genai_prices.data",  # the price data, loaded only when a catalog is built
        "typer._click.decorators",
        "llmcost.report.html",
        "llmcost.measures.registry",
    ):
        assert _cached(prefix, module).is_file(), module

    # the same interpreter without the module writes nothing there: the test can fail
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-c", "import statsmodels.tsa.exponential_smoothing.ets"],
                   env={**env, "PYTHONPYCACHEPREFIX": str(bare)}, check=True, timeout=600)
    assert not _cached(bare, "statsmodels.tsa.exponential_smoothing.ets").exists()
