"""DOT text, written with the standard library alone: what the `graphviz` package's
`Digraph` writes for the same calls, quoting included, so a drawing's text needs no other
package. Also how a label is written into a record field so Graphviz shows it as written."""

from __future__ import annotations

import re


class HtmlLabel(str):
    """A label written as a Graphviz HTML-like label (`<...>`), not as a quoted string."""

    __slots__ = ()


_DOT_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}
_DOT_QUOTE = re.compile(r'(?P<pairs>(?:\\{2})*)\\?"')  # a " (or \"), after \\ pairs


def dot_id(text: str) -> str:
    """`text` as a DOT ID: as it is when it is a plain name or number (or an HTML label),
    else double-quoted with its quotes escaped; the graphviz package's rules."""
    if isinstance(text, HtmlLabel):
        return text
    if _DOT_ID.match(text) and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + _DOT_QUOTE.sub(r'\g<pairs>\\"', text) + '"'


def attr_list(label: str | None, attrs: dict) -> str:
    """` [label=... a=1 b=2]`: the label first, then the attributes sorted by name."""
    items = [f"label={dot_id(label)}"] if label is not None else []
    items += [f"{dot_id(k)}={dot_id(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return f" [{' '.join(items)}]" if items else ""


class DotGraph:
    """A directed graph's DOT text, built statement by statement.

    Its `source` is the text the `graphviz` package's `Digraph` writes for the same calls
    (`node`, `edge`, `attr`; `body` holds the statements), written with the standard library
    alone. `graphviz.Source(drawing.source)` gives the graphviz package's object.
    """

    def __init__(self, name: str, graph_attr: dict, node_attr: dict, edge_attr: dict) -> None:
        self.name = name
        self.defaults = {"graph": graph_attr, "node": node_attr, "edge": edge_attr}
        self.body: list[str] = []

    def node(self, name: str, label: str | None = None, **attrs: str) -> None:
        """A node statement (or more attributes for a node already there)."""
        self.body.append(f"\t{dot_id(name)}{attr_list(label, attrs)}\n")

    def edge(self, tail: str, head: str, label: str | None = None, **attrs: str) -> None:
        """An edge statement `tail -> head`."""
        self.body.append(f"\t{dot_id(tail)} -> {dot_id(head)}{attr_list(label, attrs)}\n")

    def attr(self, **attrs: str) -> None:
        """Attributes of the graph itself (e.g. its label), as a statement of the body."""
        self.body.append(f"\t{attr_list(None, attrs)[2:-1]}\n")

    @property
    def source(self) -> str:
        """The DOT text."""
        lines = [f"digraph {dot_id(self.name)} {{\n"]
        for kind, attrs in self.defaults.items():
            if attrs:
                lines.append(f"\t{kind}{attr_list(None, attrs)}\n")
        return "".join(lines + self.body) + "}\n"

    def __repr__(self) -> str:
        return f"DotGraph({self.name!r}, {len(self.body)} statements)"


# --- text inside a node ------------------------------------------------------------------


def quote(text: str) -> str:
    """The inside of a double-quoted DOT string (what `dot_id` does, for the fast path)."""
    return text.replace('"', '\\"')


def record_text(text: str) -> str:
    """A label as record-field text that Graphviz shows exactly as written.

    Backslash-escapes record syntax (`{}|<>`), the backslash and inner spaces (Graphviz
    would merge them); outer spaces become no-break spaces (Graphviz trims them); `&` is
    written `&amp;`, so `a &lt; b` and `&#65;BC` are not decoded; a newline is a line
    break, a tab a tab character; other control characters, which SVG cannot hold, show
    as the text `\\xNN`.
    """
    core = text.strip(" ")
    if not core:
        return "&#160;" * len(text)
    lead = len(text) - len(text.lstrip(" "))
    trail = len(text) - len(text.rstrip(" "))
    # Graphviz trims a field's outer spaces even when escaped: no-break spaces look the same.
    return "&#160;" * lead + _RECORD_SPECIAL.sub(_record_escape, core) + "&#160;" * trail


_RECORD_SPECIAL = re.compile(r"[\\{}|<> &\n\x00-\x1f\x7f]")


def _record_escape(match: re.Match) -> str:
    c = match.group()
    if c == "&":
        return "&amp;"
    if c == "\n":
        return "\\n"  # Graphviz's centred line break
    if c == "\t":
        return "&#9;"
    if c < " " or c == "\x7f":
        return f"\\\\x{ord(c):02x}"  # shown as the text \xNN
    return "\\" + c
