"""fail2ban_host.plan: the host's fail2ban settings against the role's (issue #16).

The host data has the shape fortress-read-host.py prints; HOST below is what it printed on Debian 12
(fail2ban 1.0.2) with a jail.local holding [DEFAULT] ignoreip/bantime and [nginx-4xx] maxretry.
"""
import json
import os

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban_host
from ansible_collections.fortress.nginx.plugins.filter.fail2ban_adopt import fail2ban_adopt

LOCAL = "/etc/fail2ban/jail.local"
CONF = "/etc/fail2ban/jail.conf"
HOST = {
    "installed": True,
    "default": {
        "bantime": {"value": "1d", "file": LOCAL},
        "findtime": {"value": "10m", "file": CONF},
        "maxretry": {"value": "5", "file": CONF},
        "ignoreip": {"value": "127.0.0.1/8 203.0.113.50", "file": LOCAL},
        "banaction": {"value": "iptables-multiport", "file": CONF},
        "backend": {"value": "auto", "file": CONF},
    },
    "jails": {
        "sshd": {"port": {"value": "ssh", "file": CONF}, "logpath": {"value": "/var/log/auth.log", "file": CONF}},
        "nginx-4xx": {"maxretry": {"value": "3", "file": LOCAL}},
    },
}
OURS = {"bantime": "1h", "findtime": "600", "maxretry": 5, "ignoreip": ["127.0.0.1/8", "::1", "192.0.2.1"],
        "banaction": "ufw", "banaction_allports": "ufw", "backend": "auto", "bantime.increment": "true"}
JAILS = [{"name": "sshd", "backend": "systemd", "logpath": [], "port": "ssh"},
         {"name": "nginx-4xx", "filter": "fortress-nginx-4xx", "logpath": ["/var/log/nginx/access.log"],
          "maxretry": 10, "findtime": "10m"}]


def test_host_ignoreip_is_joined_after_ours():
    result = fail2ban_host.plan(HOST, OURS, JAILS)
    assert dict(result["default"])["ignoreip"] == ["127.0.0.1/8", "::1", "192.0.2.1", "203.0.113.50"]
    assert result["ignoreip_kept"] == ["203.0.113.50"]
    assert not any("ignoreip" in line for line in result["changes"])


def test_replace_drops_the_host_ignoreip_and_says_so():
    result = fail2ban_host.plan(HOST, OURS, JAILS, ignoreip_replace=True)
    assert dict(result["default"])["ignoreip"] == OURS["ignoreip"]
    assert result["ignoreip_dropped"] == ["203.0.113.50"]
    assert any("DROPPED" in line and "203.0.113.50" in line for line in result["changes"])


def test_every_difference_is_reported_with_its_file_and_equal_times_are_not():
    changes = fail2ban_host.plan(HOST, OURS, JAILS)["changes"]
    assert "[DEFAULT] bantime: 1d (/etc/fail2ban/jail.local) -> 1h (jail.d/fortress-nginx.local)" in changes
    assert any(line.startswith("[DEFAULT] banaction: iptables-multiport (/etc/fail2ban/jail.conf, packaged default)")
               for line in changes)
    assert "[nginx-4xx] maxretry: 3 (/etc/fail2ban/jail.local) -> 10 (jail.d/fortress-nginx.local)" in changes
    # findtime 10m == 600, maxretry 5 == 5, backend auto == auto: no line.
    assert not any(line.startswith(("[DEFAULT] findtime", "[DEFAULT] maxretry", "[DEFAULT] backend")) for line in changes)
    # A jail option set only by the package's jail.conf is fail2ban's default, not the operator's.
    assert not any(line.startswith("[sshd]") for line in changes)


def test_kept_keys_are_not_written():
    result = fail2ban_host.plan(HOST, OURS, JAILS, keep=["bantime", "nginx-4xx/maxretry"])
    assert "bantime" not in dict(result["default"])
    nginx = [jail for jail in result["jails"] if jail["name"] == "nginx-4xx"][0]
    assert "maxretry" not in nginx
    assert not any(line.startswith(("[DEFAULT] bantime:", "[nginx-4xx] maxretry")) for line in result["changes"])
    assert any("bantime = 1d (/etc/fail2ban/jail.local) is kept" in line for line in result["kept"])
    assert JAILS[1]["maxretry"] == 10  # input not mutated


@pytest.mark.parametrize("key", ["ignoreip", "nonsense", "nginx-4xx/logpath", "nginx-4xx/enabled", "nojail/maxretry"])
def test_unknown_or_forbidden_keep_keys_are_listed(key):
    assert fail2ban_host.plan(HOST, OURS, JAILS, keep=[key])["unknown_keep"] == [key]


def test_a_jails_own_ignoreip_is_kept_and_joined():
    host = {"default": {}, "jails": {"nginx-4xx": {"ignoreip": {"value": "198.51.100.0/24", "file": LOCAL}}}}
    jails = [dict(JAILS[1], settings={"ignoreip": "192.0.2.9"})]
    result = fail2ban_host.plan(host, OURS, jails)
    assert result["jails"][0]["settings"]["ignoreip"] == "192.0.2.9 198.51.100.0/24"
    replaced = fail2ban_host.plan(host, OURS, [JAILS[1]], ignoreip_replace=True)
    assert replaced["jails"][0]["settings"]["ignoreip"] == ""
    assert any("[nginx-4xx] ignoreip: 198.51.100.0/24" in line for line in replaced["changes"])


def test_a_host_without_fail2ban_changes_nothing_but_gets_ours():
    result = fail2ban_host.plan({"installed": False}, OURS, JAILS)
    assert result["default"] == [[key, value] for key, value in OURS.items()]
    assert result["changes"] == [] and result["kept"] == [] and result["error"] == ""


def test_order_of_default_keys_is_ours():
    assert [pair[0] for pair in fail2ban_host.plan(HOST, OURS, JAILS)["default"]] == list(OURS)


@pytest.mark.parametrize("text,expected", [
    ("3600", 3600), ("1h", 3600), ("10m", 600), ("1d", 86400), ("1w", 604800), ("1h 30m", 5400),
    ("-1", -1), ("2days", 172800), ("90 secs", 90), ("soon", None)])
def test_fail2ban_times(text, expected):
    assert fail2ban_host.seconds(text) == expected


@pytest.mark.parametrize("key,left,right", [
    ("bantime.increment", "True", "true"), ("enabled", "yes", "true"), ("logpath", "/a\n /b", ["/a", "/b"]),
    ("bantime", "1h", "3600"), ("nginx-4xx/findtime", "10m", 600)])
def test_equal_values_normalise_equal(key, left, right):
    assert fail2ban_host.normalise(key, left) == fail2ban_host.normalise(key, right)


def test_filter_wraps_plan():
    result = fail2ban_adopt(HOST, OURS, JAILS, ["bantime"], False, "/etc/fail2ban/jail.d/fortress-nginx.local")
    assert any("(/etc/fail2ban/jail.d/fortress-nginx.local)" in line for line in result["changes"])


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_what_the_reader_printed_on_each_release(release):
    """fortress-read-host.py's real output, jail.local as in the integration test."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "data", "fail2ban-host", release + ".json")
    with open(path) as handle:
        host = json.load(handle)
    assert host["installed"] is True and "error" not in host
    result = fail2ban_host.plan(host, OURS, JAILS)
    assert dict(result["default"])["ignoreip"][-1] == "203.0.113.50"
    assert "[DEFAULT] bantime: 1d (/etc/fail2ban/jail.local) -> 1h (jail.d/fortress-nginx.local)" in result["changes"]
    assert "[nginx-4xx] maxretry: 3 (/etc/fail2ban/jail.local) -> 10 (jail.d/fortress-nginx.local)" in result["changes"]
    banaction = [line for line in result["changes"] if line.startswith("[DEFAULT] banaction:")]
    # Debian 13's package sets nftables in jail.d/defaults-debian.conf: still a packaged default.
    assert len(banaction) == 1 and "packaged default" in banaction[0]
