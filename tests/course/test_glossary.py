"""The course's glossary: one table of the note's Chinese terms and ours, read correctly and
consistent with itself."""

from __future__ import annotations

import pytest

from micrograd_beans.course.glossary import (
    COLUMNS,
    find_avoided,
    load_glossary,
    parse_glossary,
)

HEADER = ",".join(COLUMNS)


def test_the_shipped_glossary_has_the_notes_terms():
    terms = {t.en: t for t in load_glossary()}
    # The words the note itself uses for its lesson (issue 27's list), as the note writes them.
    expected = {
        "bean toxicity": "豆豆毒性",
        "hidden layer": "隐藏层",
        "activation function": "激活函数",
        "chain rule": "链式法则",
        "gradient descent": "梯度下降",
        "backpropagation, backward()": "反向传播（backward()）",
        "learning rate": "学习率",
        "weight": "权重",
        "bias": "偏置项",
        "forward pass": "前向传播",
        "prediction": "预测值",
        "sample": "样本",
    }
    for en, zh in expected.items():
        assert terms[en].zh == zh
        assert terms[en].section == "course"
    assert terms["Value"].section == "engine"
    assert "误差代价函数" in terms["loss"].note  # the note's own word for its loss


def test_every_term_is_unique_and_complete():
    terms = load_glossary()
    assert len({t.en for t in terms}) == len(terms)
    assert len({t.zh for t in terms}) == len(terms)
    for t in terms:
        assert t.en_explanation and t.zh_explanation and t.note, t.en


def test_no_chinese_term_uses_a_variant_the_glossary_rules_out():
    terms = load_glossary()
    for term in terms:
        assert not find_avoided(term.zh, terms), term.zh
    assert any(term.avoid for term in terms)


def test_find_avoided_names_the_line_the_variant_and_the_right_term():
    text = "第一行没问题：反向传播。\n这里写成了反向传递，偏置也少了项字。\n偏置项是对的。"
    found = find_avoided(text)
    assert [(f.line, f.found, f.term.zh) for f in found] == [
        (2, "反向传递", "反向传播（backward()）"),
        (2, "偏置", "偏置项"),
    ]
    assert "line 2: '反向传递'" in str(found[0])


def test_a_variant_quoted_alone_is_a_mention_not_a_use():
    assert find_avoided("不写“偏差”，那是统计学里的概念。") == []
    assert find_avoided("“偏差”和“反向传递”都不用。") == []
    (found,) = find_avoided("“这里的偏差太大”")  # a quotation that uses the word
    assert found.found == "偏差"


def test_parse_glossary_reads_quoted_fields_and_splits_avoid():
    row = 'course,bean,豆豆,"“获取100个豆豆”, 代码实践","One bean, sorted",一个豆豆,豆子;豆类'
    text = f"{HEADER}\n{row}\n"
    (term,) = parse_glossary(text)
    assert term.note == "“获取100个豆豆”, 代码实践"
    assert term.en_explanation == "One bean, sorted"
    assert term.avoid == ("豆子", "豆类")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("course,,豆豆,n,e,z,", "needs both"),
        ("lesson,bean,豆豆,n,e,z,", "section 'lesson'"),
        ("course,bean,豆豆,n,e,z,豆(", "avoid pattern '豆('"),
    ],
)
def test_a_bad_row_is_refused_with_its_line(row, message):
    with pytest.raises(ValueError, match="glossary line 2") as error:
        parse_glossary(f"{HEADER}\n{row}\n")
    assert message in str(error.value)


def test_a_table_with_other_columns_is_refused():
    with pytest.raises(ValueError, match="expected"):
        parse_glossary("en,zh\nbean,豆豆\n")
