#!/usr/bin/env python3
"""Render an HTML report of leadrules in headless Chromium and check it as a reader would see it.

    html_render.py REPORT.html [--screenshot OUT.png] [--min-charts N]

Checks, failing with exit 1 and a message:
  - the file is self-contained: no script, no stylesheet, font or image fetched from anywhere;
  - it loads in Chromium with no console error and no failed resource;
  - every chart (svg.chart) has a size on the page and draws marks (bars, heatmap cells, lines)
    with a visible size; at least --min-charts charts are there.
The drawing check injects a probe script into a temporary copy (the report itself has none) and
reads the probe's answer from Chromium's --dump-dom. Exit 77 (skipped) when Chromium is missing.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROBE = """
<script>
window.addEventListener('load', () => {
  const charts = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const marks = [...svg.querySelectorAll('rect.bar, rect.cell, polyline.line')];
    const drawn = marks.filter(m => {
      const b = m.getBBox();
      return m.tagName === 'polyline' ? (b.width > 0 || b.height > 0) : (b.width > 0 && b.height > 0);
    }).length;
    const box = svg.getBoundingClientRect();
    charts.push({chart: svg.dataset.chart, marks: marks.length, drawn: drawn,
                 width: box.width, height: box.height});
  }
  const pre = document.createElement('pre');
  pre.id = 'leadrules-probe';
  pre.textContent = JSON.stringify(charts);
  document.body.appendChild(pre);
});
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def headless(browser, url, *extra):
    # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=5000", *extra, url]
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(cmd + [f"--user-data-dir={profile}"], capture_output=True, text=True,
                              timeout=120)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--screenshot")
    ap.add_argument("--min-charts", type=int, default=1)
    args = ap.parse_args()

    html = open(args.report, encoding="utf-8").read()
    problems = []
    if re.search(r"<script", html, re.I):
        problems.append("the report contains a script")
    for m in re.finditer(r"""(?:src|href)\s*=\s*["']?([^"' >]+)|url\(([^)]*)\)|@import""", html, re.I):
        target = (m.group(1) or m.group(2) or "@import").strip("'\" ")
        if not target.startswith(("#", "data:")):
            problems.append(f"the report fetches {target}")

    browser = chromium()
    if browser is None:
        print("skipped: Chromium is not installed (.ci/install-deps installs it)")
        return 77

    with tempfile.TemporaryDirectory() as tmp:
        probe_file = os.path.join(tmp, "probe.html")
        with open(probe_file, "w", encoding="utf-8") as f:
            f.write(html.replace("</body>", PROBE + "</body>"))
        run = headless(browser, "file://" + probe_file, "--dump-dom")
        console = [line for line in run.stderr.splitlines()
                   if "CONSOLE" in line or "Failed to load resource" in line or "Uncaught" in line]
        problems += [f"console: {line}" for line in console]
        m = re.search(r'<pre id="leadrules-probe">(.*?)</pre>', run.stdout, re.S)
        if not m:
            problems.append(f"Chromium did not render the page (exit {run.returncode}): {run.stderr[-400:]}")
            charts = []
        else:
            charts = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")
                                .replace("&lt;", "<").replace("&gt;", ">"))
        if len(charts) < args.min_charts:
            problems.append(f"{len(charts)} charts, expected at least {args.min_charts}")
        for c in charts:
            if c["width"] <= 0 or c["height"] <= 0:
                problems.append(f"chart {c['chart']!r} has no size on the page")
            if c["drawn"] == 0:
                problems.append(f"chart {c['chart']!r} draws nothing ({c['marks']} marks, none visible)")

    if args.screenshot:
        shot = headless(browser, "file://" + os.path.abspath(args.report),
                        f"--screenshot={os.path.abspath(args.screenshot)}", "--window-size=1100,1600")
        if not os.path.exists(args.screenshot):
            problems.append(f"no screenshot: {shot.stderr[-300:]}")

    if problems:
        for p in problems:
            print(f"FAIL {args.report}: {p}", file=sys.stderr)
        return 1
    names = ", ".join(c["chart"] for c in charts)
    print(f"{args.report}: renders, {len(charts)} charts drawn ({names})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
