# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""report.html in a real browser: headless Chromium (Debian's chromium package) loads the page from disk,
dumps the DOM it built and takes a screenshot. The DOM must hold the ban timeline and the five charts with
the report's numbers on their bars; the screenshot must show the bars in their colours.

Set FORTRESS_REPORT_SCREENSHOT=PATH to keep the screenshot (docs/images/ban_report.png is made so).
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.environ.get("FORTRESS_COLLECTIONS", os.path.join(ROOT, ".collections"))
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
sys.path.insert(0, HERE)

from pngdecode import colour_counts, read_png  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import run_ban_report  # noqa: E402
from ansible_collections.fortress.nginx.plugins.module_utils.ban_report_html import CHART_COLOURS, TIMELINE_COLOURS  # noqa: E402

WINDOW = (1280, 2600)
CHART_NAMES = ["countries", "cities", "organisations", "jails", "hosts"]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chromium():
    for name in (os.environ.get("FORTRESS_CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is needed: apt-get install chromium (Debian), or set FORTRESS_CHROMIUM")


def run_chromium(*args):
    profile = tempfile.mkdtemp(prefix="fortress-chromium-")
    try:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--hide-scrollbars", "--user-data-dir=%s" % profile] + list(args)
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        return done.stdout.decode("utf-8")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    work = tmp_path_factory.mktemp("report")
    sample = _load("make_sample_geodb", os.path.join(ROOT, "scripts", "make-sample-geodb.py"))
    city_db, asn_db = sample.build(str(work / "geo"))
    synthetic = _load("synthetic", os.path.join(ROOT, "tests", "unit", "ban_report", "synthetic.py"))
    results = synthetic.demo_history(synthetic.demo_fleet())
    results["db1.example.org"] = None  # a host that gave no status: the page must say so
    # a host whose fail2ban database could not be read: the page must say so (a warning, not a failure)
    results["edge-sin-1"]["history"] = {"dbfile": "/var/lib/fail2ban/fail2ban.sqlite3", "schema_version": None, "bans": [],
                                        "warnings": ["the database is locked (fail2ban is writing to it); try again later"]}
    params = {"results": results, "output_dir": str(work / "out"), "city_db": city_db, "asn_db": asn_db, "top_n": 20,
              "formats": ["html", "json", "csv"], "ipinfo_token": None}
    result = run_ban_report(params)
    with open(os.path.join(result["output_dir"], "report.json")) as handle:
        report = json.load(handle)
    url = "file://" + result["html"]
    dom = run_chromium("--dump-dom", url)
    screenshot = str(work / "report.png")
    run_chromium("--screenshot=%s" % screenshot, "--window-size=%d,%d" % WINDOW, url)
    if os.environ.get("FORTRESS_REPORT_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["FORTRESS_REPORT_SCREENSHOT"])
    return {"report": report, "dom": dom, "screenshot": screenshot}


def chart(dom, name):
    match = re.search(r'<svg class="chart" data-chart="%s".*?</svg>' % name, dom, re.S)
    assert match, "chart %s is not in the DOM Chromium built" % name
    return match.group(0)


def test_browser_built_all_five_charts_after_the_timeline(rendered):
    assert re.findall(r'<svg class="chart[^"]*" data-chart="(\w+)"', rendered["dom"]) == ["timeline"] + CHART_NAMES


def test_timeline_bars_carry_the_history_numbers(rendered):
    history = rendered["report"]["history"]
    assert history["bucket"] == "day" and len(history["timeline"]) >= 30
    match = re.search(r'<svg class="chart timeline" data-chart="timeline".*?</svg>', rendered["dom"], re.S)
    assert match, "the timeline is not in the DOM Chromium built"
    svg = match.group(0)
    buckets = re.findall(r'<g class="bucket" data-start="([^"]+)" data-bans="(\d+)">(.*?)</g>', svg, re.S)
    assert [(start, int(bans)) for start, bans, _body in buckets] == [(row["start"], row["bans"]) for row in history["timeline"]]
    for (_start, bans, body), row in zip(buckets, history["timeline"]):
        segments = [int(v) for v in re.findall(r'<rect class="tl" data-jail="[^"]*" data-value="(\d+)"', body)]
        assert sum(segments) == int(bans) == sum(row["by_jail"].values())
    # the wave of the last week is taller than the quiet weeks before it
    assert sum(row["bans"] for row in history["timeline"][-7:]) > 2 * sum(row["bans"] for row in history["timeline"][:7])
    assert '<polyline class="repeat"' in svg
    assert "Repeat offenders over time" in rendered["dom"]
    assert "Ban history incomplete on 1 host(s):</b> edge-sin-1: the database is locked" in rendered["dom"]


@pytest.mark.parametrize("name", CHART_NAMES)
def test_bars_carry_the_report_numbers(rendered, name):
    report = rendered["report"]
    rows = report["tables"][name][:report["top_n"]]
    value_key = "banned_ips" if name in ("jails", "hosts") else "count"
    svg = chart(rendered["dom"], name)
    assert [int(v) for v in re.findall(r'<rect class="bar" data-value="(\d+)"', svg)] == [row[value_key] for row in rows]
    shown = [int(v.replace(",", "")) for v in re.findall(r'<text class="value"[^>]*>([\d,]+)<tspan', svg)]
    assert shown == [row[value_key] for row in rows]
    assert len(re.findall(r'<text class="label"', svg)) == len(rows)


def test_totals_and_time_are_on_the_page(rendered):
    report, dom = rendered["report"], rendered["dom"]
    unique = report["totals"]["unique_banned_ips"]
    assert unique > 200
    assert re.search(r'<div class="value">%s</div><div class="name">unique banned IPs</div>' % format(unique, ","), dom)
    stamp = report["generated_at"]
    assert '<time datetime="%s">' % stamp in dom
    assert "db1.example.org" in dom and "Sample geolocation data" in dom


def test_screenshot_shows_the_charts(rendered):
    width, height, _channels, _rows = read_png(rendered["screenshot"])
    assert (width, height) == WINDOW
    counts = colour_counts(rendered["screenshot"])
    assert len(counts) > 50, "the screenshot is nearly blank (%d colours)" % len(counts)
    # Every chart's bar colour fills a visible area (a 40-pixel-wide bar of 18 pixels is 720 pixels).
    colours = dict(CHART_COLOURS, timeline=TIMELINE_COLOURS[4])  # a colour no other chart uses
    for name in ["timeline"] + CHART_NAMES:
        colour = tuple(int(colours[name][i:i + 2], 16) for i in (1, 3, 5))
        assert counts.get(colour, 0) > 2000, "%s bars (%s) are not visible in the screenshot" % (name, colours[name])
