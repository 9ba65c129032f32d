# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML page: self-contained, one chart per table, numbers on the bars, everything escaped."""
import re

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import build_report
from ansible_collections.fortress.nginx.plugins.module_utils.ban_report_html import bar_chart, render_html

from .synthetic import status_result


def report(top_n=20, **results):
    results = results or {"web1": status_result({"sshd": ["192.0.2.%d" % i for i in range(1, 31)],
                                                 "nginx-4xx": ["198.51.100.1"]})}
    return build_report(results, top_n=top_n, generated_at="2026-03-04T05:06:07Z")


def test_page_is_self_contained():
    html = render_html(report())
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html, re.I)
    # The only URL is the SVG namespace, which browsers never fetch.
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {"http://www.w3.org/2000/svg"}


def test_one_chart_per_table_with_values_on_the_bars():
    html = render_html(report())
    assert re.findall(r'data-chart="(\w+)"', html) == ["countries", "cities", "organisations", "jails", "hosts"]
    jails = re.search(r'<svg class="chart" data-chart="jails".*?</svg>', html).group(0)
    assert re.findall(r'<rect class="bar" data-value="(\d+)"', jails) == ["30", "1"]
    assert re.findall(r'<text class="value"[^>]*>([\d,]+)<tspan', jails) == ["30", "1"]
    assert "96.8%" in jails and "3.2%" in jails


def test_report_time_and_totals_are_shown():
    html = render_html(report())
    assert "2026-03-04 05:06 UTC" in html
    assert '<div class="value">31</div><div class="name">unique banned IPs</div>' in html


def test_top_n_limits_the_bars():
    many = {"h%02d" % i: status_result({"sshd": ["192.0.2.%d" % i]}) for i in range(30)}
    html = render_html(report(top_n=5, **many))
    hosts = re.search(r'data-chart="hosts".*?</svg>', html).group(0)
    assert hosts.count('class="bar"') == 5
    assert "Table (1 of 1)" in html  # countries: only "unknown"


def test_text_from_hosts_and_databases_is_escaped():
    evil = '<script>alert("x")</script>'
    rep = report(**{evil: status_result({evil: ["192.0.2.1"]})})
    rep["tables"]["organisations"][0]["label"] = evil
    html = render_html(rep)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_long_labels_are_shortened_with_the_full_text_in_a_tooltip():
    label = "AS45090 Shenzhen Tencent Computer Systems Company Limited"
    svg = bar_chart("organisations", [{"key": label, "label": label, "count": 7, "percent": 50.0}])
    assert "<title>%s: 7 banned IPs</title>" % label in svg
    shown = re.search(r'<text class="label"[^>]*>([^<]*)</text>', svg).group(1)
    assert shown.endswith("\u2026") and len(shown) < len(label)


def test_unknown_bar_is_grey():
    svg = bar_chart("countries", [{"key": "unknown", "label": "unknown", "count": 2, "percent": 100.0}])
    assert 'fill="#a1a1aa"' in svg


def test_missing_hosts_and_sample_data_are_flagged():
    rep = report(web1=status_result({"sshd": ["192.0.2.1"]}), web2=None)
    rep["databases"] = [{"role": "location", "database_type": "FortressSample-City", "build_epoch": 0, "description": "SAMPLE"}]
    html = render_html(rep)
    assert "1 host(s) gave no status:" in html and "web2" in html
    assert "Sample geolocation data" in html
