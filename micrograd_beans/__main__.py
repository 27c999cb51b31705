"""`python -m micrograd_beans`: the `micrograd-beans` console script, for when it is not on PATH."""

import sys

from micrograd_beans.cli import main

if __name__ == "__main__":
    sys.exit(main())
