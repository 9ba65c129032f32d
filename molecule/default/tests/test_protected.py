"""Protected addresses (fail2ban_nginx_never_ban, set in molecule.yml) are in the ignoreip of every
jail, also of nginx-botsearch, which sets its own ignoreip there; their failures ban nothing."""
import datetime
import os

import pytest
import testinfra.utils.ansible_runner

from conftest import ban_engine, banned_in, firewall_bans, unban_all, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

NEVER_BAN = ["203.0.113.0/24", "2001:db8:5::/48"]


def jails(host):
    listed = host.check_output("fail2ban-client status").split("Jail list:", 1)[1]
    return sorted(name.strip() for name in listed.split(",") if name.strip())


def test_every_jail_ignores_the_protected_networks(host):
    names = jails(host)
    assert "nginx-botsearch" in names and "ufw" in names
    for jail in names:
        ignored = host.check_output("fail2ban-client get %s ignoreip", jail)
        for network in NEVER_BAN + ["127.0.0.0/8", "::1", "192.0.2.10"]:
            assert network in ignored, (jail, ignored)
    # The jail that sets its own ignoreip keeps it, with the protected networks added.
    assert "198.18.0.0/15" in host.check_output("fail2ban-client get nginx-botsearch ignoreip")
    assert "198.18.0.0/15" not in host.check_output("fail2ban-client get nginx-4xx ignoreip")


def held_for(host, jail):
    """The addresses the firewall bans for the jail. ufw keeps one rule per address and ports: when
    nginx-probe bans the same address on the same ports first (a scanner path is both), the rule
    carries its comment, and ufw skips the second jail's identical rule. Any fail2ban rule counts."""
    if ban_engine(host) == "nft":
        return firewall_bans(host, jail)
    rules = [line for line in host.check_output("ufw status").splitlines() if "by Fail2Ban" in line]
    return [token for rule in rules for token in rule.split() if ":" in token or token.count(".") == 3]


@pytest.fixture()
def clean_slate(host):
    unban_all(host)
    yield
    unban_all(host)


@pytest.mark.parametrize("jail,path", [("nginx-4xx", "/no-such-page-%d.html"), ("nginx-botsearch", "/wp-login.php")])
def test_failures_of_a_protected_address_ban_nothing(host, clean_slate, jail, path):
    protected, control = "203.0.113.5", "198.51.100.55"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
    lines = "".join('%s - - [%s] "GET %s HTTP/1.1" 404 153 "-" "curl/8.0"\n' % (address, now, path.replace("%d", str(index)))
                    for index in range(25) for address in (protected, control))
    host.check_output("printf %%s %s >> /var/log/nginx/access.log", lines)
    # The same lines ban the unprotected address: the jail did read them.
    assert wait_for(lambda: control in banned_in(host, jail)), "%s did not ban the control address" % jail
    assert protected not in banned_in(host, jail)
    assert protected not in host.check_output("ufw status")
    # The firewall holds the control address's ban (ufw's rule comes a moment after fail2ban's list), not the protected one.
    assert wait_for(lambda: control in held_for(host, jail)), held_for(host, jail)
    assert protected not in held_for(host, jail)
