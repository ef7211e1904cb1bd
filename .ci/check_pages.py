"""Open every page of the built book in headless Chromium and fail on what a reader would see broken.

    .venv/bin/python .ci/check_pages.py [_build/html] [--screenshots _build/screenshots] [--only NAME ...]

For each HTML page of the book (the chapters, the glossary, the API page; not Sphinx's search or index pages) it
waits for the page and MathJax to finish, then fails when

* maths is left as raw TeX (a ``.math`` element MathJax did not typeset, or a TeX error box), or ``\\(``, ``\\[``,
  ``$$`` remain in the prose outside code;
* an image did not load (``naturalWidth == 0``) or the browser logged a failed resource;
* a cell output shows a traceback, a warning or a stderr block;
* a table cell reads NaN / nan / None (a missing value must show as an em dash with the reason in a note), a
  table is wider than the page's content column (split or transpose it), a column of integers is printed as floats
  (``56.0``, ``10.000000``), a float is printed unrounded (more than 9 significant digits), a parameter at its
  lower bound is printed as a number (the laws' log-parametrised parameters stop at exp(-30) = 9.36e-14: a value
  within 5% of it),
  or a row has no value at all;
* a code cell's input or output is wider than its column (a ``pre`` or an output ``div`` whose ``scrollWidth``
  exceeds its ``clientWidth``: the reader would have to scroll sideways to read it);
* a figure's smallest text renders below ``MIN_TEXT_PX`` (9) CSS pixels, or a figure in a cell output does not say
  what fonts it was drawn with or has no numbered caption.

How a figure's text is measured. ``scalinglaws.plotting.set_style()`` makes the notebook draw every figure as a
PNG that carries a text chunk ``scalinglaws:fonts`` = ``{"min_pt", "dpi", "text"}``: the smallest font size (points)
among the figure's visible texts -- tick labels, axis labels, titles, legends, colour bars, annotations -- and the
resolution it was drawn at (``plotting.font_record``). In the image's own pixels that text is ``min_pt * dpi / 72``
high. The browser reports the image's natural width and the width it is displayed at (``naturalWidth``, and the
bounding box's width in CSS px; an image not laid out, e.g. in a closed dropdown, is taken at its ``width``
attribute capped by the content column). So the text is shown at

    rendered px = min_pt * dpi / 72 * displayed width / natural width

(:func:`rendered_text_px`), and a figure fails when that is below 9 px. E.g. a 4-column facet grid 10.4 in wide
drawn at 200 dpi (2080 px), with 6 pt legend text, shown in a 720 px column: 6 * 200/72 * 720/2080 = 5.8 px. The
record is per figure (the fonts a chapter passes, ``fontsize=6``, are in it, not only the style's defaults); a
figure whose PNG lacks it is reported (it was not drawn after ``set_style()``), since nothing could be measured.

It writes a full-page screenshot of every page to ``--screenshots`` (default ``_build/screenshots/``), for review.
Chromium: Debian's ``chromium-headless-shell`` or ``chromium`` from PATH, installed with apt-get when missing (the
script says so and stops when it cannot). It talks to the browser over the DevTools protocol with
``websocket-client``. Exit status 1 when any page fails, with one line per problem.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import websocket

FONT_RECORD = "scalinglaws:fonts"  # the PNG text chunk scalinglaws.plotting writes (plotting.FONT_RECORD)
MIN_TEXT_PX = 9.0  # CSS px: the smallest text a figure may show
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")
SKIP = {"search.html", "genindex.html", "py-modindex.html"}
MAX_SHOT_HEIGHT = 16_000  # px: long pages are cut here so a screenshot stays a reviewable file

# Run in the page once it and MathJax are done; returns the problems found, as strings.
CHECKS_JS = r"""
(() => {
  const out = [];
  const main = document.querySelector('main') || document.body;
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) out.push('image did not load: ' + img.getAttribute('src'));
  }
  for (const el of main.querySelectorAll('.math')) {
    if (!el.querySelector('mjx-container')) out.push('raw TeX: ' + el.textContent.trim().slice(0, 80));
  }
  for (const el of main.querySelectorAll('mjx-merror')) out.push('TeX error: ' + el.textContent.slice(0, 80));
  const prose = main.cloneNode(true);
  for (const el of prose.querySelectorAll('pre, code, script, style, mjx-container, .math, .highlight')) el.remove();
  const text = prose.textContent;
  for (const tok of ['\\(', '\\[', '$$']) {
    const i = text.indexOf(tok);
    if (i >= 0) out.push('raw TeX in prose: ...' + text.slice(Math.max(0, i - 30), i + 50).replace(/\s+/g, ' '));
  }
  for (const el of main.querySelectorAll('.output.stderr, .stderr')) {
    out.push('stderr output: ' + el.textContent.trim().slice(0, 120).replace(/\s+/g, ' '));
  }
  for (const el of main.querySelectorAll('.cell_output, .output')) {
    const t = el.textContent;
    const m = t.match(/Traceback \(most recent call last\)|\b\w*(Warning|Error): /);
    if (m) out.push('output shows "' + m[0].trim() + '": ' + t.slice(Math.max(0, m.index - 40), m.index + 80)
                    .replace(/\s+/g, ' '));
  }
  const article = document.querySelector('article') || main;
  const column = article.clientWidth;
  for (const t of main.querySelectorAll('table')) {
    const w = t.getBoundingClientRect().width;
    if (w > column + 2) {
      const cols = [...t.querySelectorAll('thead th, tr:first-child th')].map(e => e.textContent.trim())
        .filter(x => x).slice(0, 6).join(' | ');
      const sec = t.closest('section');
      const h = sec ? sec.querySelector('h1, h2, h3') : null;
      const title = h ? h.textContent.replace('#', '').trim() : '';
      out.push(`table wider than the content column (${Math.round(w)} > ${column} px) in "${title}": ${cols}`);
    }
  }
  const where = el => {
    const sec = el.closest('section');
    const h = sec ? sec.querySelector('h1, h2, h3') : null;
    return h ? h.textContent.replace('#', '').trim() : '';
  };
  for (const el of main.querySelectorAll('pre, div.output, div.cell_output')) {
    if (el.closest('table')) continue;  // a table is checked as a table
    if (el.tagName !== 'PRE' && el.querySelector('pre')) continue;  // its pre is checked itself
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      const kind = el.closest('.cell_input') ? 'code cell input' : el.closest('.cell_output, .output') ? 'cell output'
        : 'code block';
      const line = el.textContent.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '').trim();
      out.push(`${kind} wider than its column (${el.scrollWidth} > ${el.clientWidth} px) in "${where(el)}": `
               + line.slice(0, 90));
    }
  }
  // Tables a reader cannot read as numbers: a column of integers printed as floats (56.0, 10.000000), an
  // unrounded float (0.15150304216702457), a row with no value at all.
  const sig = x => x.replace(/^[-+]?0*\.?0*/, '').replace(/\./, '').length;  // significant digits of 0.0012 = 2
  for (const t of main.querySelectorAll('table')) {
    if (t.matches('.indextable')) continue;  // Sphinx's generated indexes
    const rows = [...t.querySelectorAll('tbody tr')].map(tr => [...tr.querySelectorAll('td')]
      .map(td => td.textContent.trim()));
    for (const th of t.querySelectorAll('th')) {
      const x = th.textContent.trim();
      if (/\d\.0{3,}(?!\d)|\d\.\d{7,}/.test(x)) out.push(`unrounded number in a table header in "${where(t)}": ${x}`);
    }
    const ncol = Math.max(0, ...rows.map(r => r.length));
    for (let j = 0; j < ncol; j++) {
      const col = rows.map(r => r[j]).filter(x => x !== undefined && x !== '' && x !== '—');
      // (a column of 0.00 or 1.0 is a rounded probability or share, not a count)
      if (col.length && col.every(x => /^[-+]?\d+\.0+$/.test(x.replace(/,/g, '')))
          && col.some(x => Math.abs(parseFloat(x.replace(/,/g, ''))) >= 2)) {
        out.push(`integers shown as floats in "${where(t)}": column ${j + 1} (${col.slice(0, 3).join(', ')})`);
      }
    }
    for (const r of rows) {
      for (const x of r) {
        if (/^[-+]?\d*\.\d+$/.test(x) && sig(x) > 9) {
          out.push(`unrounded number in a table in "${where(t)}": ${x.slice(0, 40)}`);
        }
      }
    }
    // A log-parametrised parameter stops at exp(-30) = 9.4e-14: such a value is a bound, not a measurement
    // (scalinglaws.book.bounded shows it as "≈ 0 (bound)").
    for (const r of rows) {
      for (const x of r) {
        const v = parseFloat(x);
        if (/^[-+]?[\d.]+e-\d+$/i.test(x) && v > 0 && Math.abs(Math.log(v) + 30) < 0.05) {
          out.push(`a bound printed as a value in a table in "${where(t)}": ${x}`);
        }
      }
    }
    const empty = rows.filter(r => r.length && r.every(x => x === '' || x === '—'));
    if (empty.length) out.push(`table rows with no value in "${where(t)}": ${empty.length} of ${rows.length}`);
  }
  for (const td of main.querySelectorAll('td')) {
    const t = td.textContent.trim();
    if (t === 'NaN' || t === 'nan' || t === 'None' || t === '<NA>') out.push('table cell shows ' + t);
  }
  return [...new Set(out)];
})()
"""

# Every image of the page's content, with its natural size and the CSS width it is displayed at.
IMAGES_JS = r"""
(() => {
  const main = document.querySelector('main') || document.body;
  const column = (document.querySelector('article') || main).clientWidth;
  return [...main.querySelectorAll('img')].map(img => {
    const sec = img.closest('section');
    const h = sec ? sec.querySelector('h1, h2, h3') : null;
    let shown = img.getBoundingClientRect().width;
    if (shown === 0) shown = Math.min(Number(img.getAttribute('width')) || img.naturalWidth, column);
    const fig = img.closest('figure');
    return {src: img.src, natural: img.naturalWidth, shown: shown,
            output: !!img.closest('.cell_output, .output'),
            captioned: !!(fig && fig.querySelector('.caption-number') && fig.querySelector('figcaption')),
            section: h ? h.textContent.replace('#', '').trim() : ''};
  });
})()
"""


def png_text_chunks(data: bytes) -> dict[str, str]:
    """The ``tEXt`` and ``iTXt`` chunks of a PNG (keyword -> text); ``ValueError`` for bytes that are not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    chunks, pos = {}, 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            chunks[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            if rest[:1] == b"\0":  # uncompressed; skip the method byte, language and translated keyword
                text = rest[2:].split(b"\0", 2)[-1]
                chunks[key.decode("latin-1")] = text.decode("utf-8")
        elif kind == b"IEND":
            break
        pos += 12 + length
    return chunks


def rendered_text_px(min_pt: float, dpi: float, natural_width: float, shown_width: float) -> float:
    """CSS px height of a ``min_pt`` font drawn at ``dpi`` into an image ``natural_width`` px wide that the page shows
    ``shown_width`` CSS px wide: ``min_pt * dpi / 72 * shown_width / natural_width``."""
    if natural_width <= 0:
        raise ValueError("an image with no natural width was not loaded")
    return min_pt * dpi / 72.0 * shown_width / natural_width


def figure_problems(images: list[dict], read_bytes) -> list[str]:
    """The figures among ``images`` (:data:`IMAGES_JS`'s records) whose smallest text renders below
    :data:`MIN_TEXT_PX`, and figures in cell outputs without a font record. ``read_bytes(src)`` returns an image's
    file, or None when it is not a local file."""
    out = []
    for img in images:
        if not img["natural"]:
            continue  # reported as an image that did not load
        data = read_bytes(img["src"])
        try:
            record = png_text_chunks(data).get(FONT_RECORD) if data else None
        except ValueError:
            record = None
        name = img["src"].rsplit("/", 1)[-1]
        if img["output"] and not img.get("captioned", True):
            out.append(f'figure without a numbered caption in "{img["section"]}" ({name}): give its cell '
                       "mystnb: figure: {caption, name} metadata")
        if record is None:
            if img["output"]:
                out.append(f'figure without a font record in "{img["section"]}" ({name}): draw it after '
                           "scalinglaws.plotting.set_style(), which records the fonts so they can be measured")
            continue
        rec = json.loads(record)
        if rec.get("min_pt") is None:
            continue  # a figure without text
        px = rendered_text_px(rec["min_pt"], rec["dpi"], img["natural"], img["shown"])
        if px < MIN_TEXT_PX:
            out.append(f'figure text {px:.1f} px < {MIN_TEXT_PX:g} px in "{img["section"]}" ({name}): '
                       f'{rec["min_pt"]:g} pt at {rec["dpi"]:g} dpi, {img["natural"]} px wide shown at '
                       f'{img["shown"]:.0f} px; smallest text "{rec.get("text", "")}"')
    return out


def _local_file(src: str) -> bytes | None:
    if not src.startswith("file://"):
        return None
    path = Path(urllib.request.url2pathname(urllib.parse.urlparse(src).path))
    return path.read_bytes() if path.is_file() else None


def find_browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    apt = shutil.which("apt-get")
    if apt is None:
        sys.exit(f"check_pages: none of {', '.join(BROWSERS)} is installed and there is no apt-get to install one")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print("check_pages: installing chromium-headless-shell with apt-get (about a minute)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in ([*sudo, apt, "update", "-qq"], [*sudo, apt, "install", "-y", "-qq", "chromium-headless-shell"]):
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"check_pages: `{' '.join(cmd)}` failed; install chromium-headless-shell and rerun")
    path = shutil.which("chromium-headless-shell")
    if path is None:
        sys.exit("check_pages: apt-get installed chromium-headless-shell but it is not on PATH")
    return path


class Browser:
    """One headless Chromium with one tab, driven over the DevTools protocol."""

    def __init__(self, executable: str, width: int = 1280, height: int = 1000):
        self.profile = tempfile.mkdtemp(prefix="check_pages-")
        self.proc = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             f"--window-size={width},{height}", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # its own process group: Debian's /usr/bin/chromium-headless-shell is a shell script that runs the
            # browser as a child, so terminating the script alone left the browser running after every check
            start_new_session=True)
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        else:
            self.close()
            raise RuntimeError("Chromium did not start (no DevToolsActivePort after 10 s)")
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            tab = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = websocket.create_connection(tab["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id, self.events = 0, []
        for domain in ("Page", "Log", "Runtime"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, msg in enumerate(self.events):
                if msg.get("method") == event:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(event)

    def evaluate(self, expression: str, await_promise: bool = False):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"].get("text", "script error"))
        return res["result"].get("value")

    def close(self):
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)  # the wrapper script and the browser it started
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
            time.sleep(0.5)  # let the browser, a child of the script, exit too before the next signal
        shutil.rmtree(self.profile, ignore_errors=True)


def check_page(browser: Browser, page: Path, shot: Path) -> list[str]:
    browser.events.clear()
    browser.call("Page.navigate", url=page.resolve().as_uri())
    browser.wait_for("Page.loadEventFired")
    browser.evaluate("(window.MathJax && MathJax.startup && MathJax.startup.promise) ? "
                     "MathJax.startup.promise.then(() => true) : Promise.resolve(false)", await_promise=True)
    problems = list(browser.evaluate(CHECKS_JS))
    problems += figure_problems(browser.evaluate(IMAGES_JS), _local_file)
    for msg in browser.events:
        entry = msg.get("params", {}).get("entry", {})
        if msg.get("method") == "Log.entryAdded" and entry.get("level") == "error":
            problems.append(f"browser error: {entry.get('text', '')[:120]} {entry.get('url', '')}")
    metrics = browser.call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize", metrics["contentSize"])
    height = min(int(size["height"]), MAX_SHOT_HEIGHT)
    img = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                       clip={"x": 0, "y": 0, "width": int(size["width"]), "height": height, "scale": 1})
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(base64.b64decode(img["data"]))
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html", nargs="?", default="_build/html")
    ap.add_argument("--screenshots", default="_build/screenshots")
    ap.add_argument("--only", nargs="*", help="check only pages whose path contains one of these strings")
    args = ap.parse_args(argv)
    root = Path(args.html)
    pages = sorted(p for p in root.rglob("*.html") if p.name not in SKIP and "_static" not in p.parts
                   and "_sources" not in p.parts and "_images" not in p.parts)
    pages = [p for p in pages if p.name != "index.html" or p.parent != root]  # the root index only redirects
    if args.only:
        pages = [p for p in pages if any(s in str(p) for s in args.only)]
    if not pages:
        print(f"check_pages: no HTML pages under {root}; build the book first (make book)")
        return 1
    browser = Browser(find_browser())
    failures, start = 0, time.monotonic()
    try:
        for page in pages:
            rel = page.relative_to(root)
            problems = check_page(browser, page, Path(args.screenshots) / rel.with_suffix(".png"))
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {rel}")
            for p in problems:
                print(f"     {p}")
    finally:
        browser.close()
    print(f"check_pages: {len(pages)} pages, {failures} with problems, {time.monotonic() - start:.0f} s; "
          f"screenshots in {args.screenshots}/")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
