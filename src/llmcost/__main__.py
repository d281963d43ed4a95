"""`python -m llmcost` runs the same command as the `llmcost-forecast` script, so the tool works
from a checkout or a virtualenv whose scripts folder is not on PATH."""

from llmcost.cli import main

# guarded: `python -m llmcost.precompile` and the tests import every module of the package
if __name__ == "__main__":
    main()
