"""The widgets' words in the learner's language: the standard library's gettext catalogues.

Every word a widget shows is written in English in the code, as `_("...")`, and looked up in
the catalogue of the language asked for: `course/locale/<lang>/LC_MESSAGES/widgets.po`
(English needs none). Adding a language is adding a catalogue; the tests check that every
catalogue translates every message the widgets' code holds, with the same placeholders.

The `.po` text is the only copy kept: it is compiled into gettext's binary form when a
language is first asked for (Babel reads and compiles it; `gettext.GNUTranslations` then
translates), so a wheel, an sdist and an editable checkout all work from the same files,
and no compiled file can drift from its source.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

#: The gettext domain: `widgets.po` in each language's LC_MESSAGES folder.
DOMAIN = "widgets"
#: The language the messages are written in; it needs no catalogue.
SOURCE_LANGUAGE = "en"


def _locale_dir():
    # one name per joinpath: Python 3.10's Traversable takes one
    return resources.files("micrograd_beans.course").joinpath("locale")


def catalogue_path(lang: str):
    """Where the catalogue of `lang` is (a Traversable; it may not exist)."""
    return _locale_dir().joinpath(lang).joinpath("LC_MESSAGES").joinpath(f"{DOMAIN}.po")


def languages() -> list[str]:
    """The languages the widgets speak: English and every language with a catalogue."""
    found = []
    folder = _locale_dir()
    if folder.is_dir():
        found = [d.name for d in folder.iterdir() if catalogue_path(d.name).is_file()]
    return [SOURCE_LANGUAGE, *sorted(found)]


def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of a language: `.gettext` is its `_` (an English message in, the
    message in `lang` out), `.pgettext(context, message)` tells apart one English word used
    for two things."""
    return _translations(_checked(lang))


def _checked(lang: object) -> str:
    known = languages()
    if not isinstance(lang, str) or lang not in known:
        raise ValueError(
            f"lang must be one of {known}, got {lang!r} (a new language is a new catalogue: "
            f"micrograd_beans/course/locale/<lang>/LC_MESSAGES/{DOMAIN}.po)"
        )
    return lang


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_catalogue(lang)))


def compile_catalogue(lang: str) -> bytes:
    """The catalogue of `lang` compiled to gettext's .mo bytes (fuzzy entries left out)."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError as err:  # pragma: no cover - Babel comes with the [notebook] extra
        raise ImportError(
            "the widgets need Babel to read their translations: "
            "pip install 'micrograd_beans[notebook]'"
        ) from err
    catalog = read_po(io.BytesIO(catalogue_path(lang).read_bytes()), locale=lang)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()
