"""Write the bytecode of every module the tool imports, once, when it is installed.

`make install` installs without byte-compiling the whole stack (pip's `--no-compile`: 722 MB
of mostly unused modules, README "Quick start"). Python then compiles each module the first time
a run imports it and caches the bytecode, unless the environment says not to write it
(`PYTHONDONTWRITEBYTECODE`, set in many container images and on this project's build machine):
then every run compiles statsmodels, scipy, pandas and numpy again. Measured on the 2-core build
machine: a report over sample_logs took 9.2 s instead of 4.1 s, and the first `--logs` run over
the Claude Code bench folder 17.2 s instead of 10.9 s (docs/benchmarks-claude-code.md).

`python -m llmcost.precompile` imports this package's modules and the forecast's statsmodels
modules (llmcost.forecast.warm.MODULES) with bytecode writing on, and compiles a few small packages
whole (`WHOLE`), so only what the tool uses is compiled: about 12 s and 50 MB once, against
17 s and 123 MB for the whole stack. A module whose optional dependency is not installed (the
Spark engine without pyspark) is skipped: the tool imports it only when asked to use it.
"""

from __future__ import annotations

import compileall
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

WHOLE = ("typer", "click", "rich", "genai_prices", "pyarrow", "polars", "duckdb")
"""Small packages compiled whole: the tool imports parts of them only while it runs (the price
data, the CLI's decorators, pyarrow's pandas shim), which importing the modules would miss."""


def main() -> int:
    sys.dont_write_bytecode = False
    import llmcost
    from llmcost.forecast import warm

    names = [m.name for m in pkgutil.walk_packages(llmcost.__path__, "llmcost.", onerror=lambda _: None)]
    skipped = []
    for name in [*names, *warm.MODULES]:
        try:
            importlib.import_module(name)
        except ImportError:
            skipped.append(name)
    for pkg in WHOLE:
        spec = importlib.util.find_spec(pkg)
        if spec is not None and spec.submodule_search_locations:
            for where in spec.submodule_search_locations:
                compileall.compile_dir(Path(where), quiet=2, workers=0)
    done = len(names) + len(warm.MODULES) - len(skipped)
    print(f"Compiled the bytecode of {done} modules and what they import"
          + (f" (skipped, optional dependency missing: {', '.join(skipped)})" if skipped else "") + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
