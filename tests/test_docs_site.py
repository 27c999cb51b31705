"""The BUILT docs site, both languages: it loads nothing from another host, every page has
the language switch, and every link and anchor inside the site resolves.

The site is built once for this module with `mkdocs build --strict` (about half a minute);
skipped when the `[docs]` extra is not installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# What a browser fetches by itself when it shows a page: these attributes of these tags.
# (<a href> is only followed when the reader clicks, so it may point anywhere.)
LOADED = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # inside inline SVG
    "use": ("href", "xlink:href"),
}
# <link rel=...> values that only describe the page and fetch nothing
NOT_FETCHED = {"alternate", "canonical", "author", "license", "me", "next", "prev", "search"}
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # https://, //host
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)


def _is_external(url: str) -> bool:
    return bool(EXTERNAL.match(url)) and not url.strip().lower().startswith("data:")


def external_css(css: str) -> list[str]:
    """The URLs in a style sheet (url(), @import, so @font-face too) on another host."""
    urls = [m.group(2) if m.group(2) is not None else m.group(4) for m in CSS_URL.finditer(css)]
    return [u for u in urls if _is_external(u)]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.lang: str | None = None
        self.hreflangs: set[str] = set()
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "name" in a and tag == "a":
            self.ids.add(a["name"])
        if tag == "html":
            self.lang = a.get("lang")
        urls = [a[k] for k in LOADED.get(tag, ()) if k in a]
        if tag == "link" and not set(a.get("rel", "").lower().split()) <= NOT_FETCHED:
            urls.append(a.get("href", ""))
        for url in urls:
            for part in url.split(","):  # srcset: "a.png 1x, b.png 2x"
                if _is_external(part):
                    self.external.append(f"<{tag}> {part.strip()}")
        if "style" in a:
            self.external += [f"style= {u}" for u in external_css(a["style"])]
        self._style = tag == "style"
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            if "hreflang" in a and "md-select__link" in a.get("class", ""):
                self.hreflangs.add(a["hreflang"])

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self.external += [f"<style> {u}" for u in external_css(data)]


def parse_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocs_static_i18n"):
        pytest.importorskip(module)
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[Path, _Page]:
    return {
        p.relative_to(site): parse_page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")
    }


# --- the checks themselves can fail --------------------------------------------------------


def test_every_way_a_page_loads_from_another_host_is_found():
    html = """<html lang="zh"><head>
      <link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
      <link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
      <link rel="icon" href="//cdn.example.org/favicon.png">
      <link rel="alternate" href="https://example.org/zh/" hreflang="zh">
      <script src="https://unpkg.com/mermaid.js"></script>
      <style>@import url("https://fonts.googleapis.com/x.css"); body{color:red}</style>
      </head><body style="background: url('http://example.org/bg.png')">
      <img src="http://example.org/a.png"><img srcset="a.png 1x, https://e.org/b.png 2x">
      <img src="data:image/png;base64,AAAA"><img src="../note_graph.png">
      <a href="https://github.com/karpathy/micrograd">micrograd</a>
      <svg><image href="https://example.org/i.svg"/></svg></body></html>"""
    found = parse_page(html).external
    assert found == [
        "<link> https://fonts.googleapis.com/css?family=Roboto",
        "<link> https://fonts.gstatic.com",
        "<link> //cdn.example.org/favicon.png",
        "<script> https://unpkg.com/mermaid.js",
        "<style> https://fonts.googleapis.com/x.css",
        "style= http://example.org/bg.png",
        "<img> http://example.org/a.png",
        "<img> https://e.org/b.png 2x",
        "<image> https://example.org/i.svg",
    ]


def test_style_sheets_are_searched_for_fonts_and_imports_from_other_hosts():
    css = """@import "https://fonts.googleapis.com/css2?family=Noto+Sans+SC";
    @font-face { font-family: X; src: url(https://fonts.gstatic.com/x.woff2) format("woff2"); }
    .a { background: url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>") }
    .b { background: url(../images/b.png) }"""
    assert external_css(css) == [
        "https://fonts.googleapis.com/css2?family=Noto+Sans+SC",
        "https://fonts.gstatic.com/x.woff2",
    ]


# --- the built site --------------------------------------------------------------------------


def test_both_languages_are_built_page_for_page(site: Path, pages):
    english = {p for p in pages if p.parts[0] != "zh" and p.name == "index.html"}
    assert Path("index.html") in english and Path("reference/engine/index.html") in english
    for page in english:
        assert Path("zh") / page in pages, f"no Chinese page for {page}"
    for page, parsed in pages.items():
        if page.name == "index.html":
            assert parsed.lang == ("zh" if page.parts[0] == "zh" else "en"), page


def test_the_built_site_loads_nothing_from_another_host(site: Path, pages):
    problems = [f"{page}: {url}" for page, parsed in pages.items() for url in parsed.external]
    for sheet in site.rglob("*.css"):
        problems += [f"{sheet.relative_to(site)}: {u}" for u in external_css(sheet.read_text())]
    assert not problems, "loaded from another host:\n" + "\n".join(problems)
    # Material's script loads from other hosts only for these, none of which the site uses:
    # mermaid diagrams (unpkg), a repository link (the GitHub API).
    for page in pages:
        html = (site / page).read_text(encoding="utf-8")
        assert 'class="mermaid"' not in html and "md-source" not in html, page


def test_the_site_uses_system_fonts_with_chinese_fallbacks(site: Path, pages):
    css = (site / "stylesheets" / "fonts.css").read_text(encoding="utf-8")
    for face in ('"PingFang SC"', '"Microsoft YaHei"', '"Noto Sans CJK SC"', "monospace"):
        assert face in css
    for page in (Path("index.html"), Path("zh/index.html"), Path("zh/glossary/index.html")):
        html = (site / page).read_text(encoding="utf-8")
        assert "stylesheets/fonts.css" in html and "fonts.g" not in html


def test_every_page_has_the_language_switch(pages):
    for page, parsed in pages.items():
        if page.name == "index.html":
            assert parsed.hreflangs == {"en", "zh"}, f"{page} has no language switch"


def test_every_link_inside_the_site_resolves(site: Path, pages):
    broken = []
    for page, parsed in pages.items():
        for href in parsed.links:
            url = urlsplit(href)
            if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            if url.path.startswith("/"):  # the language switch's links, from the site root
                target = site / unquote(url.path).lstrip("/")
            else:
                target = (site / page).parent / unquote(url.path)
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page}: {href}")
                continue
            fragment = unquote(url.fragment)
            key = target.resolve().relative_to(site.resolve())
            if fragment and key in pages and fragment not in pages[key].ids:
                broken.append(f"{page}: {href} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def _theme_settings(html: str) -> dict:
    found = re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no theme settings in the page"
    return json.loads(found.group(1))


def test_each_language_searches_its_own_pages(site: Path, pages):
    """One index per language, each page pointed at its language's (docs/hooks)."""
    english = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    chinese = json.loads((site / "zh" / "search" / "search_index.json").read_text("utf-8"))
    assert english["config"]["lang"] == chinese["config"]["lang"] == ["en", "zh"]
    for index, own, other in ((english, "Glossary", "术语表"), (chinese, "术语表", "Glossary")):
        locations = [entry["location"] for entry in index["docs"]]
        assert locations and not [loc for loc in locations if loc.startswith("zh/")]
        titles = {entry["title"] for entry in index["docs"]}
        assert own in titles and other not in titles
        # every entry's page is there, relative to the index's own root
        root = site if index is english else site / "zh"
        for location in locations:
            assert (root / location.split("#")[0] / "index.html").is_file(), location
    # the Chinese index keeps the API reference's sections, though they match the English
    affine = "reference/engine/#micrograd_beans.engine.affine"
    assert affine in {e["location"] for e in chinese["docs"]}
    assert affine in {e["location"] for e in english["docs"]}
    for page in (Path("zh/index.html"), Path("zh/glossary/index.html")):
        base = _theme_settings((site / page).read_text(encoding="utf-8"))["base"]
        assert (site / page).parent.joinpath(base).resolve() == (site / "zh").resolve(), page
        assert base.endswith("/"), base  # resolved as a URL: without it, search/ leaves zh/
    assert _theme_settings((site / "index.html").read_text(encoding="utf-8"))["base"] == "."
