"""The probe catalogue (roles/fail2ban_nginx/defaults/main/probes.yml) and its user variables, judged by
the real fail2ban-regex (issue #11): every group is well-formed and names its source, profiles and
exclusions do what docs/filters.md says, and a user's own group is picked up."""

from __future__ import annotations

import re

import pytest

import fail2ban_harness as h

DEFAULTS = h.role_defaults()
CATALOGUE = DEFAULTS["fail2ban_nginx_probe_catalogue_default"]


def test_every_group_is_well_formed_and_names_its_source():
    names = [g["name"] for g in CATALOGUE]
    assert len(names) == len(set(names))
    for g in CATALOGUE:
        assert set(g) <= {"name", "tier", "where", "source", "paths"}, g["name"]
        assert g["tier"] in ("certain", "entry"), g["name"]
        assert g.get("where", "segment") in ("segment", "anywhere"), g["name"]
        assert len(g["source"].strip()) > 20, f"{g['name']}: name the public source"
        assert g["paths"], g["name"]
        for pattern in g["paths"]:
            # fail2ban config text: %% is a literal %
            re.compile(pattern.replace("%%", "%"))
            assert "<" not in pattern and "(?P" not in pattern, (g["name"], pattern)


def test_profiles_name_existing_groups():
    groups = {g["name"] for g in CATALOGUE}
    for name, profile in DEFAULTS["fail2ban_nginx_probe_profiles_default"].items():
        assert set(profile) <= {"exclude", "allow_paths", "allow_methods"}, name
        assert set(profile.get("exclude", [])) <= groups, name
        assert all(m.isupper() for m in profile.get("allow_methods", [])), name


def _bans(tmp_path, overrides, name, lines):
    config = h.make_config_dir(tmp_path / "etc", h.load_filters(overrides))
    log = tmp_path / "x.log"
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {m.line.split(" ", 1)[0] for m in h.run_regex(config, log, name)}


def line(addr, request, status=404):
    return f'{addr} - - [26/Nov/2026:10:00:00 +0000] "{request}" {status} 153 "-" "-"'


WP = [line("192.0.2.1", "GET /wp-login.php HTTP/1.1"), line("192.0.2.2", "POST /xmlrpc.php HTTP/1.1", 403),
      line("192.0.2.3", "GET /wp-config.php.bak HTTP/1.1")]


@pytest.mark.parametrize("overrides, name, want", [
    ({}, "fortress-nginx-botsearch", {"192.0.2.1", "192.0.2.2", "192.0.2.3"}),
    # the WordPress profile: its entry points never count; wp-config.php* stays a secret
    ({"fail2ban_nginx_probe_profiles": ["wordpress"]}, "fortress-nginx-botsearch", {"192.0.2.3"}),
    ({"fail2ban_nginx_probe_profiles": ["wordpress"]}, "fortress-nginx-probe", {"192.0.2.3"}),
    ({"fail2ban_nginx_probe_exclude": ["wordpress"]}, "fortress-nginx-botsearch", {"192.0.2.3"}),
    ({"fail2ban_nginx_probe_allow_paths": ["/wp-login\\.php"]}, "fortress-nginx-botsearch", {"192.0.2.2", "192.0.2.3"}),
])
def test_wordpress_site(tmp_path, overrides, name, want):
    assert _bans(tmp_path, overrides, name, WP) == want


NEXTCLOUD = [line("192.0.2.11", "PROPFIND /remote.php/dav/files/alice/ HTTP/1.1", 207),
             line("192.0.2.12", "REPORT /remote.php/dav/calendars/alice/ HTTP/1.1", 207),
             line("192.0.2.13", "GET /dav/ HTTP/1.1", 404),
             line("192.0.2.14", "TRACE / HTTP/1.1", 405)]


def test_nextcloud_profile(tmp_path):
    assert _bans(tmp_path, {}, "fortress-nginx-protocol", NEXTCLOUD) == {"192.0.2.11", "192.0.2.12", "192.0.2.14"}
    nc = {"fail2ban_nginx_probe_profiles": ["nextcloud"]}
    assert _bans(tmp_path, nc, "fortress-nginx-protocol", NEXTCLOUD) == {"192.0.2.14"}
    assert _bans(tmp_path, nc, "fortress-nginx-botsearch", NEXTCLOUD) == set()


def test_user_group_and_exclusion_of_a_certain_group(tmp_path):
    mine = {"fail2ban_nginx_probe_catalogue": [
        {"name": "old-cms", "tier": "certain", "source": "our own logs of 2026", "paths": ["typo3conf/"]}]}
    lines = [line("192.0.2.21", "GET /typo3conf/LocalConfiguration.php HTTP/1.1", 200),
             line("192.0.2.22", "GET /.git/config HTTP/1.1", 200)]
    assert _bans(tmp_path, mine, "fortress-nginx-probe", lines) == {"192.0.2.21", "192.0.2.22"}
    assert _bans(tmp_path, {"fail2ban_nginx_probe_exclude": ["vcs-ide-metadata"]}, "fortress-nginx-probe", lines) == set()


# Request shapes as the advisories publish them (not lines of the bench's corpus).
ADVISORY_SHAPES = [
    # certain: the first request bans
    ("fortress-nginx-probe", line("198.51.100.31", "GET /cgi-bin/luci/;stok=/locale?form=country&operation=write HTTP/1.1")),
    ("fortress-nginx-probe", line("198.51.100.32", "GET /owa/auth/x.js HTTP/1.1")),
    # entry: counted when it failed here
    ("fortress-nginx-botsearch", line("198.51.100.33", "GET /remote/login?lang=en HTTP/1.1", 400)),
    ("fortress-nginx-botsearch", line("198.51.100.34", "POST /remote/logincheck HTTP/1.1", 404)),
    ("fortress-nginx-botsearch", line("198.51.100.35", "GET /global-protect/login.esp HTTP/1.1")),
    ("fortress-nginx-botsearch", line("198.51.100.36", "POST /ssl-vpn/hipreport.esp HTTP/1.1")),
    ("fortress-nginx-botsearch", line("198.51.100.37", "GET /logon/LogonPoint/index.html HTTP/1.1")),
    ("fortress-nginx-botsearch", line("198.51.100.38", "GET /vpn/index.html HTTP/1.1")),
    ("fortress-nginx-botsearch", line("198.51.100.39", "GET /druid/index.html HTTP/1.1")),
]
NOT_PROBES = [
    # the router's own pages with a real session token, an existing page, look-alike paths
    ("fortress-nginx-probe", line("192.0.2.41", "GET /cgi-bin/luci/;stok=5f3a9c/admin/status HTTP/1.1", 200)),
    ("fortress-nginx-probe", line("192.0.2.42", "GET /owa/auth/logon.aspx HTTP/1.1", 200)),
    ("fortress-nginx-botsearch", line("192.0.2.43", "GET /vpn/index.html HTTP/1.1", 200)),
    ("fortress-nginx-botsearch", line("192.0.2.44", "GET /remote/loginhelp HTTP/1.1", 404)),
    ("fortress-nginx-botsearch", line("192.0.2.45", "GET /blog/druid-the-database HTTP/1.1", 404)),
]


@pytest.mark.parametrize("name", ["fortress-nginx-probe", "fortress-nginx-botsearch"])
def test_gateway_and_device_probes_from_the_advisories(tmp_path, name):
    want = {entry.split(" ", 1)[0] for filt, entry in ADVISORY_SHAPES if filt == name}
    lines = [entry for filt, entry in ADVISORY_SHAPES + NOT_PROBES if filt == name]
    assert _bans(tmp_path, {}, name, lines) == want
