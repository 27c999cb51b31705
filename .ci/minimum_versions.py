"""Print a pip constraints file pinning every direct dependency to its declared lower bound.

CI installs the built wheel under these pins, so each `>=X` in pyproject.toml is a version
the suite has passed on. Reads the runtime dependencies and the extras named on the command
line (e.g. `test`); a dependency without a `>=` bound is left to the resolver.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

LOWER_BOUND = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)")


def main(extras: list[str]) -> int:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    for requirement in requirements:
        match = LOWER_BOUND.match(requirement)
        if match:
            print(f"{match.group(1)}=={match.group(3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
