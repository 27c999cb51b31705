"""Make docs/drag_weights.png: the drag-the-weights widget, as a learner sees it.

The widget is built and used from Python (the note's network, trained part of the way), and
its own state (each slider's value and range, the curve it drew, the table it shows) is laid
out as a plain HTML page with the same controls, which headless Chromium photographs. Run
from the repository root (needs ipywidgets and a `chromium` on PATH):

    PYTHONPATH=$PWD python docs/make_widget_picture.py
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.course.widgets import DragWeights
from micrograd_beans.train import fit

OUT = Path(__file__).resolve().parent / "drag_weights.png"
WIDTH, HEIGHT = 1000, 535


def page(w: DragWeights) -> str:
    """The widget's state as an HTML page with the same controls."""
    rows = []
    for name, s in w.sliders.items():
        rows.append(
            f'<div class="row"><label>{name}</label><input type="range" min="{s.min}" '
            f'max="{s.max}" step="{s.step}" value="{s.value}"><span class="readout">'
            f"{s.value:.3f}</span></div>"
        )
    chosen = dict((v, k) for k, v in w.bean.options)[w.bean.value]
    png = base64.b64encode(bytes(w.plot.value)).decode("ascii")
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body {{ font-family: system-ui, sans-serif; font-size: 13px; margin: 14px; color: #222; }}
.box {{ display: flex; gap: 18px; }}
.controls {{ width: 340px; }}
.row {{ display: flex; align-items: center; height: 30px; }}
label {{ width: 52px; text-align: right; padding-right: 8px; }}
input[type=range] {{ width: 200px; accent-color: #1976d2; }}
.readout {{ width: 60px; padding-left: 8px; font-family: monospace; }}
select, .alpha {{ font-size: 13px; padding: 2px 4px; border: 1px solid #9e9e9e; }}
button {{ width: 96px; height: 28px; margin-right: 6px; border: 0; background: #eeeeee;
  box-shadow: 0 1px 2px rgba(0,0,0,.3); font-size: 13px; }}
table {{ border-collapse: collapse; font-size: 12.5px; }}
td, th {{ padding: 2px 10px; border-bottom: 1px solid #e0e0e0; }}
caption {{ padding-bottom: 4px; }}
.status {{ font-family: monospace; margin-top: 8px; }}
h3 {{ font-size: 14px; margin: 0 0 8px 0; }}
</style></head><body><div class="box"><div class="controls">
<h3>{html.escape(w.title)}</h3>
{"".join(rows)}
<div class="row"><label style="width:82px">gradient of</label>
<select><option>{html.escape(chosen)}</option></select></div>
<div class="row"><label>α</label><input class="alpha" size="8" value="{w.alpha.value:g}"></div>
<div class="row"><button>step</button><button>epoch</button><button>reset</button></div>
<div class="status">{w.status.value}</div>
</div><div><img src="data:image/png;base64,{png}" width="480"><div>{w.numbers.value}</div>
</div></div></body></html>"""


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("needs chromium on PATH (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    lesson = get_lesson("hidden-layer")
    model, xs, ys = lesson.setup(0)
    fit(model, xs, ys, epochs=400, lr=lesson.lr, progress=False)  # part of the way
    w = DragWeights(
        model,
        xs,
        ys,
        lr=lesson.lr,
        fit_kwargs=lesson.fit_kwargs(),
        title=f"{lesson.title} ({lesson.model_text}, seed 0, after 400 epochs)",
    )
    w.epoch_button.click()
    w.step_button.click()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "widget.html"
        index.write_text(page(w), encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}",
                f"--screenshot={OUT}",
                index.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
