"""The docs site: its generated pages (the CLI reference, the glossary) and its Chinese half."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from micrograd_beans.cli import COMMANDS
from micrograd_beans.course.glossary import find_avoided, load_glossary

HOOK = Path(__file__).resolve().parent.parent / "docs" / "hooks" / "cli_reference.py"


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("cli_reference", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_has_every_command_with_its_argparse_help(hook):
    page = hook.on_page_markdown("# Command line\n\n<!-- cli-reference -->\n")
    assert "<!-- cli-reference -->" not in page
    assert "usage: micrograd-beans [-h] [--version] COMMAND ..." in page
    for name in COMMANDS:
        assert f"## `micrograd-beans {name}`" in page
        assert f"usage: micrograd-beans {name} [-h]" in page
    assert "--epochs" in page and "--out PATH" in page and "LESSON" in page


def test_cli_reference_does_not_depend_on_the_terminal_width(hook, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = hook.cli_reference()
    monkeypatch.setenv("COLUMNS", "200")
    assert hook.cli_reference() == narrow


def test_pages_without_the_marker_are_left_alone(hook):
    text = "# Engine\n\nNo generated text here.\n"
    assert hook.on_page_markdown(text) == text


# ---------------------------------------------------------------------------------------------
# The Chinese site: every page translated, the nav translated, the glossary's terms used.

ROOT = HOOK.parents[2]
DOCS = ROOT / "docs"
ZH = DOCS / "zh"
GLOSSARY_HOOK = DOCS / "hooks" / "glossary.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _english_pages() -> list[Path]:
    return sorted(
        p.relative_to(DOCS)
        for p in DOCS.rglob("*.md")
        if not p.is_relative_to(ZH) and not p.is_relative_to(DOCS / "hooks")
    )


def _chinese_texts() -> list[Path]:
    """Every Chinese text of the project that a reader meets."""
    texts = sorted(ZH.rglob("*.md")) + [ROOT / "README.zh-CN.md"]
    texts += sorted((ROOT / "notebooks" / "zh").glob("*.ipynb"))
    texts += sorted((ROOT / "micrograd_beans").rglob("*.po"))  # the widgets' catalogues
    return texts


def _reader_text(path: Path) -> str:
    """What a reader reads in the file: markdown as is, a notebook's markdown cells, a
    gettext catalogue's translations (msgstr), not its English msgids."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".po":
        return "\n".join(line for line in text.splitlines() if line.startswith(("msgstr", '"')))
    return text


@pytest.fixture(scope="module")
def glossary_hook():
    spec = importlib.util.spec_from_file_location("glossary_hook", GLOSSARY_HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_english_page_has_a_chinese_translation():
    english = _english_pages()
    assert Path("index.md") in english and Path("reference/engine.md") in english
    missing = [str(p) for p in english if not (ZH / p).is_file()]
    assert not missing, f"pages with no Chinese translation under docs/zh/: {missing}"
    orphans = [str(p.relative_to(ZH)) for p in ZH.rglob("*.md") if p.relative_to(ZH) not in english]
    assert not orphans, f"Chinese pages with no English page: {orphans}"


@pytest.mark.parametrize("page", _english_pages(), ids=str)
def test_a_chinese_page_is_written_in_chinese(page):
    english = (DOCS / page).read_text(encoding="utf-8")
    chinese = (ZH / page).read_text(encoding="utf-8")
    assert len(CJK.findall(chinese)) >= 40, f"docs/zh/{page} has hardly any Chinese"
    # the same API reference, and the same generated CLI reference, in both languages
    directives = re.compile(r"^(?:::: .*|<!-- [a-z-]+ -->)$", re.MULTILINE)
    same = [d for d in directives.findall(english) if not d.startswith("<!-- glossary")]
    assert same == [d for d in directives.findall(chinese) if not d.startswith("<!-- glossary")]


def test_the_chinese_texts_use_the_glossarys_terms():
    texts = _chinese_texts()
    assert ROOT / "README.zh-CN.md" in texts and any(p.suffix == ".ipynb" for p in texts)
    problems = [
        f"{path.relative_to(ROOT)}: {found}"
        for path in texts
        for found in find_avoided(_reader_text(path))
    ]
    assert not problems, "variants the glossary rules out:\n" + "\n".join(problems)


def test_the_term_check_reads_notebooks_and_catalogues(tmp_path):
    notebook = tmp_path / "n.ipynb"
    cells = [
        {"cell_type": "markdown", "source": ["反向传递"]},
        {"cell_type": "code", "source": ["x = '反向传递'  # code is the English twin's"]},
    ]
    notebook.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert [f.found for f in find_avoided(_reader_text(notebook))] == ["反向传递"]
    catalogue = tmp_path / "widgets.po"
    catalogue.write_text('msgid "bias"\nmsgstr "偏置"\n', encoding="utf-8")
    assert [f.found for f in find_avoided(_reader_text(catalogue))] == ["偏置"]


def _nav_titles(nav: list) -> list[str]:
    titles = []
    for item in nav:
        for title, target in item.items():
            titles.append(title)
            if isinstance(target, list):
                titles += _nav_titles(target)
    return titles


def test_the_chinese_nav_translates_every_title():
    yaml = pytest.importorskip("yaml")

    class Loader(yaml.SafeLoader):
        """mkdocs.yml names Python objects (the slug function); they are not needed here."""

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *args: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    (i18n,) = [p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p]
    (zh,) = [lang for lang in i18n["languages"] if lang["locale"] == "zh"]
    # modules' names (`codegen`, `nn, losses, optim`) are the same in both languages
    code = re.compile(r"^[a-z_.]+(?:(?:, | and )[a-z_.]+)*$")
    titles = _nav_titles(config["nav"])
    words = [t for t in titles if not code.match(t)]
    untranslated = [t for t in words if not CJK.search(zh["nav_translations"].get(t, ""))]
    assert not untranslated, f"nav titles with no Chinese: {untranslated}"
    assert not set(zh["nav_translations"]) - set(titles), "translations of titles not in nav"


def test_the_glossary_pages_are_generated_from_the_table(glossary_hook):
    for lang in ("en", "zh"):
        page = (DOCS / "glossary.md" if lang == "en" else ZH / "glossary.md").read_text("utf-8")
        assert f"<!-- glossary:{lang} -->" in page
    english = glossary_hook.on_page_markdown("# Glossary\n\n<!-- glossary:en -->\n")
    chinese = glossary_hook.on_page_markdown("# 术语表\n\n<!-- glossary:zh -->\n")
    assert "<!-- glossary" not in english + chinese
    for term in load_glossary():
        assert f"| **{term.en}** | {term.zh} |" in english
        assert f"| **{term.zh}** | {term.en} |" in chinese
        assert term.zh_explanation in chinese and term.en_explanation in english
    assert "## The note's lesson" in english and "## 引擎和工具" in chinese
    assert "偏置（后面不带“项”）" in chinese and "偏置 (without 项)" in english


def test_a_pipe_in_a_term_does_not_break_the_table(glossary_hook, monkeypatch):
    from micrograd_beans.course import glossary

    header = ",".join(glossary.COLUMNS)
    terms = glossary.parse_glossary(f"{header}\ncourse,a|b,甲|乙,n,e,z,\n")
    monkeypatch.setattr(glossary, "load_glossary", lambda: terms)
    table = glossary_hook.glossary_tables("en")
    assert "| **a\\|b** | 甲\\|乙 |" in table
