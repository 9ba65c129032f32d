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
