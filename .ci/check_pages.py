"""Open every page of the built book in headless Chromium and fail on what a reader would see broken.

    .venv/bin/python .ci/check_pages.py [_build/html] [--screenshots _build/screenshots] [--only NAME ...]

For each HTML page of the book (the chapters, the glossary, the API page; not Sphinx's search or index pages) it
waits for the page and MathJax to finish, then fails when

* maths is left as raw TeX (a ``.math`` element MathJax did not typeset, or a TeX error box), or ``\\(``, ``\\[``,
  ``$$`` remain in the prose outside code;
* an image did not load (``naturalWidth == 0``) or the browser logged a failed resource;
* a cell output shows a traceback, a warning or a stderr block;
* a table cell reads NaN / nan / None (a missing value must show as an em dash with the reason in a note), or a
  table is wider than the page's content column (split or transpose it).

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
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

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
  for (const td of main.querySelectorAll('td')) {
    const t = td.textContent.trim();
    if (t === 'NaN' || t === 'nan' || t === 'None' || t === '<NA>') out.push('table cell shows ' + t);
  }
  return [...new Set(out)];
})()
"""


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
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def check_page(browser: Browser, page: Path, shot: Path) -> list[str]:
    browser.events.clear()
    browser.call("Page.navigate", url=page.resolve().as_uri())
    browser.wait_for("Page.loadEventFired")
    browser.evaluate("(window.MathJax && MathJax.startup && MathJax.startup.promise) ? "
                     "MathJax.startup.promise.then(() => true) : Promise.resolve(false)", await_promise=True)
    problems = list(browser.evaluate(CHECKS_JS))
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
