"""The docs site in a browser: every page reached from the home page through its links,
every internal link and anchor resolving, every picture loading, and the home page's graph
shown at a size its labels can be read at."""

from __future__ import annotations

from urllib.parse import unquote, urldefrag, urlparse

#: Collected on each page: its links, the ids it holds, and its pictures as shown.
_PAGE = """() => ({
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name),
    images: [...document.querySelectorAll('article img, .md-content img')].map(img => ({
        src: img.src, shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
        loaded: img.complete && img.naturalWidth > 0,
    })),
})"""


def _is_page(url: str) -> bool:
    path = urlparse(url).path
    return path.endswith("/") or path.endswith(".html")


def test_every_internal_link_and_anchor_resolves_and_every_picture_loads(page, docs_site):
    base = docs_site.url + "/"
    pages: dict[str, dict] = {}
    todo, links = [base], set()
    while todo:
        url = todo.pop()
        if url in pages:
            continue
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
        pages[url] = page.evaluate(_PAGE)
        for link in pages[url]["links"]:
            if not link.startswith(base):
                continue  # another host: not the site's to resolve
            links.add((url, link))
            target = urldefrag(link).url
            if _is_page(target) and target not in pages:
                todo.append(target)
    assert len(pages) > 20, f"only {len(pages)} pages reached from the home page"
    broken, anchors = [], 0
    for source, link in sorted(links):
        target, fragment = urldefrag(link)
        fragment = unquote(fragment)  # a Chinese heading's id, percent-encoded in the link
        if _is_page(target):
            if target not in pages:
                broken.append(f"{source} -> {link}: not reached")
            elif fragment:
                anchors += 1
                if fragment not in pages[target]["ids"]:
                    broken.append(f"{source} -> {link}: no #{fragment} there")
        else:  # a file (a picture, a notebook): it must be there
            response = page.request.get(target)
            if not response.ok:
                broken.append(f"{source} -> {link}: HTTP {response.status}")
    assert not broken, "\n".join(broken[:30])
    assert len(links) > 500 and anchors > 200, (len(links), anchors)
    not_loaded = [
        f"{url}: {img['src']}"
        for url, p in pages.items()
        for img in p["images"]
        if not img["loaded"]
    ]
    assert not not_loaded, not_loaded


def test_the_home_pages_graph_is_shown_at_a_readable_size(page, docs_site):
    page.goto(docs_site.url + "/")
    graphs = [img for img in page.evaluate(_PAGE)["images"] if "note_graph" in img["src"]]
    assert graphs, "the home page shows no graph"
    for img in graphs:
        # at least 90% of its size: its 11 pt labels stay readable (the left-to-right drawing
        # of the note's network, 2,300 px wide, was shown at about a third)
        assert img["shown"] >= 0.9 * img["natural"], img


def test_no_page_asks_another_host_for_anything(page, docs_site):
    """Fonts, scripts, styles, pictures: every request a page makes goes to the site itself
    (many readers in mainland China cannot reach Google's font hosts)."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    for path in ("/", "/zh/", "/training/", "/zh/training/", "/zh/glossary/", "/in-a-browser/"):
        response = page.goto(docs_site.url + path, wait_until="networkidle")
        assert response is not None and response.ok, path
    elsewhere = [url for url in asked if not url.startswith((docs_site.url, "data:", "blob:"))]
    assert asked and not elsewhere, elsewhere


def test_the_language_switch_goes_to_the_same_page_in_the_other_language(page, docs_site):
    page.goto(docs_site.url + "/training/")
    for lang, path in (("zh", "/zh/training/"), ("en", "/training/")):
        page.hover(".md-header__option .md-select")
        with page.expect_navigation():
            page.click(f"a.md-select__link[hreflang='{lang}']")
        assert page.url == docs_site.url + path
        assert page.locator("html").get_attribute("lang").startswith(lang)


def _search(page, text: str) -> list[str]:
    """Type `text` into the search box as a reader does and return the results' links."""
    page.click("input.md-search__input")
    page.wait_for_function(  # the index is loaded and the worker is ready
        "() => !/初始化|Initializing/.test("
        "document.querySelector('.md-search-result__meta').textContent)"
    )
    # Chinese comes from an input method: the characters arrive as one composed text, then
    # the key that commits them is released. Material searches on that keyup (text inserted
    # with no key at all, as Playwright's type() does for characters off the keyboard, is
    # never searched for, which is why an earlier test here found nothing).
    page.keyboard.insert_text(text)
    page.keyboard.up("Space")
    page.wait_for_selector(".md-search-result__item")
    return page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(a => a.href)")


def test_search_finds_chinese_words_and_each_language_finds_its_own_pages(page, docs_site):
    site = docs_site.url
    # (page, words, a page found, whether it must come first)
    for path, text, found, first in (
        ("/zh/", "反向传播", "/zh/engine/", True),  # the page that explains backward()
        ("/zh/glossary/", "偏置项", "/zh/glossary/", False),
        ("/zh/training/", "backward", "/zh/engine/", False),
        ("/training/", "backward", "/engine/", False),
    ):
        page.goto(site + path)
        links = _search(page, text)
        pages = [urldefrag(link).url for link in links]
        assert site + found in (pages[:1] if first else pages), (path, text, links)
        chinese = path.startswith("/zh/")
        wrong = [link for link in links if link.startswith(site + "/zh/") != chinese]
        assert not wrong, f"searching {text!r} on {path} found the other language: {wrong}"
    page.click(".md-search-result__item > a >> nth=0")  # a result opens its page
    page.wait_for_load_state()
    assert page.url.startswith(site + "/") and not page.url.startswith(site + "/zh/")
