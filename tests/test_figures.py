"""The figures' one style: a colour-blind-safe palette, no pale colours, >= 150 dpi, and every plotting module on it.

The rendered figures themselves are checked in the browser (tests/test_browser.py: dpi of every PNG, alt text, no
upscaling); here the palette is judged as colour-blind readers see it, with the colour-vision-deficiency matrices
of Machado, Oliveira and Fernandes (2009) at full severity.
"""
import colorsys
import itertools
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb

from varlib.book import plots

ROOT = Path(__file__).resolve().parent.parent

#: Machado et al. (2009), severity 1, on linear RGB.
DEFICIENCIES = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]}

#: Folders whose plotting modules are still on palettes of their own (a named seaborn palette, or viridis with its
#: pale yellow end); each is to move to plots.PALETTE / plots.SEQUENTIAL, then leave this tuple.
PENDING = ()


def _linear(c):
    c = np.asarray(to_rgb(c))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _seen(colour, matrix) -> np.ndarray:
    lin = np.asarray(matrix) @ _linear(colour)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.clip(lin, 0, 1) ** (1 / 2.4) - 0.055)


def test_set_style_uses_the_palette_and_150_dpi():
    plots.set_style()
    cycle = [to_hex(c["color"]).upper() for c in plt.rcParams["axes.prop_cycle"]]
    assert cycle == [c.upper() for c in plots.PALETTE]
    assert plt.rcParams["figure.dpi"] >= 150 and plt.rcParams["savefig.dpi"] >= 150


def test_no_two_colours_look_alike_to_colour_blind_readers():
    worst = min((float(np.linalg.norm(_seen(a, m) - _seen(b, m))), name, a, b)
                for a, b in itertools.combinations(plots.PALETTE[:7], 2) for name, m in DEFICIENCIES.items())
    assert worst[0] > 0.12, worst


def test_never_the_orange_vermilion_pair_and_nothing_pale():
    hsv = {c: colorsys.rgb_to_hsv(*to_rgb(c)) for c in plots.PALETTE}
    orange_red = [c for c, (h, s, _) in hsv.items() if 10 / 360 <= h <= 45 / 360 and s > 0.6]
    assert len(orange_red) <= 1, orange_red
    luminance = {c: float(np.dot([0.2126, 0.7152, 0.0722], _linear(c))) for c in plots.PALETTE}
    assert max(luminance.values()) < 0.6, luminance                    # no pale yellow on white
    assert float(np.dot([0.2126, 0.7152, 0.0722], _linear(plots.SEQUENTIAL(1.0)[:3]))) < 0.6


def test_every_plotting_module_draws_with_the_books_colours():
    """No module picks seaborn's "colorblind" (its orange and vermilion clash) or full viridis (pale yellow end) for
    lines and markers (a heat map may use viridis: it fills its own area)."""
    named = re.compile(r"""(?:color_palette\(|palette=)\s*["'](?:colorblind|viridis|deep|muted|bright)["']""")
    offenders = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "varlib").rglob("*.py")
                       if named.search(p.read_text()))
    assert [o for o in offenders if not o.startswith(PENDING)] == [], offenders


def test_tables_show_whole_numbers_as_integers():
    """set_style makes a count stored as a float (NaN elsewhere in its column) read as a count."""
    import pandas as pd

    plots.set_style()
    html = pd.DataFrame({"count": [4.0, float("nan")], "rate": [0.5, 0.123456789]}).to_html()
    assert "<td>4</td>" in html and "<td>0.5</td>" in html and "<td>0.123457</td>" in html and "4.0" not in html


def test_rows_of_panels_wrap_to_the_page_width():
    """Four panels of 4.6 in would draw 18.4 in wide, and their text would shrink below 9 px on the page: they wrap
    into rows no wider than MAX_FIGURE_WIDTH, the spare cells hidden."""
    fig, axes = plots.panel_grid(3, panel=(4.6, 3.0), sharey=True)
    width, height = fig.get_size_inches()
    assert len(axes) == 3 and width <= plots.MAX_FIGURE_WIDTH and height == 6.0
    assert sum(ax.get_visible() for ax in fig.axes) == 3
    assert plots.panel_grid(1, panel=(12.0, 3.0))[0].get_size_inches()[0] == 12.0   # one panel is never split
    with pytest.raises(ValueError, match="n >= 1"):
        plots.panel_grid(0, panel=(4.0, 3.0))


def test_no_figure_text_below_nine_points():
    """Text set explicitly in plotting code (legends, labels, annotations) is at least 9 pt: at 150 dpi on a page
    that shows a figure at most 10 in wide, that is still >= 9 px on a laptop."""
    small = re.compile(r"fontsize\s*=\s*(\d+(?:\.\d+)?)\b|fontsize\s*=\s*[\"'](?:xx-small|x-small|small)[\"']")
    offenders = []
    for p in (ROOT / "varlib").rglob("*.py"):
        for m in small.finditer(p.read_text()):
            if m.group(1) is None or float(m.group(1)) < 9:
                offenders.append(f"{p.relative_to(ROOT)}: {m.group(0)}")
    assert offenders == [], offenders
