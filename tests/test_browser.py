"""The rendered book as a reader sees it, in a real headless Chromium (Debian's, driven by Playwright).

Every page of _toc.yml is served on 127.0.0.1 and opened: it loads (HTTP 200), every image has a non-zero
natural size, every figure's image has alt text and is never drawn wider than its pixels (no blurry upscaling),
math is typeset by MathJax served from the book itself, no executed cell shows a traceback, no console error
appears beyond the known harmless theme message, no request fails. A full-page screenshot of every page is kept
under the build folder (``screenshots/``). The same checker is run on a deliberately broken page to show that it
fails. Then, as a reader would: the results page links every claim to an existing scorecard row, every verdict
of a scorecard is on screen at 400 px without scrolling sideways, and every figure is rendered at >= 150 dpi.
"""
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from varlib.book.pipeline import toc_files

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed "
                                 "(apt-get install chromium; .ci/run does this)")]

#: Console errors every Jupyter Book 1.x page logs (see BOOK_NOTES): harmless, allowed. (The thebe script that was
#: declared twice is loaded once now, by varlib.book.sphinx_ext.)
HARMLESS = ("Got invalid theme mode",)

#: The least resolution of a figure (PNG pixels per inch), and the narrowest phone the scorecards must fit.
MIN_DPI, PHONE = 150, 400


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve():
    servers = []

    def start(folder: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 functools.partial(_QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def check_page(browser, url: str, screenshot: Path | None = None) -> list[str]:
    """Open ``url`` like a reader; return every problem found (empty when the page is fine)."""
    page = browser.new_page()
    errors, failed = [], []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{m.text} [{m.location.get('url', '')}]"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} (HTTP {r.status})"))
    problems = []
    resp = page.goto(url, wait_until="networkidle")
    if resp is None or resp.status != 200:
        problems.append(f"HTTP {resp.status if resp else 'no response'}")
    if page.locator(".math").count():
        try:
            page.wait_for_selector("mjx-container", timeout=20_000)
            page.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise",
                                   timeout=20_000)
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        except Exception:  # noqa: BLE001 - reported below as untypeset math
            pass
        typeset = page.locator("mjx-container").count()
        if typeset < page.locator(".math").count():
            problems.append(f"math not typeset: {typeset} of {page.locator('.math').count()} blocks")
        if page.locator("mjx-merror").count():
            problems.append(f"math errors: {page.locator('mjx-merror').all_inner_texts()}")
    broken = page.evaluate("() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                           ".map(i => i.getAttribute('src'))")
    if broken:
        problems.append(f"broken images: {broken}")
    figures = page.evaluate("() => [...document.querySelectorAll('figure img')].map(i => ({src: i.getAttribute('src'),"
                            " alt: (i.getAttribute('alt') || '').trim(), natural: i.naturalWidth,"
                            " drawn: i.getBoundingClientRect().width}))")
    problems += [f"figure image without alt text: {f['src']}" for f in figures if not f["alt"]]
    problems += [f"figure image drawn wider ({f['drawn']:.0f} px) than its pixels ({f['natural']}): {f['src']}"
                 for f in figures if f["natural"] and f["drawn"] > f["natural"] + 1]
    if page.locator("div.output.traceback, .cell_output .traceback").count():
        problems.append("an executed cell shows a traceback")
    problems += [f"console error: {e}" for e in errors if not any(h in e for h in HARMLESS)]
    problems += [f"failed request: {u}" for u in failed]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return problems


@pytest.mark.parametrize("entry", toc_files(ROOT))
def test_every_page_as_a_reader_sees_it(smoke_book, serve, browser, entry):
    build, _ = smoke_book
    base = serve(build / "_build" / "html")
    shot = build / "screenshots" / f"{Path(entry).name}.png"
    assert check_page(browser, f"{base}/{entry}.html", shot) == []
    assert shot.stat().st_size > 10_000


def test_the_checker_fails_on_a_broken_page(smoke_book, serve, browser, tmp_path):
    """A copy of the family page with a broken image path, a traceback and a broken math block."""
    build, _ = smoke_book
    html = tmp_path / "html"
    shutil.copytree(build / "_build" / "html", html)
    page = html / "chapters" / "family.html"
    text = page.read_text()
    text = text.replace('src="../_images/', 'src="../_images/missing-', 1)
    text = text.replace('<div class="cell_output docutils container">',
                        '<div class="cell_output docutils container"><div class="output traceback"><pre>'
                        'RuntimeError: boom</pre></div>', 1)
    text = text.replace("</article>", '<div class="math notranslate nohighlight">\\[\\frac{1}{\\]</div></article>', 1)
    second = text.index('<img alt="', text.index("<figure", text.index("<figure") + 1))   # no alt, drawn upscaled
    text = text[:second] + '<img style="width: 4000px; max-width: none" alt="" data-x="' + text[second + 10:]
    page.write_text(text)
    problems = check_page(browser, f"{serve(html)}/chapters/family.html")
    print("\n".join(["problems found on the broken page:"] + problems))
    assert any("broken images" in p for p in problems), problems
    assert any("traceback" in p for p in problems), problems
    assert any("math" in p for p in problems), problems
    assert any("failed request" in p or "console error" in p for p in problems), problems
    assert any("without alt text" in p for p in problems), problems
    assert any("drawn wider" in p for p in problems), problems


def _scorecard_chapters(build: Path) -> list[str]:
    """The TOC entries whose page shows a scorecard."""
    html = build / "_build" / "html"
    return [e for e in toc_files(ROOT) if 'class="scorecard"' in (html / f"{e}.html").read_text()]


def test_results_page_links_every_claim_to_its_scorecard_row(smoke_book, serve, browser):
    """Every claim on the results page links to a row of its chapter's scorecard that exists, with the verdict
    the page shows; the landing page shows the counts table."""
    build, _ = smoke_book
    base = serve(build / "_build" / "html")
    page = browser.new_page()
    page.goto(f"{base}/chapters/results.html", wait_until="networkidle")
    links = page.evaluate("() => [...document.querySelectorAll('table.results-table tbody tr')]"
                          ".filter(r => r.querySelector('td.rt-verdict')).map(r => ({"
                          "href: r.querySelector('a').getAttribute('href'),"
                          "verdict: r.querySelector('.verdict-badge').textContent}))")
    assert len(links) >= len(_scorecard_chapters(build)) > 0
    by_page = {}
    for link in links:
        target, anchor = link["href"].split("#")
        by_page.setdefault(target, {})[anchor] = link["verdict"]
    for target, verdicts in by_page.items():                      # each chapter opened once
        page.goto(f"{base}/chapters/{target}", wait_until="domcontentloaded")
        shown = page.evaluate("ids => ids.map(i => document.getElementById(i)?.querySelector('.verdict-badge')"
                              "?.textContent)", list(verdicts))
        assert dict(zip(verdicts, shown)) == verdicts, target
    page.goto(f"{base}/chapters/intro.html", wait_until="networkidle")
    assert page.locator("table.results-counts").count() == 1
    page.close()


def test_every_verdict_is_on_screen_on_a_phone(smoke_book, serve, browser):
    """At 400 px, every scorecard's verdict badge lies inside the screen, and neither a scorecard nor the table
    of verdict counts (landing and results pages) makes the page scroll sideways."""
    build, _ = smoke_book
    base = serve(build / "_build" / "html")
    page = browser.new_page(viewport={"width": PHONE, "height": 800})
    for entry in _scorecard_chapters(build):
        page.goto(f"{base}/{entry}.html", wait_until="networkidle")
        boxes = page.evaluate("() => [...document.querySelectorAll('table.scorecard .verdict-badge')].map(b => {"
                              "const r = b.getBoundingClientRect(); return [r.left, r.right]; })")
        assert boxes, entry
        off = [b for b in boxes if b[0] < 0 or b[1] > PHONE]
        assert not off, f"{entry}: {len(off)} verdicts off a {PHONE} px screen"
        width = page.evaluate("() => Math.max(...[...document.querySelectorAll('table.scorecard')]"
                              ".map(t => t.getBoundingClientRect().right))")
        assert width <= PHONE, f"{entry}: the scorecard is {width:.0f} px wide"
    for entry in ("chapters/intro", "chapters/results"):         # the counts of every verdict fit too
        page.goto(f"{base}/{entry}.html", wait_until="networkidle")
        right = page.evaluate("() => document.querySelector('table.results-counts').getBoundingClientRect().right")
        assert right <= PHONE, f"{entry}: the counts table ends at {right:.0f} px"
    page.close()


def test_every_figure_is_rendered_at_150_dpi_or_more(smoke_book):
    """Every PNG a chapter shows carries its resolution (matplotlib writes it) of at least MIN_DPI."""
    from PIL import Image

    build, _ = smoke_book
    images = sorted((build / "_build" / "html" / "_images").glob("*.png"))
    assert images
    low = {p.name: Image.open(p).info.get("dpi") for p in images}
    low = {name: dpi for name, dpi in low.items() if dpi is None or min(dpi) < MIN_DPI - 0.5}
    assert not low, f"figures below {MIN_DPI} dpi: {low}"


def test_search_snippets_show_no_raw_tex(smoke_book, serve, browser):
    """A search's snippets are cut from pages before MathJax runs; _static/search-math.js strips the TeX."""
    build, _ = smoke_book
    page = browser.new_page()
    page.goto(f"{serve(build / '_build' / 'html')}/search.html?q=activation+ratio", wait_until="networkidle")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0", timeout=20_000)
    page.wait_for_timeout(1000)                      # snippets are fetched page by page
    snippets = page.evaluate("() => [...document.querySelectorAll('#search-results li p')].map(p => p.textContent)")
    page.close()
    assert snippets and not [s for s in snippets if "\\(" in s or "\\rho" in s], snippets
