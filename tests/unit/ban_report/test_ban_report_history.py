# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ban history part of the report: timeline, first/last seen, repeat offenders, warnings, the same
data in JSON, CSV and HTML, hostile text escaped, changed only when the content changes (issue #14)."""
import csv
import io
import json
import re

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import build_report, report_files, run_ban_report
from ansible_collections.fortress.nginx.plugins.module_utils.ban_report_history import build_history, iso

from .synthetic import status_result

GENERATED = "2026-01-02T03:04:05Z"
T0 = 1764460800  # 2025-11-30T00:00:00Z


def with_history(result, bans, warnings=(), schema_version=4):
    result = dict(result)
    result["history"] = {"dbfile": "/var/lib/fail2ban/fail2ban.sqlite3", "schema_version": schema_version, "since": None,
                         "columns": ["jail", "ip", "timeofban", "bantime", "bancount"],
                         "bans": [list(ban) for ban in bans], "truncated": False, "warnings": list(warnings)}
    return result


def fleet():
    return {
        "web1": with_history(status_result({"sshd": ["192.0.2.1"]}), [
            ("sshd", "192.0.2.1", T0 + 60, 600, 1),
            ("sshd", "192.0.2.1", T0 + 2 * 3600 + 5, 1200, 2),
            ("nginx-4xx", "198.51.100.9", T0 + 3600 + 1, 600, 1),
        ]),
        "web2": with_history(status_result({"sshd": []}), [
            ("nginx-4xx", "192.0.2.1", T0 + 3600 + 30, 600, 1),
            ("nginx-4xx", "2001:db8::5", T0 + 2 * 3600 + 9, 600, 1),
        ]),
        "web3": with_history(status_result({"sshd": []}), [], warnings=["the database is locked (fail2ban is writing to it)"],
                             schema_version=None),
        "web4": None,
    }


def test_hourly_timeline_by_jail_with_repeat_bans_and_new_addresses():
    history, _addresses = build_history(fleet())
    assert history["bucket"] == "hour" and history["bucket_seconds"] == 3600
    assert history["first_ban"] == iso(T0 + 60) == "2025-11-30T00:01:00Z"
    assert history["last_ban"] == "2025-11-30T02:00:09Z"
    assert [(row["start"], row["bans"], row["repeat_bans"], row["new_addresses"], row["by_jail"]) for row in history["timeline"]] == [
        ("2025-11-30T00:00:00Z", 1, 0, 1, {"sshd": 1}),
        ("2025-11-30T01:00:00Z", 2, 1, 1, {"nginx-4xx": 2}),
        ("2025-11-30T02:00:00Z", 2, 1, 1, {"sshd": 1, "nginx-4xx": 1}),
    ]
    assert history["jails"] == [{"jail": "nginx-4xx", "bans": 3}, {"jail": "sshd", "bans": 2}]
    assert history["totals"] == {"hosts": 3, "bans": 5, "addresses": 3, "repeat_offenders": 1, "repeat_bans": 2}


def test_first_and_last_seen_per_address_across_hosts_and_jails():
    _history, addresses = build_history(fleet())
    assert addresses == [
        ("192.0.2.1", 3, "2025-11-30T00:01:00Z", "2025-11-30T02:00:05Z", ["web1", "web2"], ["sshd", "nginx-4xx"]),
        ("198.51.100.9", 1, "2025-11-30T01:00:01Z", "2025-11-30T01:00:01Z", ["web1"], ["nginx-4xx"]),
        ("2001:db8::5", 1, "2025-11-30T02:00:09Z", "2025-11-30T02:00:09Z", ["web2"], ["nginx-4xx"]),
    ]


def test_repeat_offenders_most_bans_first():
    history, _addresses = build_history(fleet())
    assert [(row["ip"], row["bans"], row["first_seen"], row["last_seen"]) for row in history["repeat_offenders"]] == [
        ("192.0.2.1", 3, "2025-11-30T00:01:00Z", "2025-11-30T02:00:05Z")]


def test_a_long_span_counts_per_day_and_keeps_empty_days():
    results = {"a": with_history(status_result({}), [("sshd", "192.0.2.1", T0 + 10, 600, 1), ("sshd", "192.0.2.2", T0 + 4 * 86400 + 7, 600, 1)])}
    history, _addresses = build_history(results)
    assert history["bucket"] == "day"
    assert [(row["start"], row["bans"]) for row in history["timeline"]] == [
        ("2025-11-30T00:00:00Z", 1), ("2025-12-01T00:00:00Z", 0), ("2025-12-02T00:00:00Z", 0), ("2025-12-03T00:00:00Z", 0),
        ("2025-12-04T00:00:00Z", 1)]


def test_per_host_warnings_are_kept_and_do_not_fail():
    history, _addresses = build_history(fleet())
    assert history["warnings"] == [{"host": "web3", "warning": "the database is locked (fail2ban is writing to it)"}]
    assert [(row["host"], row["bans"], row["schema_version"]) for row in history["hosts"]] == [("web1", 3, 4), ("web2", 2, 4), ("web3", 0, None)]


def test_malformed_history_rows_are_skipped_with_a_warning():
    results = {"a": with_history(status_result({}), [("sshd", "192.0.2.1", T0, 600, 1)])}
    results["a"]["history"]["bans"] += [["sshd"], ["sshd", "192.0.2.2", "not a time"], "garbage"]
    results["b"] = dict(status_result({}), history="not a mapping")
    history, addresses = build_history(results)
    assert len(addresses) == 1
    assert {"host": "a", "warning": "3 history rows were not [jail, ip, time, ...] and were skipped"} in history["warnings"]
    assert {"host": "b", "warning": "the history in the result is not the module's structure"} in history["warnings"]


def test_no_host_asked_for_history_means_no_history():
    report = build_report({"a": status_result({"sshd": ["192.0.2.1"]})}, generated_at=GENERATED)
    assert report["history"] is None and report["history_addresses"] == []
    files = report_files(report)
    assert files["history_timeline.csv"] == '"start","bans","repeat_bans","new_addresses"\n'
    assert 'id="timeline"' not in files["report.html"]


def test_json_and_csv_carry_the_same_history():
    report = build_report(fleet(), generated_at=GENERATED)
    files = report_files(report)
    data = json.loads(files["report.json"])
    assert data["history"]["timeline"] == report["history"]["timeline"]
    assert data["history_addresses"][0] == {"ip": "192.0.2.1", "bans": 3, "first_seen": "2025-11-30T00:01:00Z",
                                            "last_seen": "2025-11-30T02:00:05Z", "hosts": ["web1", "web2"], "jails": ["sshd", "nginx-4xx"]}
    rows = list(csv.DictReader(io.StringIO(files["history_addresses.csv"])))
    assert [(r["ip"], int(r["bans"]), r["first_seen"], r["last_seen"], r["hosts"]) for r in rows] == [
        (a["ip"], a["bans"], a["first_seen"], a["last_seen"], " ".join(a["hosts"])) for a in data["history_addresses"]]
    timeline = list(csv.DictReader(io.StringIO(files["history_timeline.csv"])))
    assert [(r["start"], int(r["bans"]), int(r["repeat_bans"])) for r in timeline] == [
        (r["start"], r["bans"], r["repeat_bans"]) for r in data["history"]["timeline"]]
    by_jail = list(csv.DictReader(io.StringIO(files["history_timeline_jails.csv"])))
    assert sum(int(r["bans"]) for r in by_jail) == data["history"]["totals"]["bans"]
    hosts = list(csv.DictReader(io.StringIO(files["history_hosts.csv"])))
    assert [r["host"] for r in hosts] == ["web1", "web2", "web3"] and "locked" in hosts[2]["warnings"]


def test_html_shows_the_timeline_and_the_warning():
    html = report_files(build_report(fleet(), generated_at=GENERATED), formats=("html",))["report.html"]
    svg = re.search(r'<svg class="chart timeline" data-chart="timeline" data-bucket="hour".*?</svg>', html, re.S).group(0)
    assert re.findall(r'<g class="bucket" data-start="([^"]+)" data-bans="(\d+)"', svg) == [
        ("2025-11-30T00:00:00Z", "1"), ("2025-11-30T01:00:00Z", "2"), ("2025-11-30T02:00:00Z", "2")]
    assert "Ban history incomplete on 1 host(s):</b> web3: the database is locked" in html
    assert "Repeat offenders over time" in html


HOSTILE_JAIL = '<img src=x onerror=alert(1)>"\'&'
HOSTILE_IP = '=cmd|" /C calc"!A0<script>'


def test_hostile_jail_and_address_are_escaped_everywhere():
    results = {"a": with_history(status_result({}), [(HOSTILE_JAIL, HOSTILE_IP, T0, 600, 1), (HOSTILE_JAIL, HOSTILE_IP, T0 + 99, 600, 1)],
                                 warnings=["<b>bold</b> warning"])}
    files = report_files(build_report(results, generated_at=GENERATED))
    html = files["report.html"]
    assert "<img" not in html and "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;" in html
    for name in ("history_addresses.csv", "history_timeline_jails.csv"):
        for row in csv.reader(io.StringIO(files[name])):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), (name, cell)
    rows = list(csv.DictReader(io.StringIO(files["history_addresses.csv"])))
    assert rows[0]["ip"] == "'" + HOSTILE_IP
    assert json.loads(files["report.json"])["history_addresses"][0]["ip"] == HOSTILE_IP


def test_changed_only_when_the_history_changes(tmp_path):
    params = {"results": fleet(), "output_dir": str(tmp_path / "out"), "formats": ["html", "json", "csv"], "top_n": 20}
    first = run_ban_report(params, generated_at="2026-01-01T00:00:00Z")
    again = run_ban_report(params, generated_at="2026-01-01T01:00:00Z")
    assert first["changed"] is True and again["changed"] is False
    params["results"]["web2"]["history"]["bans"].append(["sshd", "203.0.113.4", T0 + 3 * 3600, 600, 1])
    later = run_ban_report(params, generated_at="2026-01-01T02:00:00Z")
    assert later["changed"] is True and "history_addresses.csv" in later["changed_files"]
