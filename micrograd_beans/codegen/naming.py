"""Naming: Python identifiers for the generated code, made from the Values' labels."""

from __future__ import annotations

import unicodedata

from micrograd_beans.codegen.vocabulary import _RESERVED


def identifier(label: str) -> str:
    """A Python identifier spelling `label` as closely as possible ("" for an empty label).

    Python reads identifiers in NFKC form (the fullwidth `ｗ` *is* `w`, `x²` is `x2`), so the
    label is folded first and every decision is made on the folded form: two labels that
    fold alike get different names, never one variable. Characters that cannot be part of
    an identifier become `_`; a name that cannot start as it does gets a leading `_`.
    """
    folded = unicodedata.normalize("NFKC", label)
    base = "".join(c if ("_" + c).isidentifier() else "_" for c in folded)
    if base and not base[0].isidentifier():  # a digit or a combining mark first: x1 -> _1
        base = "_" + base
    if unicodedata.normalize("NFKC", base) != base:  # folding is not stable: ASCII only
        base = "".join(c if c.isascii() else "_" for c in base)
    return base


class _Namer:
    """Unique Python identifiers from labels: `w1.12_2` becomes `w1_12_2`, clashes get `_2`."""

    def __init__(self) -> None:
        self.taken: set[str] = set(_RESERVED)
        self.temps = 0
        self.suffix: dict[str, int] = {}  # base -> the last k tried: no rescans (10k nodes)

    def name(self, label: str) -> str:
        base = identifier(label)
        if not base:
            self.temps += 1
            base = f"t{self.temps}"
            while base in self.taken:
                self.temps += 1
                base = f"t{self.temps}"
        if base[0].isdigit():
            base = "_" + base
        k = self.suffix.get(base, 1)  # every name before base_k is taken already
        name = base if k == 1 else f"{base}_{k}"
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.suffix[base] = k
        self.taken.add(name)
        return name
