# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ipinfo enrichment with a fake HTTP fetch: cache, rate limit, cap, privacy, errors. No traffic is sent."""
import json

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import build_report, run_ban_report
from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoLocator, empty_location
from ansible_collections.fortress.nginx.plugins.module_utils.geo_ipinfo import IpinfoEnricher, parse_ipinfo

from .geodb import write_asn_db, write_location_db
from .synthetic import status_result

ANSWERS = {
    "8.8.8.8": {"ip": "8.8.8.8", "city": "Mountain View", "country": "US", "org": "AS15169 Google LLC"},
    "1.1.1.1": {"ip": "1.1.1.1", "city": "Brisbane", "country": "AU", "org": "AS13335 Cloudflare, Inc."},
    "9.9.9.9": {"ip": "9.9.9.9", "country": "CH", "org": "Quad9 without AS"},
}


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class FakeFetch(object):
    def __init__(self, status=200):
        self.calls = []
        self.status = status

    def __call__(self, url, headers, timeout):
        self.calls.append((url, headers, timeout))
        ip = url.split("/")[-2]
        if self.status != 200:
            return self.status, b'{"error": "rate limited"}'
        return 200, json.dumps(ANSWERS.get(ip, {"ip": ip})).encode()


def enricher(tmp_path, fetch, clock=None, **kwargs):
    clock = clock or FakeClock()
    return IpinfoEnricher("secret-token", cache_path=str(tmp_path / "cache.json"), fetch=fetch,
                          clock=clock.clock, sleep=clock.sleep, **kwargs)


def test_parse_ipinfo_splits_the_as_number():
    assert parse_ipinfo(ANSWERS["8.8.8.8"]) == {
        "country_code": "US", "country": "US", "city": "Mountain View",
        "asn": 15169, "as_organization": "Google LLC", "organisation": "AS15169 Google LLC"}
    assert parse_ipinfo(ANSWERS["9.9.9.9"])["organisation"] == "Quad9 without AS"
    assert parse_ipinfo({}) == {}


def test_token_goes_in_a_header_not_the_url(tmp_path):
    fetch = FakeFetch()
    enricher(tmp_path, fetch).lookup("8.8.8.8")
    url, headers, _timeout = fetch.calls[0]
    assert url == "https://ipinfo.io/8.8.8.8/json"
    assert "secret-token" not in url
    assert headers["Authorization"] == "Bearer secret-token"


def test_answers_are_cached_on_disk(tmp_path):
    fetch = FakeFetch()
    first = enricher(tmp_path, fetch)
    first.lookup("8.8.8.8")
    first.lookup("8.8.8.8")
    first.save()
    assert (len(fetch.calls), first.stats["cache_hits"]) == (1, 1)
    second = enricher(tmp_path, fetch)
    assert second.lookup("8.8.8.8")["city"] == "Mountain View"
    assert len(fetch.calls) == 1
    assert second.stats == {"requests": 0, "cache_hits": 1, "errors": 0, "not_public": 0, "over_limit": 0}


def test_expired_cache_entries_are_asked_again(tmp_path):
    fetch = FakeFetch()
    clock = FakeClock()
    first = enricher(tmp_path, fetch, clock, cache_days=1)
    first.lookup("8.8.8.8")
    first.save()
    clock.now += 2 * 86400
    enricher(tmp_path, fetch, clock, cache_days=1).lookup("8.8.8.8")
    assert len(fetch.calls) == 2


def test_requests_are_spaced_by_the_rate_limit(tmp_path):
    clock = FakeClock()
    e = enricher(tmp_path, FakeFetch(), clock, requests_per_second=4)
    for ip in ("8.8.8.8", "1.1.1.1", "9.9.9.9"):
        e.lookup(ip)
    assert clock.sleeps == [0.25, 0.25]


def test_request_cap(tmp_path):
    fetch = FakeFetch()
    e = enricher(tmp_path, fetch, max_requests=2)
    results = [e.lookup(ip) for ip in ("8.8.8.8", "1.1.1.1", "9.9.9.9")]
    assert results[2] is None
    assert (len(fetch.calls), e.stats["over_limit"]) == (2, 1)


@pytest.mark.parametrize("ip", ["10.1.2.3", "172.18.0.2", "192.168.1.1", "127.0.0.1", "fd00::1", "192.0.2.1", "garbage"])
def test_private_and_reserved_addresses_are_never_sent(tmp_path, ip):
    fetch = FakeFetch()
    assert enricher(tmp_path, fetch).lookup(ip) is None
    assert fetch.calls == []


def test_http_errors_are_recorded_not_raised(tmp_path):
    e = enricher(tmp_path, FakeFetch(status=429))
    assert e.lookup("8.8.8.8") is None
    assert e.stats["errors"] == 1
    assert e.errors == ["8.8.8.8: HTTP status 429"]


def test_damaged_cache_is_ignored(tmp_path):
    (tmp_path / "cache.json").write_text("{not json")
    fetch = FakeFetch()
    assert enricher(tmp_path, fetch).lookup("8.8.8.8")["country_code"] == "US"


def test_enrich_fills_only_unknown_fields(tmp_path):
    record = empty_location()
    record.update({"country_code": "NL", "country": "Netherlands", "source": "offline"})
    assert enricher(tmp_path, FakeFetch()).enrich("8.8.8.8", record) is True
    assert (record["country_code"], record["city"], record["organisation"], record["source"]) == (
        "NL", "Mountain View", "AS15169 Google LLC", "offline+ipinfo")


def test_a_token_is_required():
    with pytest.raises(ValueError):
        IpinfoEnricher("")


def test_report_asks_ipinfo_only_for_what_databases_did_not_place(tmp_path):
    fetch = FakeFetch()
    loc = GeoLocator.from_paths(write_location_db(tmp_path / "c.mmdb"), write_asn_db(tmp_path / "a.mmdb"))
    results = {"h": status_result({"sshd": ["198.51.100.1", "8.8.8.8", "1.1.1.1", "10.0.0.1"]})}
    report = build_report(results, locator=loc, enricher=enricher(tmp_path, fetch), generated_at="2026-01-01T00:00:00Z")
    loc.close()
    assert sorted(call[0].split("/")[-2] for call in fetch.calls) == ["1.1.1.1", "8.8.8.8"]
    countries = dict((r["key"], r["count"]) for r in report["tables"]["countries"])
    assert countries == {"US": 2, "AU": 1, "unknown": 1}
    assert report["enrichment"]["stats"]["requests"] == 2
    assert report["enrichment"]["stats"]["not_public"] == 1
    assert json.loads((tmp_path / "cache.json").read_text()).keys() == {"1.1.1.1", "8.8.8.8"}


def test_check_mode_sends_no_request(tmp_path):
    fetch = FakeFetch()
    params = {"results": {"h": status_result({"sshd": ["8.8.8.8"]})}, "output_dir": str(tmp_path / "out"),
              "city_db": None, "asn_db": None, "top_n": 20, "formats": ["json"], "ipinfo_token": "t",
              "ipinfo_mode": "unknown", "ipinfo_cache": str(tmp_path / "c.json"), "ipinfo_max_requests": 10,
              "ipinfo_requests_per_second": 100.0, "ipinfo_cache_days": 30}
    result = run_ban_report(params, check_mode=True, fetch=fetch)
    assert fetch.calls == []
    assert result["enrichment"]["stats"]["over_limit"] == 1
    run_ban_report(params, fetch=fetch)
    assert len(fetch.calls) == 1


# ---- answers and cache entries of any shape (issue #10): the report never fails -------------

class RawFetch(object):
    """Answers every request with the same raw body (bytes, text or something else entirely)."""

    def __init__(self, body, status=200):
        self.body = body
        self.status = status
        self.calls = []

    def __call__(self, url, headers, timeout):
        self.calls.append(url)
        return self.status, self.body


MALFORMED_BODIES = {
    "list": b"[]",
    "list of answers": b'[{"country": "US"}]',
    "number": b"42",
    "json null": b"null",
    "string": b'"US"',
    "boolean": b"true",
    "NaN": b"NaN",
    "empty body": b"",
    "not utf-8": b"\xff\xfe{\x00}",
    "not utf-8 inside a string": b'{"city": "\xff\xfe"}',
    "deeply nested": b"[" * 100000 + b"]" * 100000,
    "huge": b'{"city": "' + b"x" * (1 << 20) + b'"}',
    "not text at all": None,
    "a number instead of a body": 12,
}


@pytest.mark.parametrize("body", sorted(MALFORMED_BODIES), ids=str)
def test_malformed_answers_are_errors_not_failures(tmp_path, body):
    e = enricher(tmp_path, RawFetch(MALFORMED_BODIES[body]))
    assert e.lookup("8.8.8.8") is None
    assert e.stats["errors"] == 1
    assert len(e.errors) == 1 and e.errors[0].startswith("8.8.8.8: ") and len(e.errors[0]) < 250
    e.save()  # nothing usable was cached
    assert not (tmp_path / "cache.json").exists()


def is_usable_text(value):
    return isinstance(value, str) and 0 < len(value) <= 200 and value.isprintable()


# A field of the wrong type or shape: dropped, and named in the error; the usable fields are kept.
MALFORMED_FIELDS = [
    {"country": 5},
    {"country": ["US"]},
    {"country": {"code": "US"}},
    {"country": True},
    {"country": "USA"},
    {"country": "U1"},
    {"country": ""},
    {"country": "U\u0000"},
    {"country_name": 7},
    {"country_name": {"en": "Germany"}},
    {"city": ["Paris"]},
    {"city": "x" * 5000},
    {"city": "Line\nbreak"},
    {"city": "\ud800"},
    {"city": 3.5},
    {"city": "   "},
    {"org": 15169},
    {"org": ["AS15169", "Google"]},
    {"org": {"asn": 15169}},
    {"org": "AS15169\r\nGoogle"},
]


@pytest.mark.parametrize("fields", MALFORMED_FIELDS, ids=lambda fields: repr(fields)[:40])
def test_unusable_fields_are_dropped_and_reported(tmp_path, fields):
    answer = {"ip": "8.8.8.8", "country": "DE", "city": "Berlin", "org": "AS64501 Example"}
    answer.update(fields)
    e = enricher(tmp_path, RawFetch(json.dumps(answer).encode()))
    found = e.lookup("8.8.8.8")
    bad = sorted(fields)[0]
    assert e.stats["errors"] == 1
    assert e.errors == ["8.8.8.8: unusable field(s) in the answer: %s" % bad]
    expected = {"country_code": "DE", "country": "DE", "city": "Berlin", "asn": 64501,
                "as_organization": "Example", "organisation": "AS64501 Example"}
    if bad in ("country", "country_name"):
        expected.pop("country_code")
        expected.pop("country")
    if bad == "city":
        expected.pop("city")
    if bad == "org":
        for field in ("asn", "as_organization", "organisation"):
            expected.pop(field)
    if bad == "country_name":
        expected.update({"country_code": "DE", "country": "DE"})
    assert found == expected
    # What is cached is what was usable: the next run reads it back without an error.
    e.save()
    again = enricher(tmp_path, RawFetch(b"never asked"))
    assert again.lookup("8.8.8.8") == expected
    assert again.stats["errors"] == 0 and again.stats["cache_hits"] == 1


@pytest.mark.parametrize("org, expected", [
    # Digits str.isdigit() takes and int() refuses, or more digits than int() converts.
    ("AS\u00b2\u00b3 Superscript", {"as_organization": "AS\u00b2\u00b3 Superscript", "organisation": "AS\u00b2\u00b3 Superscript"}),
    ("AS" + "9" * 150 + " Long", {"as_organization": "AS" + "9" * 150 + " Long", "organisation": "AS" + "9" * 150 + " Long"}),
    ("AS99999999999 Beyond 32 bits", {"as_organization": "AS99999999999 Beyond 32 bits",
                                      "organisation": "AS99999999999 Beyond 32 bits"}),
    ("as64500  Lower case", {"asn": 64500, "as_organization": "Lower case", "organisation": "AS64500 Lower case"}),
    ("AS64500", {"asn": 64500, "as_organization": "unknown", "organisation": "AS64500"}),
])
def test_as_numbers_are_read_only_when_they_are_numbers(org, expected):
    assert parse_ipinfo({"org": org}) == expected


@pytest.mark.parametrize("answer", [None, [], 5, "US", True, [{"country": "US"}], {"country": None}])
def test_parse_ipinfo_takes_any_shape(answer):
    assert parse_ipinfo(answer) == {}


NOW = 1000.0

# Cache entries of every wrong shape: each is asked again, none fails the report.
MALFORMED_CACHE_ENTRIES = {
    "list": [],
    "number": 5,
    "string": "US",
    "json null": None,
    "no answer": {"fetched_at": NOW},
    "answer is a list": {"fetched_at": NOW, "answer": ["US"]},
    "answer is a string": {"fetched_at": NOW, "answer": "US"},
    "answer is null": {"fetched_at": NOW, "answer": None},
    "no time": {"answer": {"country": "AU"}},
    "time is text": {"fetched_at": "yesterday", "answer": {"country": "AU"}},
    "time is null": {"fetched_at": None, "answer": {"country": "AU"}},
    "time is a boolean": {"fetched_at": True, "answer": {"country": "AU"}},
    "time is a list": {"fetched_at": [NOW], "answer": {"country": "AU"}},
    "time is infinite": {"fetched_at": float("inf"), "answer": {"country": "AU"}},
    "time is NaN": {"fetched_at": float("nan"), "answer": {"country": "AU"}},
    "time beyond a float": {"fetched_at": 10 ** 400, "answer": {"country": "AU"}},
    "time in the future": {"fetched_at": NOW + 86400, "answer": {"country": "AU"}},
}


@pytest.mark.parametrize("shape", sorted(MALFORMED_CACHE_ENTRIES), ids=str)
def test_malformed_cache_entries_are_asked_again(tmp_path, shape):
    (tmp_path / "cache.json").write_text(json.dumps({"8.8.8.8": MALFORMED_CACHE_ENTRIES[shape]}))
    fetch = FakeFetch()
    e = enricher(tmp_path, fetch)
    assert e.lookup("8.8.8.8")["country_code"] == "US"
    assert len(fetch.calls) == 1
    assert e.stats["errors"] == 0
    e.save()
    assert json.loads((tmp_path / "cache.json").read_text())["8.8.8.8"]["answer"]["country"] == "US"


def test_a_cache_entry_with_unusable_fields_keeps_the_usable_ones(tmp_path):
    entry = {"fetched_at": NOW, "answer": {"country": 5, "city": "Paris", "org": ["AS1"]}}
    (tmp_path / "cache.json").write_text(json.dumps({"8.8.8.8": entry}))
    fetch = FakeFetch()
    assert enricher(tmp_path, fetch).lookup("8.8.8.8") == {"city": "Paris"}
    assert fetch.calls == []


@pytest.mark.parametrize("content", [
    b"[]", b"null", b"42", b'"cache"', b"\xff\xfe not utf-8", b"[" * 100000, b'{"8.8.8.8": ' * 100000,
], ids=["list", "json null", "number", "string", "not utf-8", "deeply nested list", "deeply nested object"])
def test_a_cache_file_of_another_shape_is_ignored(tmp_path, content):
    (tmp_path / "cache.json").write_bytes(content)
    fetch = FakeFetch()
    assert enricher(tmp_path, fetch).lookup("8.8.8.8")["country_code"] == "US"
    assert len(fetch.calls) == 1


def test_report_with_malformed_answers_and_cache_is_written(tmp_path):
    """The documented promise: enrichment never fails the report, whatever ipinfo or the cache hold."""
    from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import report_files

    bodies = [MALFORMED_BODIES[name] for name in sorted(MALFORMED_BODIES)]
    bodies += [json.dumps(dict({"country": "DE"}, **fields)).encode() for fields in MALFORMED_FIELDS]
    ips = ["8.8.%d.%d" % (n // 250, n % 250 + 1) for n in range(len(bodies))]
    answer_for = dict(zip(ips, bodies))

    def fetch(url, headers, timeout):
        # The damaged cache entries are asked again, and answered well.
        return 200, answer_for.get(url.split("/")[-2], b'{"country": "AU", "city": "Brisbane"}')

    cache = dict(("9.9.9.%d" % (n + 1), entry) for n, entry in enumerate(MALFORMED_CACHE_ENTRIES.values()))
    cache["9.9.9.100"] = {"fetched_at": NOW, "answer": {"country": ["US"], "city": {"x": 1}, "org": 15169}}
    (tmp_path / "cache.json").write_text(json.dumps(cache))
    results = {"h": status_result({"sshd": ips + sorted(cache)})}
    e = enricher(tmp_path, fetch, requests_per_second=1000)
    report = build_report(results, enricher=e, generated_at="2026-01-01T00:00:00Z")
    files = report_files(report)
    assert sorted(files) == ["cities.csv", "countries.csv", "history_addresses.csv", "history_hosts.csv",
                             "history_timeline.csv", "history_timeline_jails.csv", "hosts.csv", "ips.csv", "jails.csv",
                             "organisations.csv", "report.html", "report.json"]
    assert report["totals"]["unique_banned_ips"] == len(ips) + len(cache)
    for row in report["ips"]:
        for field in ("country_code", "country", "city", "organisation"):
            assert is_usable_text(row[field]), (row["ip"], field, row[field])
        assert row["asn"] is None or (isinstance(row["asn"], int) and 0 <= row["asn"] < 2 ** 32)
    # Every answer was faulty; no cache entry counts as an error (a damaged one is asked again).
    assert report["enrichment"]["stats"]["errors"] == len(bodies)
    assert report["enrichment"]["stats"]["requests"] == len(bodies) + len(MALFORMED_CACHE_ENTRIES)
    assert len(report["enrichment"]["errors"]) == 10
