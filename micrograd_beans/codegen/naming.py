"""Naming: Python identifiers for the generated code, made from the Values' labels."""

from __future__ import annotations

import re

from micrograd_beans.codegen.vocabulary import _RESERVED


class _Namer:
    """Unique Python identifiers from labels: `w1.12_2` becomes `w1_12_2`, clashes get `_2`."""

    def __init__(self) -> None:
        self.taken: set[str] = set(_RESERVED)
        self.temps = 0

    def name(self, label: str) -> str:
        base = re.sub(r"\W", "_", label)
        if not base:
            self.temps += 1
            base = f"t{self.temps}"
            while base in self.taken:
                self.temps += 1
                base = f"t{self.temps}"
        if base[0].isdigit():
            base = "_" + base
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name
