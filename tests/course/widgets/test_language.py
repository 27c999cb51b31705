"""The widgets' catalogues: every catalogue translates every message the widgets' code holds,
with the same placeholders, in the glossary's words; a language is found by its catalogue."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

pytest.importorskip("babel", reason="Babel (the [notebook] extra) reads the catalogues")

from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.course.widgets import language  # noqa: E402

PACKAGE = Path(language.__file__).resolve().parent
LOCALE = PACKAGE.parent / "locale"
CATALOGUES = sorted(LOCALE.glob(f"*/LC_MESSAGES/{language.DOMAIN}.po"))
LANGS = [p.parts[-3] for p in CATALOGUES]


def messages_in_the_code() -> set[tuple[str | None, str]]:
    """(context, message) of every `_("...")` and `pgettext(context, "...")` in the widgets,
    and every lesson's title (a widget made by `from_lesson` shows it, translated)."""
    found = {("lesson title", lesson.title) for lesson in LESSONS.values()}
    for _file, _line, message, _comments, context in extract_from_dir(str(PACKAGE)):
        assert isinstance(message, str), f"{_file}:{_line}: plural forms are not used here"
        found.add((context, message))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def read_catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale=path.parts[-3])


def test_there_is_a_chinese_catalogue_and_the_code_has_messages():
    assert "zh" in LANGS and language.languages() == ["en", *LANGS]
    assert len(messages_in_the_code()) > 40


@pytest.mark.parametrize("path", CATALOGUES, ids=LANGS)
def test_every_catalogue_translates_every_message_with_its_placeholders(path):
    catalogue = read_catalogue(path)
    entries = {(m.context, m.id): m for m in catalogue if m.id}
    code = messages_in_the_code()
    assert not code - set(entries), f"untranslated: {sorted(code - set(entries))}"
    assert not set(entries) - code, f"no longer in the code: {sorted(set(entries) - code)}"
    for key, m in entries.items():
        assert m.string and m.string.strip(), f"{key}: empty translation"
        assert not m.fuzzy, f"{key}: marked fuzzy"
        assert placeholders(m.string) == placeholders(m.id), f"{key}: placeholders differ"


@pytest.mark.parametrize("lang", LANGS)
def test_a_catalogue_compiles_and_translates(lang):
    mo = language.compile_catalogue(lang)
    assert mo[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # gettext's magic number
    t = language.translations(lang)
    assert t.gettext("reset") != "reset"
    assert t.pgettext("the step slider", "step") != t.gettext("step")  # two words, two senses
    assert t.gettext("a message no catalogue has") == "a message no catalogue has"


def test_english_needs_no_catalogue_and_an_unknown_language_is_a_clear_error():
    assert language.translations("en").gettext("reset") == "reset"
    expected = r"lang must be one of \['en', 'zh'.*got 'fr'.*widgets\.po"
    with pytest.raises(ValueError, match=expected):
        language.translations("fr")


def test_the_chinese_catalogue_uses_the_glossarys_terms():
    text = "\n".join(m.string for m in read_catalogue(LOCALE / "zh/LC_MESSAGES/widgets.po") if m.id)
    for term in ("损失", "梯度", "轮", "参数", "节点", "计算图", "链式法则", "反向传播", "准确率"):
        assert term in text, term
    # what the glossary rules out (course/locale/glossary.csv on the zh branch: 损失 not
    # 误差代价 for loss, 轮 not 回合 for an epoch, 节点 not 结点, 交互控件 not 小部件)
    for avoided in ("误差代价", "回合", "时期", "结点", "小部件", "偏差", "笔记本"):
        assert avoided not in text, avoided
    assert not re.search(r"[\u4e00-\u9fff] [,.;:]", text)  # Chinese text, Chinese punctuation


def test_the_glossary_finds_nothing_to_avoid_when_it_is_there():
    glossary = pytest.importorskip(
        "micrograd_beans.course.glossary", reason="the glossary comes with the zh branch"
    )
    text = (LOCALE / "zh/LC_MESSAGES/widgets.po").read_text(encoding="utf-8")
    assert glossary.find_avoided(text) == []
