# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Merging per-host results, counting by country/organisation/city, and the JSON/CSV/file writers."""
import csv
import io
import json
import datetime
import os
import re

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import (
    BanReportError, CSV_COLUMNS, SCHEMA, build_report, merge_results, protected_networks, render_csv, report_files, run_ban_report, write_files,
)
from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoDatabaseError, GeoLocator

from .geodb import write_asn_db, write_location_db
from .synthetic import status_result

GENERATED = "2026-01-02T03:04:05Z"


def fleet():
    """Three hosts that report, one that did not, one that failed. Known IP placement (see geodb.py):
    198.51.100.x US/Boston/AS64500, 203.0.113.0-127 DE/Berlin/AS64501, 203.0.113.128+ DE/no city/AS64501,
    192.0.2.x JP/Tokyo/no ASN, 2001:db8:1:: FR/Paris/AS64502, 2001:db8:2:: US/Boston/AS64500, 10.x unknown.
    """
    return {
        "web1": status_result({"sshd": ["198.51.100.1", "198.51.100.2", "10.0.0.9"],
                               "nginx-4xx": ["198.51.100.1", "203.0.113.5"]}),
        "web2": status_result({"sshd": ["198.51.100.1", "2001:db8:1::1"],
                               "nginx-botsearch": ["203.0.113.200", "192.0.2.7", "2001:db8:2::2"]},
                              version="1.1.0", method="cli"),
        "web3": status_result({"sshd": []}),
        "web4": None,
        "web5": {"failed": True, "msg": "fail2ban is not running"},
    }


@pytest.fixture
def locator(tmp_path):
    loc = GeoLocator.from_paths(write_location_db(tmp_path / "city.mmdb"), write_asn_db(tmp_path / "asn.mmdb"))
    yield loc
    loc.close()


def table(report, name, key="key", value="count"):
    return dict((row[key], row[value]) for row in report["tables"][name])


def test_merge_records_which_hosts_and_jails_banned_each_ip():
    merged = merge_results(fleet())
    by_ip = dict((ip, dict((h, sorted(j)) for h, j in e["banned_by"].items())) for ip, e in merged["ips"].items())
    assert by_ip["198.51.100.1"] == {"web1": ["nginx-4xx", "sshd"], "web2": ["sshd"]}
    assert by_ip["203.0.113.5"] == {"web1": ["nginx-4xx"]}
    assert len(by_ip) == 8
    assert merged["hosts_missing"] == [
        {"host": "web4", "reason": "no fail2ban_status result (host unreachable, failed or skipped)"},
        {"host": "web5", "reason": "fail2ban_status failed: fail2ban is not running"},
    ]
    assert merged["hosts"]["web1"]["banned_ips"] == 4
    assert merged["hosts"]["web2"]["method"] == "cli"
    assert merged["jails"]["sshd"]["hosts"] == 3
    assert merged["jails"]["sshd"]["banned_ips"] == 4


def test_report_counts_by_country_organisation_and_city(locator):
    report = build_report(fleet(), locator=locator, generated_at=GENERATED)
    assert table(report, "countries") == {"US": 3, "DE": 2, "JP": 1, "FR": 1, "unknown": 1}
    assert table(report, "organisations") == {
        "AS64500 Example Hosting LLC": 3, "AS64501 Beispiel Netz GmbH": 2, "AS64502 Exemple Cloud SAS": 1, "unknown": 2}
    assert table(report, "cities") == {"Boston, US": 3, "Berlin, DE": 1, "Tokyo, JP": 1, "Paris, FR": 1, "unknown": 2}
    assert table(report, "cities", value="label")["Boston, US"] == "Boston (US)"
    assert table(report, "countries", value="label")["US"] == "United States (US)"
    # Order: most IPs first, unknown after known rows of the same count, then by name.
    assert [r["key"] for r in report["tables"]["countries"]] == ["US", "DE", "FR", "JP", "unknown"]
    assert table(report, "jails", key="jail", value="banned_ips") == {"sshd": 4, "nginx-4xx": 2, "nginx-botsearch": 3}
    assert table(report, "hosts", key="host", value="banned_ips") == {"web1": 4, "web2": 5, "web3": 0}
    assert report["tables"]["countries"][0]["percent"] == 37.5


def test_report_totals(locator):
    totals = build_report(fleet(), locator=locator, generated_at=GENERATED)["totals"]
    assert totals == {
        "hosts": 5, "hosts_reporting": 3, "hosts_missing": 2, "jails": 3,
        "unique_banned_ips": 8, "ipv4": 6, "ipv6": 2, "bans": 10, "ips_on_several_hosts": 1,
        "countries": 4, "organisations": 3, "cities": 4,
        "unknown_country": 1, "unknown_organisation": 2, "unknown_city": 2, "protected_banned": 0,
        # status_result's counters: currently_failed len%3, total_failed len*5, banned len, total len*2
        "currently_failed": 0 + 2 + 2 + 0 + 0, "total_failed": 50, "currently_banned": 10, "total_banned": 20,
    }


def test_every_ip_is_listed_with_its_hosts_jails_and_place(locator):
    report = build_report(fleet(), locator=locator, generated_at=GENERATED)
    ips = dict((row["ip"], row) for row in report["ips"])
    assert [row["ip"] for row in report["ips"]] == [
        "10.0.0.9", "192.0.2.7", "198.51.100.1", "198.51.100.2", "203.0.113.5", "203.0.113.200", "2001:db8:1::1", "2001:db8:2::2"]
    row = ips["198.51.100.1"]
    assert row["hosts"] == ["web1", "web2"]
    assert row["jails"] == ["nginx-4xx", "sshd"]
    assert row["banned_by"] == {"web1": ["nginx-4xx", "sshd"], "web2": ["sshd"]}
    assert row["bans"] == 3
    assert (row["country_code"], row["city"], row["asn"], row["version"]) == ("US", "Boston", 64500, 4)
    assert ips["10.0.0.9"]["country_code"] == "unknown"


def test_without_databases_every_ip_is_unknown_and_still_counted():
    report = build_report(fleet(), generated_at=GENERATED)
    assert table(report, "countries") == {"unknown": 8}
    assert table(report, "organisations") == {"unknown": 8}
    assert report["totals"]["countries"] == 0
    assert report["databases"] == []


def test_report_schema_fields(locator):
    report = build_report(fleet(), locator=locator, generated_at=GENERATED, top_n=2)
    assert report["schema"] == SCHEMA
    assert report["generated_at"] == GENERATED
    assert report["top_n"] == 2
    assert set(report["tables"]) == {"countries", "organisations", "cities", "jails", "hosts"}
    assert [d["role"] for d in report["databases"]] == ["location", "asn"]
    # Tables in the JSON are complete; only the HTML shows top_n rows.
    assert len(report["tables"]["countries"]) == 5


def test_top_level_banned_ips_cover_results_without_jail_details():
    result = {"fail2ban_version": "0.11.2", "method": "cli", "jails": {},
              "banned_ips": [{"ip": "192.0.2.1", "jails": ["sshd"]}, {"ip": "192.0.2.2", "jails": []}]}
    report = build_report({"old": result}, generated_at=GENERATED)
    assert dict((r["ip"], r["banned_by"]) for r in report["ips"]) == {
        "192.0.2.1": {"old": ["sshd"]}, "192.0.2.2": {"old": ["unknown"]}}


def test_ban_times_give_first_ban_and_last_end():
    result = status_result({"sshd": ["192.0.2.1"], "ufw": ["192.0.2.1"]}, bans={
        "sshd": [{"ip": "192.0.2.1", "start": 200, "end": 800}],
        "ufw": [{"ip": "192.0.2.1", "start": 100, "end": 700}]})
    row = build_report({"h": result}, generated_at=GENERATED)["ips"][0]
    assert (row["first_ban"], row["last_ban_end"]) == (100, 800)


def test_same_jail_name_on_several_hosts_adds_counters():
    report = build_report({"a": status_result({"sshd": ["192.0.2.1", "192.0.2.2"]}),
                           "b": status_result({"sshd": ["192.0.2.2", "192.0.2.3", "192.0.2.4"]})}, generated_at=GENERATED)
    sshd = report["tables"]["jails"][0]
    assert (sshd["jail"], sshd["hosts"], sshd["banned_ips"], sshd["currently_banned"], sshd["total_banned"]) == ("sshd", 2, 4, 5, 10)


def test_bad_input_is_refused():
    with pytest.raises(BanReportError, match="must map host names"):
        merge_results(["web1"])
    with pytest.raises(BanReportError, match="top_n"):
        build_report({}, top_n=0)


def test_empty_fleet_makes_an_empty_report():
    report = build_report({}, generated_at=GENERATED)
    assert report["totals"]["unique_banned_ips"] == 0
    assert report["ips"] == []
    files = report_files(report)
    assert "No banned IPs" in files["report.html"]
    assert json.loads(files["report.json"]) == report
    assert files["ips.csv"] == ",".join('"%s"' % column for column in CSV_COLUMNS["ips"]) + "\n"


def test_csv_files_have_one_row_per_table_row(locator):
    report = build_report(fleet(), locator=locator, generated_at=GENERATED)
    files = report_files(report, formats=("csv",))
    assert sorted(files) == ["cities.csv", "countries.csv", "history_addresses.csv", "history_hosts.csv",
                             "history_timeline.csv", "history_timeline_jails.csv", "hosts.csv", "ips.csv", "jails.csv", "organisations.csv"]
    rows = list(csv.DictReader(io.StringIO(files["countries.csv"])))
    assert [(r["key"], r["count"]) for r in rows] == [("US", "3"), ("DE", "2"), ("FR", "1"), ("JP", "1"), ("unknown", "1")]
    ips = list(csv.DictReader(io.StringIO(files["ips.csv"])))
    assert len(ips) == 8
    assert [r for r in ips if r["ip"] == "198.51.100.1"][0]["hosts"] == "web1 web2"
    assert list(csv.reader(io.StringIO(files["jails.csv"])))[0] == list(CSV_COLUMNS["jails"])


def test_csv_cells_cannot_become_spreadsheet_formulas():
    text = render_csv([{"key": "=HYPERLINK(\"x\")", "label": "+1", "count": 3, "percent": 1.0}], CSV_COLUMNS["countries"])
    assert text.splitlines()[1] == '"\'=HYPERLINK(""x"")","\'+1","3","1.0"'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_every_formula_start_is_neutralised(start):
    text = render_csv([{"key": start + "cmd|' /C calc'!A0", "label": "ok", "count": 1, "percent": 1.0}],
                      CSV_COLUMNS["countries"])
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert rows[1][0].startswith("'")
    assert rows[1][1:] == ["ok", "1", "1.0"]


# Every character some reader takes as the end of a line or row, and other controls.
CONTROLS = ["\r", "\n", "\r\n", "\x00", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_cannot_split_a_row(control):
    rows = [{"key": "a%sb" % control, "label": "x%s=1+1" % control, "count": 2, "percent": 50.0},
            {"key": "c", "label": "d", "count": 1, "percent": 25.0}]
    text = render_csv(rows, CSV_COLUMNS["countries"])
    # Read as lines by the dumbest reader, and by a CSV reader: three rows either way.
    assert len(text.splitlines()) == 3
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[0] for row in parsed] == ["key", "a" + "\ufffd" * len(control) + "b", "c"]
    assert parsed[1][1] == "x" + "\ufffd" * len(control) + "=1+1"
    assert not any(char in text[:-1].replace("\n", "") for char in CONTROLS)


def test_every_cell_is_quoted_whatever_its_type():
    text = render_csv([{"ip": "192.0.2.1", "version": 4, "country_code": None, "country": "Land, with comma",
                        "city": 'Say "hi"', "asn": -1, "organisation": True, "hosts": ["web1", "web2"],
                        "jails": [], "bans": 2.5, "source": {"odd": "type"}}], CSV_COLUMNS["ips"])
    header, line = text.splitlines()
    cell = '"(?:[^"]|"")*"'
    for row in (header, line):
        assert re.fullmatch("%s(,%s)*" % (cell, cell), row), row
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "192.0.2.1", "4", "", "Land, with comma", 'Say "hi"', "-1", "True", "web1 web2", "", "2.5", "{'odd': 'type'}"]


def test_hostile_names_from_hosts_and_jails_stay_cells(locator):
    results = {"web\r1": status_result({"=cmd\rsshd": ["198.51.100.1"], "\tjail": ["203.0.113.5"]})}
    files = report_files(build_report(results, locator=locator, generated_at=GENERATED), formats=("csv",))
    for name, text in files.items():
        assert "\r" not in text and "\t" not in text, name
        rows = list(csv.reader(io.StringIO(text)))
        assert all(len(row) == len(rows[0]) for row in rows), name
    jails = list(csv.DictReader(io.StringIO(files["jails.csv"])))
    assert sorted(row["jail"] for row in jails) == ["'=cmd\ufffdsshd", "'\ufffdjail"]
    hosts = list(csv.DictReader(io.StringIO(files["hosts.csv"])))
    assert [row["host"] for row in hosts] == ["web\ufffd1"]
    assert len(list(csv.DictReader(io.StringIO(files["ips.csv"])))) == 2


def test_json_round_trips(locator):
    report = build_report(fleet(), locator=locator, generated_at=GENERATED)
    assert json.loads(report_files(report, formats=("json",))["report.json"]) == report


def test_write_files_reports_changes_and_honours_check_mode(tmp_path):
    out = tmp_path / "out"
    assert write_files({"a.txt": "one"}, str(out), check_mode=True) == ["a.txt"]
    assert not out.exists()
    assert write_files({"a.txt": "one", "b.txt": "two"}, str(out)) == ["a.txt", "b.txt"]
    assert write_files({"a.txt": "one", "b.txt": "two"}, str(out)) == []
    assert write_files({"a.txt": "three"}, str(out)) == ["a.txt"]
    assert (out / "a.txt").read_text() == "three"
    assert sorted(os.listdir(str(out))) == ["a.txt", "b.txt"]  # no temporary files left


def test_write_files_streams_from_writer_functions(tmp_path):
    out = tmp_path / "out"
    assert write_files({"big.txt": lambda handle: [handle.write("line %d\n" % i) for i in range(1000)]}, str(out)) == ["big.txt"]
    assert (out / "big.txt").read_text().count("\n") == 1000
    assert write_files({"big.txt": "".join("line %d\n" % i for i in range(1000))}, str(out)) == []


def params(tmp_path, **extra):
    base = {"results": fleet(), "output_dir": str(tmp_path / "report"), "city_db": write_location_db(tmp_path / "c.mmdb"),
            "asn_db": write_asn_db(tmp_path / "a.mmdb"), "top_n": 20, "formats": ["html", "json", "csv"],
            "ipinfo_token": None, "ipinfo_mode": "unknown", "ipinfo_cache": None, "ipinfo_max_requests": 1000,
            "ipinfo_requests_per_second": 2.0, "ipinfo_cache_days": 30}
    base.update(extra)
    return base


def test_run_writes_every_file(tmp_path):
    result = run_ban_report(params(tmp_path), generated_at=GENERATED)
    assert result["changed"] is True
    assert sorted(os.listdir(result["output_dir"])) == [
        ".ban_report_state.json", "cities.csv", "countries.csv", "history_addresses.csv", "history_hosts.csv",
        "history_timeline.csv", "history_timeline_jails.csv", "hosts.csv", "ips.csv", "jails.csv",
        "organisations.csv", "report.html", "report.json"]
    assert result["totals"]["unique_banned_ips"] == 8
    assert result["top"]["countries"][0]["key"] == "US"
    assert [h["host"] for h in result["hosts_missing"]] == ["web4", "web5"]
    again = run_ban_report(params(tmp_path), generated_at=GENERATED)
    assert (again["changed"], again["changed_files"]) == (False, [])


def test_run_in_check_mode_writes_nothing(tmp_path):
    result = run_ban_report(params(tmp_path), check_mode=True, generated_at=GENERATED)
    assert result["changed"] is True and "report.html" in result["changed_files"]
    assert not os.path.exists(result["output_dir"])


def test_run_with_only_some_formats(tmp_path):
    result = run_ban_report(params(tmp_path, formats=["json"]), generated_at=GENERATED)
    assert sorted(os.listdir(result["output_dir"])) == [".ban_report_state.json", "report.json"]
    assert result["html"] is None


def test_run_reports_database_errors(tmp_path):
    with pytest.raises(GeoDatabaseError, match="asn_db: .* is a 'GeoLite2-City' database"):
        run_ban_report(params(tmp_path, asn_db=write_location_db(tmp_path / "x.mmdb")))
    with pytest.raises(GeoDatabaseError, match="does not exist"):
        run_ban_report(params(tmp_path, city_db=str(tmp_path / "missing.mmdb")))


def test_run_refuses_a_file_as_output_dir(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(BanReportError, match="not a directory"):
        run_ban_report(params(tmp_path, output_dir=str(tmp_path / "file")))


def test_run_needs_results_outside_the_action_plugin(tmp_path):
    with pytest.raises(BanReportError, match="results is required"):
        run_ban_report(params(tmp_path, results=None))


def test_ban_times_in_different_formats_do_not_break_the_report():
    a = status_result({"sshd": ["192.0.2.1"]}, bans={"sshd": [{"ip": "192.0.2.1", "start": "2026-11-26 11:56:15", "end": None}]})
    b = status_result({"sshd": ["192.0.2.1"]}, bans={"sshd": [{"ip": "192.0.2.1", "start": 100, "end": 200}]})
    row = build_report({"a": a, "b": b}, generated_at=GENERATED)["ips"][0]
    assert (row["first_ban"], row["last_ban_end"]) == ("2026-11-26 11:56:15", 200)


def test_long_failure_messages_are_shortened():
    merged = merge_results({"x": {"unreachable": True, "msg": "Failed to connect\n" + "detail " * 100},
                            "y": {"failed": True, "msg": "z" * 500}})
    assert merged["hosts_missing"][0]["reason"] == "unreachable: Failed to connect"
    assert len(merged["hosts_missing"][1]["reason"]) == len("fail2ban_status failed: ") + 160


def test_a_later_run_with_the_same_bans_changes_nothing(tmp_path):
    """A scheduled report is idempotent: same content, later time -> no file changes, the earlier time kept."""
    first = run_ban_report(params(tmp_path), generated_at=GENERATED)
    later = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    again = run_ban_report(params(tmp_path), generated_at=later)
    assert (again["changed"], again["changed_files"]) == (False, [])
    assert again["generated_at"] == first["generated_at"]


def test_a_later_run_with_other_bans_is_a_change_with_its_own_time(tmp_path):
    run_ban_report(params(tmp_path), generated_at=GENERATED)
    later = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    fewer = params(tmp_path)
    fewer["results"] = dict(list(fewer["results"].items())[:1])
    again = run_ban_report(fewer, generated_at=later)
    assert again["changed"] is True and "report.json" in again["changed_files"]
    assert again["generated_at"].startswith("2031-01-02T03:04:05")


@pytest.mark.parametrize("damage", ["", "not json", "[1, 2]", '{"digest": 5, "generated_at": []}'])
def test_a_damaged_state_file_only_costs_a_rewrite(tmp_path, damage):
    first = run_ban_report(params(tmp_path), generated_at=GENERATED)
    with open(os.path.join(first["output_dir"], ".ban_report_state.json"), "w") as handle:
        handle.write(damage)
    later = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    again = run_ban_report(params(tmp_path), generated_at=later)
    assert again["changed"] is True
    assert again["generated_at"].startswith("2031-01-02T03:04:05")
    # and the state is whole again: the next run is idempotent
    assert run_ban_report(params(tmp_path), generated_at=GENERATED)["changed"] is False


def test_protected_addresses_banned_anyway_are_listed_per_host(locator):
    report = build_report(fleet(), locator=locator, generated_at=GENERATED,
                          protected=protected_networks(["198.51.100.0/30"], "protected"),
                          protected_by_host={"web2": protected_networks(["2001:db8:2::2", "10.0.0.9"], "web2")})
    assert report["protected_banned"] == [
        {"ip": "198.51.100.1", "host": "web1", "jails": ["nginx-4xx", "sshd"], "network": "198.51.100.0/30"},
        {"ip": "198.51.100.1", "host": "web2", "jails": ["sshd"], "network": "198.51.100.0/30"},
        {"ip": "198.51.100.2", "host": "web1", "jails": ["sshd"], "network": "198.51.100.0/30"},
        # 10.0.0.9 is banned on web1, which does not protect it: only web2 does.
        {"ip": "2001:db8:2::2", "host": "web2", "jails": ["nginx-botsearch"], "network": "2001:db8:2::2"},
    ]
    assert report["totals"]["protected_banned"] == 4


@pytest.mark.parametrize("entry", ["not-an-ip", "10.0.0.0/33", "", "198.51.100.1, 10.0.0.1"])
def test_a_protected_entry_that_is_no_address_is_refused(entry):
    with pytest.raises(BanReportError, match="protected: .* is not an IP address or network"):
        protected_networks([entry], "protected")


def test_no_protected_address_no_row(locator):
    assert build_report(fleet(), locator=locator, generated_at=GENERATED)["protected_banned"] == []
