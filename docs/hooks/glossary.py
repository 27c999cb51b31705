"""MkDocs hook: the glossary pages are generated from the package's glossary table.

A page containing the line `<!-- glossary:en -->` or `<!-- glossary:zh -->` gets, in its
place, the terms of `micrograd_beans/course/locale/glossary.csv` as tables in that language,
one per section, so the pages cannot drift from the table the tests and the widgets use.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"^<!-- glossary:(en|zh) -->$", re.MULTILINE)

HEADINGS = {
    "en": {
        "course": "The note's lesson",
        "engine": "The engine and the tools",
    },
    "zh": {
        "course": "笔记里的课",
        "engine": "引擎和工具",
    },
}
COLUMNS = {
    "en": ("English", "Chinese", "In the note", "What it means", "Not in Chinese"),
    "zh": ("中文", "英文", "笔记里的写法", "说明", "不用的写法"),
}
# `偏置(?!项)` in the table: 偏置 not followed by 项
_NOT_FOLLOWED = re.compile(r"^([^\\()[\]?*+|]+)\(\?!([^)]+)\)$")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _avoided(pattern: str, lang: str) -> str:
    plain = _NOT_FOLLOWED.match(pattern)
    if plain:
        word, after = plain.groups()
        return f"{word} (without {after})" if lang == "en" else f"{word}（后面不带“{after}”）"
    if re.escape(pattern) == pattern:
        return pattern
    return f"`{pattern}`"


def glossary_tables(lang: str) -> str:
    from micrograd_beans.course.glossary import SECTIONS, load_glossary

    terms = load_glossary()
    parts = []
    for section in SECTIONS:
        parts += [f"## {HEADINGS[lang][section]}", ""]
        parts += ["| " + " | ".join(COLUMNS[lang]) + " |", "|" + "---|" * len(COLUMNS[lang])]
        for t in (t for t in terms if t.section == section):
            first, second = (t.en, t.zh) if lang == "en" else (t.zh, t.en)
            explanation = t.en_explanation if lang == "en" else t.zh_explanation
            avoid = "、".join(_avoided(p, lang) for p in t.avoid) or "—"
            row = (f"**{first}**", second, t.note, explanation, avoid)
            parts.append("| " + " | ".join(_cell(c) for c in row) + " |")
        parts.append("")
    return "\n".join(parts)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    return MARKER.sub(lambda m: glossary_tables(m.group(1)), markdown)
