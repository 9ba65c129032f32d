"""fail2ban on the target: every jail runs, attackers are banned by the right jail and refused by the
firewall, an innocent client is not, and unbanning lets the attacker back in."""
import json
import os

import pytest
import testinfra.utils.ansible_runner

from conftest import banned_in, firewall_bans, http_get, ipv4_of, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

# fortress-shared: the scenario turns fleet sharing on (fail2ban_nginx_shared, molecule.yml).
EXPECTED_JAILS = {"sshd", "nginx-4xx", "nginx-http-auth", "nginx-botsearch", "nginx-probe", "nginx-protocol",
                  "nginx-forbidden", "nginx-sslerror", "nginx-limit-req", "ufw", "fortress-shared"}


def jail_list(host):
    out = host.check_output("fail2ban-client status")
    listed = out.split("Jail list:", 1)[1]
    return {name.strip() for name in listed.split(",") if name.strip()}


@pytest.fixture(scope="module")
def url(host):
    return "http://%s" % ipv4_of(host)


@pytest.fixture()
def clean_slate(host):
    host.run("fail2ban-client unban --all")
    yield
    host.run("fail2ban-client unban --all")


def test_every_expected_jail_runs(host):
    assert host.service("fail2ban").is_running
    assert host.service("fail2ban").is_enabled
    assert jail_list(host) == EXPECTED_JAILS


def test_whole_configuration_passes_fail2ban_own_test(host):
    assert host.run("fail2ban-client -t").rc == 0


def test_packaged_files_are_untouched(host):
    # dpkg --verify prints every packaged file whose content changed (conffiles included).
    assert host.check_output("dpkg --verify fail2ban") == ""


def test_controller_and_loopback_are_never_banned(host):
    ignored = host.check_output("fail2ban-client get nginx-4xx ignoreip")
    for address in ("127.0.0.0/8", "::1", "192.0.2.10"):
        assert address in ignored


def test_404_probes_get_the_attacker_banned_by_nginx_4xx(host, attacker, innocent, url, clean_slate):
    attacker_ip = ipv4_of(attacker)
    assert http_get(attacker, url + "/") == "200"
    # Plain missing pages (not scanner paths): only nginx-4xx may ban for these.
    attacker.run("python3 /usr/local/bin/attack.py notfound %s --count 40", url)
    assert wait_for(lambda: attacker_ip in banned_in(host, "nginx-4xx")), "nginx-4xx did not ban the attacker"
    assert attacker_ip not in banned_in(host, "nginx-botsearch")
    # The firewall now refuses the attacker, and only the attacker.
    assert wait_for(lambda: http_get(attacker, url + "/").startswith("blocked"))
    assert http_get(innocent, url + "/") == "200"
    assert innocent_ip_not_banned(host, innocent)
    # Unbanning lets the attacker back in.
    host.check_output("fail2ban-client set nginx-4xx unbanip %s", attacker_ip)
    assert wait_for(lambda: http_get(attacker, url + "/") == "200")


def innocent_ip_not_banned(host, innocent):
    innocent_ip = ipv4_of(innocent)
    return all(innocent_ip not in banned_in(host, jail) for jail in EXPECTED_JAILS)


def test_wrong_passwords_get_the_attacker_banned_by_nginx_http_auth(host, attacker, innocent, url, clean_slate):
    attacker_ip = ipv4_of(attacker)
    attacker.run("python3 /usr/local/bin/attack.py auth %s/private/ --count 10", url)
    assert wait_for(lambda: attacker_ip in banned_in(host, "nginx-http-auth")), "nginx-http-auth did not ban"
    assert wait_for(lambda: http_get(attacker, url + "/").startswith("blocked"))
    assert http_get(innocent, url + "/") == "200"
    host.check_output("fail2ban-client set nginx-http-auth unbanip %s", attacker_ip)
    assert wait_for(lambda: http_get(attacker, url + "/") == "200")


def test_scanner_paths_get_the_attacker_banned_by_nginx_botsearch(host, attacker, url, clean_slate):
    attacker_ip = ipv4_of(attacker)
    attacker.run("python3 /usr/local/bin/attack.py probe %s --count 4", url)
    assert wait_for(lambda: attacker_ip in banned_in(host, "nginx-botsearch")), "nginx-botsearch did not ban"
    assert wait_for(lambda: http_get(attacker, url + "/").startswith("blocked"))


def test_status_module_lists_the_attacker_under_the_banning_jail(host, attacker, innocent, clean_slate):
    """The module reads fail2ban's own answers: the same with either ban engine (the Debian 11
    target bans through ufw, the others in nftables sets), and what the firewall holds."""
    attacker_ip, innocent_ip = ipv4_of(attacker), ipv4_of(innocent)
    host.check_output("fail2ban-client set nginx-http-auth banip %s", attacker_ip)
    assert wait_for(lambda: firewall_bans(host, "nginx-http-auth") == [attacker_ip]), firewall_bans(host, "nginx-http-auth")
    result = host.ansible("fortress.nginx.fail2ban_status", "", check=False)
    assert result["jails"]["nginx-http-auth"]["actions"]["banned_ips"] == [attacker_ip]
    assert [entry["ip"] for entry in result["banned_ips"]] == [attacker_ip]
    assert result["banned_ips"][0]["jails"] == ["nginx-http-auth"]
    assert innocent_ip not in json.dumps(result)
    assert set(result["jail_names"]) == EXPECTED_JAILS
