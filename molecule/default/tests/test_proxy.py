"""Behind a reverse proxy (issue #10): fortress-proxy, an nginx reverse proxy that adds
X-Forwarded-For, stands in front of the targets in the group behind_proxy, which trust it
(fail2ban_nginx_trusted_proxies). The attacker probing through the proxy is banned by its own address
and refused by nginx (403); the proxy is never banned; the innocent client going through the same
proxy is still served."""
import os

import pytest
import testinfra
import testinfra.utils.ansible_runner

from conftest import banned_in, http_get, ipv4_of, wait_for
from test_fail2ban import EXPECTED_JAILS

INVENTORY = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
testinfra_hosts = INVENTORY.get_hosts("behind_proxy")
PROXY = INVENTORY.get_hosts("proxies")[0]
WEB_JAILS = sorted(jail for jail in EXPECTED_JAILS if jail.startswith("nginx-"))


@pytest.fixture(scope="module")
def proxy():
    return testinfra.get_host("docker://%s" % PROXY)


@pytest.fixture(scope="module")
def proxy_ip(proxy):
    return ipv4_of(proxy)


@pytest.fixture(scope="module")
def proxy_url(proxy_ip):
    return "http://%s" % proxy_ip


@pytest.fixture()
def clean_slate(host):
    host.run("fail2ban-client unban --all")
    yield
    host.run("fail2ban-client unban --all")


def banned_anywhere(host, address):
    return [jail for jail in EXPECTED_JAILS if address in banned_in(host, jail)]


def deny_lines(host):
    return host.check_output("cat /etc/nginx/fortress-deny.d/*.conf 2>/dev/null || true").splitlines()


def test_nginx_takes_the_client_address_from_the_trusted_proxy(host, proxy_ip):
    conf = host.file("/etc/nginx/conf.d/fortress-nginx.conf").content_string
    assert "set_real_ip_from %s;" % proxy_ip in conf
    assert "real_ip_header X-Forwarded-For;" in conf
    assert "real_ip_recursive on;" in conf
    assert "include /etc/nginx/fortress-deny.d/*.conf;" in conf
    assert host.run("nginx -t").rc == 0


def test_the_proxy_is_in_the_ignoreip_of_every_jail(host, proxy_ip):
    for jail in EXPECTED_JAILS:
        assert proxy_ip in host.check_output("fail2ban-client get %s ignoreip", jail), jail


def test_the_web_jails_also_ban_at_the_nginx_level(host):
    for jail in WEB_JAILS:
        actions = host.check_output("fail2ban-client get %s actions", jail)
        # fortress-nginx-deny next to the firewall's action (fortress-nftables, the default, or ufw).
        assert "fortress-nginx-deny" in actions and ("fortress-nftables" in actions or "ufw" in actions), (jail, actions)
    assert "fortress-nginx-deny" not in host.check_output("fail2ban-client get sshd actions")


def test_attacker_through_the_proxy_is_refused_and_the_proxy_is_not(
        host, attacker, innocent, proxy_ip, proxy_url, clean_slate):
    attacker_ip, innocent_ip = ipv4_of(attacker), ipv4_of(innocent)
    assert http_get(innocent, proxy_url + "/") == "200"
    assert http_get(attacker, proxy_url + "/") == "200"
    # Scanner paths through the proxy: nginx logs the attacker's address (realip), not the proxy's.
    attacker.run("python3 /usr/local/bin/attack.py probe %s --count 4", proxy_url)
    assert wait_for(lambda: banned_anywhere(host, attacker_ip)), "the attacker behind the proxy was not banned"
    # The firewall cannot refuse a client whose packets come from the proxy: nginx does (deny, 403).
    assert wait_for(lambda: http_get(attacker, proxy_url + "/") == "403"), http_get(attacker, proxy_url + "/")
    assert "deny %s;" % attacker_ip in deny_lines(host)
    # The proxy is never banned, by no jail and not in ufw; the innocent client behind it is served.
    assert banned_anywhere(host, proxy_ip) == []
    assert proxy_ip not in host.check_output("ufw status")
    assert proxy_ip not in host.check_output("nft list ruleset")
    assert banned_anywhere(host, innocent_ip) == []
    assert http_get(innocent, proxy_url + "/") == "200"
    # Unbanning takes the deny line out again, and nginx still passes its own test. The jails count
    # the same probes at their own pace (nginx-probe on the first, nginx-botsearch on the second), so
    # one may ban after a first unban: unban until no ban is left.

    def unbanned():
        host.check_output("fail2ban-client unban --all")
        return http_get(attacker, proxy_url + "/") == "200" and "deny %s;" % attacker_ip not in deny_lines(host)

    assert wait_for(unbanned, 40), deny_lines(host)
    assert host.run("nginx -t").rc == 0


def test_the_deny_helper_never_leaves_a_broken_include(host):
    helper = "/usr/local/lib/fortress-nginx/fortress-nginx-deny.sh"
    scratch = "/etc/nginx/fortress-deny.d/zz-scratch.conf"
    # Not an address: refused before anything is written.
    assert host.run("sh %s ban %s 'x; include /etc/passwd'", helper, scratch).rc == 2
    assert not host.file(scratch).exists
    # nginx -t refusing the result (here: a broken line already in the file) puts the previous
    # file back and fails the action; nginx keeps running.
    host.check_output("printf 'deny 192.0.2.1\\n' > %s", scratch)
    try:
        assert host.run("sh %s ban %s 192.0.2.99", helper, scratch).rc == 1
        assert host.file(scratch).content_string == "deny 192.0.2.1\n"
    finally:
        host.check_output("rm -f %s", scratch)
    assert host.run("nginx -t").rc == 0
    assert host.service("nginx").is_running
