"""What the widget tests share: reading the HTML table a widget shows, and the engine's and
the note's numbers for a set of beans, computed on a copy (the widget's model untouched)."""

from __future__ import annotations

import re

from micrograd_beans import losses
from micrograd_beans.course import by_hand
from micrograd_beans.nn import MLP

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def shown_table(html_text: str) -> tuple[str, list[str], list[list[str]]]:
    """(caption, header cells, rows of cells) of the HTML table a widget shows."""
    caption = re.search(r"<caption[^>]*>(.*?)</caption>", html_text).group(1)
    head = re.findall(r"<th>(.*?)</th>", html_text)
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html_text.split("<tbody>")[1])
    ]
    return caption, head, rows


def copy_of(model: MLP) -> MLP:
    twin = MLP(**model.config())
    twin.load_state_dict(model.state_dict())
    return twin


def engine_mean_grads(model: MLP, beans, loss=losses.squared_error) -> tuple[float, dict]:
    """The mean loss over `beans` and its gradient, on a copy (the widget's model untouched)."""
    twin = copy_of(model)
    terms = [loss(twin(x), y) for x, y in beans]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    mean = total / len(terms) if len(terms) > 1 else total
    mean.backward()
    return mean.data, {name: p.grad for name, p in twin.named_parameters()}


def hand_mean_grads(state: dict, beans) -> dict:
    sums = dict.fromkeys(by_hand.PARAM_NAMES, 0.0)
    for x, y in beans:
        for name, g in by_hand.gradients(state, x, y).items():
            sums[name] += g
    return {name: g / len(beans) for name, g in sums.items()}
