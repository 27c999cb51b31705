"""MkDocs hook: each language's pages search their own language.

The i18n plugin builds one search index for the whole site, so a reader of the Chinese pages
searching for `backward` got every English page beside its Chinese twin, and the English
glossary (which holds the Chinese terms) among the answers to 梯度. Material has one index per
site and finds it from the page's `base` (`<base>/search/search_index.json`, results linked
relative to it). So, after the last language is built, the index is split by the language of
each entry's location, each language's part written under its own root (`zh/search/...`,
locations relative to it), and each translated page's `base` points at its language's root.
Everything else Material does with `base` (instant navigation, versions) is not used here.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

from mkdocs.plugins import event_priority

# the theme's settings, JSON inside a <script> element of every page
_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def _translated_locales(config) -> list[str]:
    i18n = config.plugins["i18n"]
    return [locale for locale in i18n.build_languages if locale != i18n.default_language]


def _page_locale(url: str, locales: list[str]) -> str | None:
    first = url.split("/", 1)[0]
    return first if first in locales else None


def on_post_page(output: str, page, config) -> str:
    locale = _page_locale(page.file.url, _translated_locales(config))
    if locale is None:
        return output

    def rebase(match: re.Match) -> str:
        settings = json.loads(match.group(2))
        # with its slash: Material resolves `search/...` against it as a URL
        settings["base"] = posixpath.normpath(posixpath.join(settings["base"], locale)) + "/"
        return match.group(1) + json.dumps(settings) + match.group(3)

    rebased, count = _CONFIG.subn(rebase, output, count=1)
    if count != 1:
        raise RuntimeError(f"{page.file.src_uri}: the theme's __config script was not found")
    return rebased


@event_priority(-200)  # after the i18n plugin has built every language and merged the index
def on_post_build(config) -> None:
    if config.plugins["i18n"].building:
        return  # one language's build inside the i18n plugin's run: the index is not whole yet
    path = Path(config.site_dir) / "search" / "search_index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    by_locale: dict[str | None, list[dict]] = {}
    locales = _translated_locales(config)
    for entry in index["docs"]:
        by_locale.setdefault(_page_locale(entry["location"], locales), []).append(entry)
    for locale in locales:
        prefix = f"{locale}/"
        docs = [
            entry | {"location": entry["location"].removeprefix(prefix)}
            for entry in by_locale.get(locale, [])
        ]
        target = Path(config.site_dir) / locale / "search" / "search_index.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(index | {"docs": docs}, ensure_ascii=False), "utf-8")
    index["docs"] = by_locale.get(None, [])
    path.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
