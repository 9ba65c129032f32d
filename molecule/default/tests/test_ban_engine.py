"""The ban engine (issue #12): fail2ban's nftables sets by default, ufw one variable away (the
scenario sets it on fortress-target-bullseye, see molecule.yml).

A ban beats ufw's allow: ufw allows 80, the banned client is refused on 80 all the same, with the
ban in the engine's own listing (`nft list set inet f2b-table addr-set-JAIL`, or `ufw status`).
fail2ban's nftables chain hooks input at priority -1, before the iptables-nft chains ufw writes
(priority 0); a reject is final whichever chain runs first. Bans survive what a host goes through
(`systemctl restart fail2ban`, whose bans come back from fail2ban's database; a reload, as a converge
does; `ufw reload` and `ufw enable`; a reboot: `docker restart` of the target, a new network
namespace, empty firewall, every service started by systemd again) and an unban leaves no stale
element. test_purge.py shows them
surviving a whole converge of site.yml.
"""
import ipaddress
import os
import re
import subprocess

import pytest
import testinfra.utils.ansible_runner

from conftest import (address_of, ban_engine, banned_in, family_of, firewall_bans, name_of, nft_set,
                      no_ban_left, probe, unban_all, wait_for)

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

JAIL = "nginx-4xx"


@pytest.fixture()
def clean_slate(host):
    unban_all(host)
    yield
    unban_all(host)


def test_the_engine_is_the_one_the_target_asks_for(host):
    expected = "ufw" if name_of(host).endswith("bullseye") else "nft"
    assert ban_engine(host) == expected
    if expected == "nft":
        assert host.package("nftables").is_installed
        # Debian ships nftables.service disabled: its /etc/nftables.conf flushes the whole ruleset.
        assert not host.service("nftables").is_enabled
        assert host.check_output("fail2ban-client get %s actions", JAIL).splitlines()[-1].split(", ")[0] == "fortress-nftables"
        assert host.check_output("fail2ban-client get sshd actions").splitlines()[-1] == "fortress-nftables"
        # The Python action, loaded by fail2ban-server, and its libnftables binding.
        assert host.package("python3-nftables").is_installed
        assert host.run("python3 /etc/fail2ban/action.d/fortress-nftables.py --check").rc == 0
        assert not host.file("/etc/fail2ban/action.d/fortress-nftables.conf").exists


@pytest.mark.parametrize("family", ["4", "6"])
def test_a_ban_beats_the_ufw_allow(host, attacker, family, clean_slate):
    target, address = name_of(host), address_of(attacker, family)
    status = host.check_output("ufw status")
    assert re.search(r"^80(/tcp)?\s+ALLOW\s", status, re.M) and re.search(r"^80(/tcp)? \(v6\)\s+ALLOW\s", status, re.M), status
    assert probe(attacker, family, target, 80) == "open"
    host.check_output("fail2ban-client set %s banip %s", JAIL, address)
    assert wait_for(lambda: probe(attacker, family, target, 80) == "refused"), "the ban did not beat the allow"
    # ufw still allows 80: the ban alone refuses the client.
    assert re.search(r"^80(/tcp)?\s+ALLOW\s", host.check_output("ufw status"), re.M)
    assert firewall_bans(host, JAIL) == [address]
    if ban_engine(host) == "nft":
        chain = host.check_output("nft list chain inet f2b-table f2b-chain")
        # nft prints the priority as a number (0.9) or relative to filter's 0 (1.0 and later).
        assert re.search(r"type filter hook input priority (-1|filter - 1);", chain), chain
        assert address in host.check_output("nft list set inet f2b-table %s-set-%s",
                                            "addr" if family == "4" else "addr6", JAIL)


def test_a_network_ban_is_in_force(host, attacker, clean_slate):
    """fortress.nginx.fail2ban_ban and `fail2ban-client set JAIL banip` take networks: the attacker's
    /31 (IPv4) and /127 (IPv6) are banned as networks (fail2ban's own nftables sets take addresses
    only: the role's action adds one set of networks per jail and family)."""
    networks = [str(ipaddress.ip_network(address_of(attacker, "4") + "/31", strict=False)),
                str(ipaddress.ip_network(address_of(attacker, "6") + "/127", strict=False))]
    host.check_output("fail2ban-client set %s banip %s %s", JAIL, *networks)
    assert wait_for(lambda: sorted(firewall_bans(host, JAIL)) == sorted(networks)), firewall_bans(host, JAIL)
    for family in ("4", "6"):
        assert wait_for(lambda f=family: probe(attacker, f, name_of(host), 80) == "refused"), family
    if ban_engine(host) == "nft":
        assert nft_set(host, JAIL, "4net") == [networks[0]] and nft_set(host, JAIL, "6net") == [networks[1]]
    host.check_output("fail2ban-client set %s unbanip %s %s", JAIL, *networks)
    assert wait_for(lambda: no_ban_left(host))
    assert wait_for(lambda: probe(attacker, "4", name_of(host), 80) == "open")


def _ban_two(host, attacker):
    """An IPv4 and an IPv6 ban of the attacker, in force and listed by the firewall."""
    addresses = sorted([address_of(attacker, "4"), address_of(attacker, "6")])
    host.check_output("fail2ban-client set %s banip %s %s", JAIL, *addresses)
    assert wait_for(lambda: sorted(firewall_bans(host, JAIL)) == addresses), firewall_bans(host, JAIL)
    return addresses


def _still_banned(host, attacker, addresses, seconds=60.0):
    """Every address banned by fail2ban, in the firewall and refused on 80 (a restart re-bans from the
    database after the jail starts, and ufw re-adds rule by rule)."""
    def holds():
        return (sorted(firewall_bans(host, JAIL)) == addresses
                and all(address in banned_in(host, JAIL) for address in addresses))
    assert wait_for(holds, seconds), (firewall_bans(host, JAIL), banned_in(host, JAIL))
    for address in addresses:
        assert probe(attacker, family_of(address), name_of(host), 80) == "refused", address


def _reboot(host):
    """A container restart is the target's reboot: the kernel state of its network namespace (nft
    tables, iptables chains) is gone, /run is a new tmpfs, systemd starts every enabled unit."""
    subprocess.run(["docker", "restart", "--time", "30", name_of(host)], check=True, capture_output=True, timeout=120)
    assert wait_for(lambda: host.run("systemctl is-system-running --wait").stdout.strip() in ("running", "degraded"),
                    120), "the target did not boot"


@pytest.mark.parametrize("event", [
    "systemctl restart fail2ban",
    "systemctl reload fail2ban",
    "ufw reload",
    "ufw --force enable",
    "reboot",
])
def test_bans_survive(host, attacker, event, clean_slate):
    addresses = _ban_two(host, attacker)
    if event == "reboot":
        _reboot(host)
    else:
        host.check_output(event)
    if event.startswith("systemctl") or event == "reboot":
        assert wait_for(lambda: host.run("fail2ban-client ping").rc == 0, 60), "fail2ban did not come back"
    _still_banned(host, attacker, addresses)
    if event == "reboot":
        # Served again once the bans are lifted: nginx and the firewall came back as they were.
        unban_all(host)
        assert wait_for(lambda: probe(attacker, "4", name_of(host), 80) == "open", 60)


def test_an_unban_leaves_no_stale_element(host, attacker, clean_slate):
    addresses = _ban_two(host, attacker)
    host.check_output("systemctl restart fail2ban")
    assert wait_for(lambda: host.run("fail2ban-client ping").rc == 0), "fail2ban did not come back"
    _still_banned(host, attacker, addresses)
    for address in addresses:
        host.check_output("fail2ban-client set %s unbanip %s", JAIL, address)
    assert wait_for(lambda: no_ban_left(host)), (host.check_output("ufw status"), host.run("nft list ruleset").stdout)
    assert banned_in(host, JAIL) == []
    for address in addresses:
        assert wait_for(lambda a=address: probe(attacker, family_of(a), name_of(host), 80) == "open"), address
