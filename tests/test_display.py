"""Rich displays in Jupyter: short HTML tables and a small loss plot, never a text dump."""

from __future__ import annotations

from micrograd_beans import display


def test_html_table_escapes_and_marks_bad_rows():
    page = display.html_table(("name", "value"), [("<w>", "1"), ("b", "2")], "cap & co", [0, 1])
    assert "&lt;w&gt;" in page and "<w>" not in page
    assert "cap &amp; co" in page
    assert page.count("<tr") == 3  # the head and two rows
    assert page.count("color:#b00020") == 1


def test_long_tables_keep_their_ends():
    rows = [(f"p{i}", str(i)) for i in range(100)]
    page = display.html_table(("name", "value"), rows, max_rows=10)
    assert "p0<" in page and "p99<" in page and "p50<" not in page
    assert "… 90 more rows …" in page


def test_loss_plot_is_a_png_with_or_without_accuracy():
    png = display.loss_plot_png([1.0, 0.5, 0.1], [0.5, 0.7, 0.9])
    assert png.startswith(b"\x89PNG")
    assert display.loss_plot_png([1.0, 0.0], None).startswith(b"\x89PNG")  # a 0 loss: linear
    assert display.img_tag(b"\x89PNG", "a <plot>").startswith('<img src="data:image/png;base64,')
