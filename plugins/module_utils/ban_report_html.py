# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render the ban report as one self-contained HTML page: inline CSS, inline SVG bar charts.

No scripts, fonts, images or style sheets are fetched: the file opens from a disk, a mail
attachment or an artifact store the same way. Every text that came from hosts, databases or
remote APIs is escaped.
"""

from __future__ import annotations

import datetime
from html import escape

from ansible_collections.fortress.nginx.plugins.module_utils.geo import UNKNOWN

CHART_COLOURS = {
    "countries": "#2563eb",
    "organisations": "#7c3aed",
    "cities": "#0d9488",
    "jails": "#ea580c",
    "hosts": "#16a34a",
}
UNKNOWN_COLOUR = "#a1a1aa"

_CSS = """
:root { --ink:#18181b; --muted:#71717a; --line:#e4e4e7; --card:#ffffff; --page:#f4f4f5; }
* { box-sizing: border-box; }
body { margin:0; background:var(--page); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 28px 24px 48px; }
header h1 { font-size: 28px; line-height: 1.2; margin: 0 0 4px; letter-spacing: -0.01em; }
header p { margin: 0; color: var(--muted); }
.sample { display:inline-block; margin-top:10px; padding:4px 10px; border-radius:6px;
  background:#fef3c7; color:#92400e; font-weight:600; font-size:13px; }
.warning { margin-top:16px; padding:10px 14px; border-radius:8px; background:#fee2e2; color:#991b1b; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap:12px; margin:22px 0 8px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.card .value { font-size:26px; font-weight:700; font-variant-numeric: tabular-nums; line-height:1.2; }
.card .name { color:var(--muted); font-size:13px; }
.small-totals { color:var(--muted); font-size:13px; margin: 6px 0 0; }
.small-totals b { color:var(--ink); font-variant-numeric: tabular-nums; }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(min(560px, 100%), 1fr)); gap:18px; margin-top:18px; }
section.wide { grid-column: 1 / -1; }
.split { display:grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap:28px; align-items:start; }
@media (max-width: 960px) { .split { grid-template-columns: minmax(0, 1fr); } }
.names { color:var(--muted); font-size:12px; }
section { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:16px 18px 12px; }
section h2 { font-size:17px; margin:0; }
section .caption { color:var(--muted); font-size:13px; margin:2px 0 10px; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart text { font-family: inherit; font-size:13px; fill:var(--ink); }
svg.chart text.value { font-weight:600; font-variant-numeric: tabular-nums; }
svg.chart text.percent { fill:var(--muted); font-weight:400; }
details { margin-top:8px; }
summary { cursor:pointer; color:var(--muted); font-size:13px; }
table { border-collapse:collapse; width:100%; font-size:13px; margin-top:6px; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
td { white-space:nowrap; }
td.names, td.wrap { white-space:normal; }
th { color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
td.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
footer { margin-top:28px; color:var(--muted); font-size:12px; }
.empty { color:var(--muted); font-style:italic; padding:8px 0; }
svg.timeline text.axis { font-size:12px; fill:var(--muted); }
.legend { display:flex; flex-wrap:wrap; gap:6px 16px; font-size:13px; margin:6px 0 4px; }
.legend i { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:6px; vertical-align:-1px; }
.legend i.line { height:0; border-top:2px dashed #18181b; border-radius:0; vertical-align:3px; }
@media print { body { background:#fff; } section, .card { break-inside: avoid; } details > summary { display:none; } }
"""

_ROW_HEIGHT = 26
_CHART_WIDTH = 600
_VALUE_ROOM = 92
# Label column width in SVG units per chart; a character takes at most about 8.2 units at 13px in
# DejaVu Sans (the widest common fallback font). Organisation names are long, so they get more room.
_LABEL_WIDTHS = {"organisations": 320}
_DEFAULT_LABEL_WIDTH = 180


def _e(value):
    return escape("" if value is None else str(value), quote=True)


def _fmt(number):
    return "{:,}".format(number) if isinstance(number, int) else _e(number)


def _percent(value):
    try:
        return "%.1f" % float(value)
    except (TypeError, ValueError):
        return ""


def _short(label, limit):
    label = str(label)
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "\u2026"


def bar_chart(name, rows, value_key="count", label_key="label", title=None):
    """An inline SVG horizontal bar chart: label, bar, number (and percent) on each row."""
    if not rows:
        return '<p class="empty">No banned IPs.</p>'
    colour = CHART_COLOURS.get(name, "#2563eb")
    label_width = _LABEL_WIDTHS.get(name, _DEFAULT_LABEL_WIDTH)
    label_chars = int(label_width / 8.2)
    bar_x = label_width + 10
    bar_max = _CHART_WIDTH - bar_x - _VALUE_ROOM
    peak = max(row[value_key] for row in rows) or 1
    height = len(rows) * _ROW_HEIGHT + 8
    parts = [
        '<svg class="chart" data-chart="%s" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">'
        % (_e(name), _CHART_WIDTH, height, _e(title or name))
    ]
    for index, row in enumerate(rows):
        y = 4 + index * _ROW_HEIGHT
        value = row[value_key]
        label = row[label_key]
        width = max(2.0, bar_max * float(value) / peak)
        fill = UNKNOWN_COLOUR if row.get("key") == UNKNOWN or label == UNKNOWN else colour
        middle = y + _ROW_HEIGHT / 2.0
        parts.append(
            '<g class="row"><title>%s: %s banned IP%s</title>'
            '<text class="label" x="%d" y="%.1f" text-anchor="end" dominant-baseline="central">%s</text>'
            '<rect class="track" x="%d" y="%d" width="%d" height="%d" rx="3" fill="#f4f4f5"/>'
            '<rect class="bar" data-value="%s" x="%d" y="%d" width="%.1f" height="%d" rx="3" fill="%s"/>'
            '<text class="value" x="%.1f" y="%.1f" dominant-baseline="central">%s'
            '<tspan class="percent" dx="6">%s%%</tspan></text></g>'
            % (
                _e(label), _fmt(value), "" if value == 1 else "s",
                label_width, middle, _e(_short(label, label_chars)),
                bar_x, y + 4, bar_max, _ROW_HEIGHT - 8,
                _e(value), bar_x, y + 4, width, _ROW_HEIGHT - 8, fill,
                bar_x + width + 6, middle, _fmt(value), _percent(row.get("percent")),
            )
        )
    parts.append("</svg>")
    return "".join(parts)


# Jail colours of the timeline, in the order of the jails' totals; jails beyond them are "other".
TIMELINE_COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#7c3aed", "#db2777", "#0891b2", "#ca8a04", "#4b5563")
OTHER_COLOUR = "#a1a1aa"
REPEAT_COLOUR = "#18181b"
_TL_WIDTH = 1200
_TL_HEIGHT = 300
_TL_LEFT = 56
_TL_RIGHT = 12
_TL_TOP = 12
_TL_BOTTOM = 40


def _tick_label(start, bucket):
    # start: YYYY-MM-DDTHH:MM:SSZ
    return "%s %s:00" % (start[5:10], start[11:13]) if bucket == "hour" else start[:10]


def timeline_chart(history):
    """The ban timeline as inline SVG: one stacked bar per hour or day, one colour per jail (the
    biggest first, the rest as "other"), a line of repeat bans (addresses banned before), a legend."""
    timeline = history.get("timeline") or []
    if not timeline:
        return '<p class="empty">No bans in the history.</p>'
    jails = [row["jail"] for row in history.get("jails") or []]
    shown = jails[:len(TIMELINE_COLOURS) - 1] if len(jails) > len(TIMELINE_COLOURS) else jails
    colours = dict(zip(shown, TIMELINE_COLOURS))
    has_other = len(shown) < len(jails)
    peak = max(row["bans"] for row in timeline) or 1
    plot_w = _TL_WIDTH - _TL_LEFT - _TL_RIGHT
    plot_h = _TL_HEIGHT - _TL_TOP - _TL_BOTTOM
    step = plot_w / float(len(timeline))
    bar_w = max(1.0, step * 0.8)
    bucket = history.get("bucket")
    parts = ['<svg class="chart timeline" data-chart="timeline" data-bucket="%s" viewBox="0 0 %d %d" role="img" '
             'aria-label="Bans per %s by jail" xmlns="http://www.w3.org/2000/svg">' % (_e(bucket), _TL_WIDTH, _TL_HEIGHT, _e(bucket))]
    base = _TL_TOP + plot_h
    for fraction in (0.0, 0.5, 1.0):
        y = base - plot_h * fraction
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e4e7"/>'
                     '<text class="axis" x="%d" y="%.1f" text-anchor="end" dominant-baseline="central">%s</text>'
                     % (_TL_LEFT, y, _TL_WIDTH - _TL_RIGHT, y, _TL_LEFT - 6, y, _fmt(int(round(peak * fraction)))))
    every = max(1, int(len(timeline) / 8.0 + 0.999))
    points = []
    for index, row in enumerate(timeline):
        x = _TL_LEFT + index * step + (step - bar_w) / 2.0
        y = base
        segments = [(jail, count) for jail, count in row["by_jail"].items() if jail in colours]
        other = sum(count for jail, count in row["by_jail"].items() if jail not in colours)
        if other:
            segments.append((None, other))
        parts.append('<g class="bucket" data-start="%s" data-bans="%d"><title>%s: %s ban%s (%s repeat)</title>'
                     % (_e(row["start"]), row["bans"], _e(row["start"]), _fmt(row["bans"]), "" if row["bans"] == 1 else "s",
                        _fmt(row["repeat_bans"])))
        for jail, count in segments:
            height = plot_h * count / float(peak)
            y -= height
            parts.append('<rect class="tl" data-jail="%s" data-value="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                         % (_e("other" if jail is None else jail), count, x, y, bar_w, height,
                            OTHER_COLOUR if jail is None else colours[jail]))
        parts.append("</g>")
        points.append("%.1f,%.1f" % (x + bar_w / 2.0, base - plot_h * row["repeat_bans"] / float(peak)))
        if index % every == 0:
            parts.append('<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>'
                         % (x + bar_w / 2.0, base + 16, _e(_tick_label(row["start"], bucket))))
    if len(points) > 1:
        parts.append('<polyline class="repeat" points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="5 3"/>'
                     % (" ".join(points), REPEAT_COLOUR))
    parts.append("</svg>")
    legend = ['<span><i style="background:%s"></i>%s</span>' % (colours[jail], _e(jail)) for jail in shown]
    if has_other:
        legend.append('<span><i style="background:%s"></i>other jails</span>' % OTHER_COLOUR)
    legend.append('<span><i class="line"></i>repeat bans (address banned before)</span>')
    return "".join(parts) + '<div class="legend">%s</div>' % "".join(legend)


def _history_sections(report):
    history = report.get("history")
    if not history:
        return []
    totals = history["totals"]
    caption = ("%s bans of %s addresses on %s host%s, %s to %s, per %s; %s addresses banned more than once (%s repeat bans)"
               % (_fmt(totals["bans"]), _fmt(totals["addresses"]), _fmt(totals["hosts"]), "" if totals["hosts"] == 1 else "s",
                  _pretty_time(history.get("first_ban")), _pretty_time(history.get("last_ban")), history.get("bucket") or "day",
                  _fmt(totals["repeat_offenders"]), _fmt(totals["repeat_bans"])))
    sections = ['<section id="timeline" class="wide"><h2>Bans over time</h2><p class="caption">%s. From fail2ban\'s '
                'database on each host: expired and lifted bans included.</p>%s</section>' % (_e(caption), timeline_chart(history))]
    offenders = history.get("repeat_offenders") or []
    if offenders:
        rows = [dict(row, host_count=len(row["hosts"]), first=_pretty_time(row["first_seen"]), last=_pretty_time(row["last_seen"]))
                for row in offenders]
        sections.append(
            '<section id="history-repeat" class="wide"><h2>Repeat offenders over time</h2><p class="caption">Addresses banned '
            'most often in the history, with when they were first and last banned (all of them in history_addresses.csv)</p>'
            '<details><summary>Table (%d addresses)</summary>%s</details></section>'
            % (len(rows), _table([("#", "#", "num"), ("IP", "ip", "mono"), ("Bans", "bans", "num"), ("First seen", "first", ""),
                                  ("Last seen", "last", ""), ("Hosts", "host_count", "num"), ("Banned on", "hosts", "names"),
                                  ("Banned by", "jails", "names")], rows)))
    return sections


def _table(columns, rows):
    """columns: [(heading, key, css class)]."""
    head = "".join('<th class="%s">%s</th>' % (css, _e(heading)) for heading, _key, css in columns)
    body = []
    for rank, row in enumerate(rows, 1):
        cells = []
        for _heading, key, css in columns:
            value = rank if key == "#" else row.get(key)
            if isinstance(value, (list, tuple)):
                value = ", ".join(str(v) for v in value)
            if isinstance(value, float):
                text = _percent(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                text = _fmt(value)
            else:
                text = _e(value)
            cells.append('<td class="%s">%s</td>' % (css, text))
        body.append("<tr>%s</tr>" % "".join(cells))
    return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (head, "".join(body))


def _section(name, title, caption, rows, top_n, columns, wide=False):
    """A chart with its table: folded under the chart, or beside it in a full-width section."""
    shown = rows[:top_n]
    chart_rows = shown
    if name in ("jails", "hosts"):
        chart_rows = [dict(row, label=row[name[:-1]], count=row["banned_ips"]) for row in shown]
    chart = bar_chart(name, chart_rows, title=title)
    if wide:
        body = '<div class="split"><div>%s</div><div>%s</div></div>' % (chart, _table(columns, shown))
    else:
        body = '%s<details><summary>Table (%d of %d)</summary>%s</details>' % (chart, len(shown), len(rows), _table(columns, shown))
    return '<section id="%s" class="%s"><h2>%s</h2><p class="caption">%s</p>%s</section>' % (
        _e(name), "wide" if wide else "", _e(title), _e(caption), body)


def _card(value, name):
    return '<div class="card"><div class="value">%s</div><div class="name">%s</div></div>' % (_fmt(value), _e(name))


def _pretty_time(stamp):
    try:
        moment = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return str(stamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _database_line(report):
    parts = []
    for db in report.get("databases") or []:
        built = ""
        if db.get("build_epoch"):
            built = " built %s" % datetime.datetime.fromtimestamp(
                db["build_epoch"], datetime.timezone.utc).strftime("%Y-%m-%d")
        parts.append("%s%s" % (db.get("database_type"), built))
    if report.get("enrichment"):
        stats = report["enrichment"].get("stats", {})
        parts.append("ipinfo (%s requests, %s from cache)" % (stats.get("requests", 0), stats.get("cache_hits", 0)))
    return "Geolocation: " + (", ".join(parts) if parts else "none (every IP counts as unknown)")


def _is_sample(report):
    return any("sample" in ("%s %s" % (db.get("database_type"), db.get("description"))).lower()
               for db in report.get("databases") or [])


def render_html(report):
    totals = report["totals"]
    tables = report["tables"]
    top_n = report.get("top_n", 20)
    unique = totals["unique_banned_ips"]
    count_columns = [("#", "#", "num"), ("Name", "label", "wrap"), ("Banned IPs", "count", "num"), ("%", "percent", "num")]
    jail_columns = [("#", "#", "num"), ("Jail", "jail", ""), ("Banned IPs", "banned_ips", "num"), ("Hosts", "hosts", "num"),
                    ("Currently banned", "currently_banned", "num"), ("Total banned", "total_banned", "num"),
                    ("Currently failed", "currently_failed", "num"), ("Total failed", "total_failed", "num")]
    host_columns = [("#", "#", "num"), ("Host", "host", ""), ("Banned IPs", "banned_ips", "num"), ("Jails", "jails", "num"),
                    ("Currently banned", "currently_banned", "num"), ("Total banned", "total_banned", "num"),
                    ("fail2ban", "fail2ban_version", ""), ("Read via", "method", "")]

    sections = [
        _section("countries", "Top %d countries" % top_n,
                 "Banned IPs by country: %s countries, %s IPs unknown" % (_fmt(totals["countries"]), _fmt(totals["unknown_country"])),
                 tables["countries"], top_n, count_columns),
        _section("cities", "Top %d cities" % top_n,
                 "Banned IPs by city: %s cities, %s IPs unknown" % (_fmt(totals["cities"]), _fmt(totals["unknown_city"])),
                 tables["cities"], top_n, count_columns),
        _section("organisations", "Top %d organisations" % top_n,
                 "Banned IPs by autonomous system: %s organisations, %s IPs unknown"
                 % (_fmt(totals["organisations"]), _fmt(totals["unknown_organisation"])),
                 tables["organisations"], top_n, count_columns, wide=True),
        _section("jails", "Top %d jails" % top_n,
                 "Distinct IPs banned by each jail, all hosts together (counters are sums over hosts)",
                 tables["jails"], top_n, jail_columns, wide=True),
        _section("hosts", "Top %d hosts" % top_n,
                 "Distinct IPs banned on each host, all jails together",
                 tables["hosts"], top_n, host_columns, wide=True),
    ]

    repeat = sorted((row for row in report.get("ips") or [] if len(row["hosts"]) > 1 or len(row["jails"]) > 1),
                    key=lambda row: (-len(row["hosts"]), -row["bans"], row["ip"]))[:top_n]
    if repeat:
        repeat = [dict(row, host_count=len(row["hosts"]), jail_count=len(row["jails"])) for row in repeat]
        sections.append(
            '<section id="repeat" class="wide"><h2>Repeat offenders</h2><p class="caption">IPs banned on several hosts or by '
            'several jails (%s IPs on more than one host)</p>%s</section>'
            % (_fmt(totals["ips_on_several_hosts"]), _table(
                [("#", "#", "num"), ("IP", "ip", "mono"), ("Hosts", "host_count", "num"), ("Banned on", "hosts", "names"),
                 ("Jails", "jail_count", "num"), ("Banned by", "jails", "names"),
                 ("Country", "country", ""), ("City", "city", ""), ("Organisation", "organisation", "")], repeat)))

    sections = _history_sections(report) + sections
    missing = ""
    history_warnings = (report.get("history") or {}).get("warnings") or []
    if history_warnings:
        missing += '<div class="warning history-warning"><b>Ban history incomplete on %d host(s):</b> %s</div>' % (
            len(set(w["host"] for w in history_warnings)),
            _e("; ".join("%s: %s" % (w["host"], w["warning"]) for w in history_warnings)))
    if report.get("hosts_missing"):
        missing += '<div class="warning"><b>%d host(s) gave no status:</b> %s</div>' % (
            len(report["hosts_missing"]),
            _e("; ".join("%s (%s)" % (m["host"], m["reason"]) for m in report["hosts_missing"])))
    if report.get("protected_banned"):
        missing += '<div class="warning"><b>%d ban(s) of protected addresses:</b> %s</div>' % (
            len(report["protected_banned"]),
            _e("; ".join("%s on %s by %s (protected: %s)" % (row["ip"], row["host"], ", ".join(row["jails"]), row["network"])
                         for row in report["protected_banned"])))
    sample = ""
    if _is_sample(report):
        sample = '<div class="sample">Sample geolocation data: countries, cities and organisations are made up for the demo</div>'

    cards = "".join([
        _card(unique, "unique banned IPs"),
        _card(totals["hosts_reporting"], "hosts reporting" if not totals["hosts_missing"] else "of %d hosts reporting" % totals["hosts"]),
        _card(totals["jails"], "jails"),
        _card(totals["countries"], "countries"),
        _card(totals["organisations"], "organisations"),
        _card(totals["cities"], "cities"),
    ])
    small = (
        '<p class="small-totals">IPv4 <b>%s</b> · IPv6 <b>%s</b> · bans (IP × jail × host) <b>%s</b> · on several hosts <b>%s</b> · '
        'fail2ban counters: currently banned <b>%s</b>, total banned <b>%s</b>, currently failed <b>%s</b>, total failed <b>%s</b></p>'
        % tuple(_fmt(totals[k]) for k in ("ipv4", "ipv6", "bans", "ips_on_several_hosts", "currently_banned",
                                          "total_banned", "currently_failed", "total_failed"))
    )
    generated = _pretty_time(report.get("generated_at"))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Ban report · %s</title><style>%s</style></head><body><main>"
        "<header><h1>Who was banned</h1><p>fail2ban bans on %s host%s · report of <time datetime=\"%s\">%s</time></p>"
        "<p>%s</p>%s%s</header>"
        "<div class=\"cards\">%s</div>%s"
        "<div class=\"grid\">%s</div>"
        "<footer>Made by fortress.nginx ban_report · schema %s · each table counts distinct banned IPs · "
        "full data in report.json and the CSV files beside this page</footer>"
        "</main></body></html>\n"
        % (
            _e(generated), _CSS, _fmt(totals["hosts"]), "" if totals["hosts"] == 1 else "s", _e(report.get("generated_at")),
            _e(generated), _e(_database_line(report)), sample, missing, cards, small, "".join(sections), _e(report.get("schema")),
        )
    )
