"""The course's glossary: the note's Chinese terms and the project's English ones, side by side.

One table, `course/locale/glossary.csv`, is the only place a term is decided. The docs site's
glossary pages are generated from it (in English and in Chinese), the tests check the Chinese
texts (docs, notebook, README, widget catalogues) against it, and the widgets and the
playground read it for their words.

Columns: `section` (`course`: the lesson's words; `engine`: the project's own), `en`, `zh`,
`note` (the note's own wording, quoted, and where it says it), `en_explanation`,
`zh_explanation`, and `avoid`: the variants a Chinese text must not use for the term, as
regular expressions separated by `;` (most are plain words; `偏置(?!项)` is 偏置 without 项).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

COLUMNS = ("section", "en", "zh", "note", "en_explanation", "zh_explanation", "avoid")
SECTIONS = ("course", "engine")


@dataclass(frozen=True)
class Term:
    """One row of the glossary."""

    section: str
    en: str
    zh: str
    note: str
    en_explanation: str
    zh_explanation: str
    avoid: tuple[str, ...]

    @property
    def avoid_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.avoid)


@dataclass(frozen=True)
class AvoidedTerm:
    """A place where a text uses a variant the glossary rules out."""

    term: Term
    found: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.found!r} (write {self.term.zh!r}): {self.text.strip()}"


def parse_glossary(text: str) -> tuple[Term, ...]:
    """The terms of a glossary table given as CSV text (see the module docstring)."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"glossary columns are {reader.fieldnames}, expected {list(COLUMNS)}")
    terms = []
    for row in reader:
        where = f"glossary line {reader.line_num} ({row['en']!r})"
        if row["section"] not in SECTIONS:
            raise ValueError(f"{where}: section {row['section']!r} is not one of {SECTIONS}")
        if not row["en"] or not row["zh"]:
            raise ValueError(f"{where}: a term needs both its English and its Chinese")
        avoid = tuple(p for p in row["avoid"].split(";") if p)
        for pattern in avoid:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{where}: avoid pattern {pattern!r}: {error}") from None
        terms.append(Term(**{**row, "avoid": avoid}))
    return tuple(terms)


@lru_cache(maxsize=1)
def load_glossary() -> tuple[Term, ...]:
    """The course's glossary, in the table's order."""
    # one name per joinpath: Python 3.10's Traversable takes one
    table = resources.files(__package__).joinpath("locale").joinpath("glossary.csv")
    return parse_glossary(table.read_text(encoding="utf-8"))


_QUOTED = re.compile(r"“([^”]*)”")


def find_avoided(text: str, terms: tuple[Term, ...] | None = None) -> list[AvoidedTerm]:
    """Every use in `text` of a variant the glossary rules out, in reading order.

    A variant quoted alone, as in 不写“偏差”, is a mention of the word, not a use of it.
    """
    terms = terms if terms is not None else load_glossary()
    patterns = [(term, pattern) for term in terms for pattern in term.avoid_patterns]

    def blank_mentions(match: re.Match[str]) -> str:
        if any(pattern.fullmatch(match.group(1)) for _, pattern in patterns):
            return " " * len(match.group(0))
        return match.group(0)

    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        used = _QUOTED.sub(blank_mentions, line)
        here = []
        for term, pattern in patterns:
            for match in pattern.finditer(used):
                here.append((match.start(), AvoidedTerm(term, match.group(0), number, line)))
        found += [avoided for _, avoided in sorted(here, key=lambda item: item[0])]
    return found
