"""Optional IPv6 prefix bans (issue #12, fail2ban_nginx_ipv6_prefix_bans): an IPv6 offender is banned
by its /64. Off by default; this test turns it on for fortress-target-trixie with a converge of
site.yml and off again afterwards.

The scenario's network is one IPv6 /64 (FORTRESS_MOLECULE_SUBNET6), so banning the attacker's /64
also refuses the innocent client's IPv6 address, and nothing of its IPv4: that is what a prefix ban
does. A second banned address of the same /64 keeps the network banned when the first is unbanned;
the network goes with the last one, and a restart of fail2ban restores it from the database.
"""
import ipaddress
import json
import os
import subprocess

import pytest
import testinfra
import testinfra.utils.ansible_runner

from conftest import address_of, banned_in, ipv4_of, name_of, nft_set, probe, unban_all, wait_for

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
TARGET = [name for name in testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("fortress")
          if name.endswith("trixie")]
testinfra_hosts = TARGET
JAIL = "nginx-4xx"


def _converge(prefix_bans):
    return subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, "--limit", TARGET[0], "-e",
         json.dumps({"fail2ban_nginx_ipv6_prefix_bans": prefix_bans}), "fortress.nginx.site"],
        capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def prefix_bans():
    machine = testinfra.get_host("docker://%s" % TARGET[0])
    unban_all(machine)
    result = _converge(True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    yield machine
    unban_all(machine)
    result = _converge(False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "prefixlen" not in machine.file("/etc/fail2ban/jail.d/fortress-nginx.local").content_string


def test_an_ipv6_ban_covers_the_network_and_ipv4_bans_stay_single(host, prefix_bans, attacker, innocent):
    target = name_of(host)
    assert "banaction = fortress-nftables.py[prefixlen=64]" in host.file("/etc/fail2ban/jail.d/fortress-nginx.local").content_string
    attacker6, innocent6 = address_of(attacker, "6"), address_of(innocent, "6")
    network = str(ipaddress.ip_network(attacker6 + "/64", strict=False))
    assert str(ipaddress.ip_network(innocent6 + "/64", strict=False)) == network  # one /64 for the scenario
    assert probe(innocent, "6", target, 80) == "open"
    sibling = str(ipaddress.ip_network(network)[0xdead])  # another address of the same /64, not a container
    host.check_output("fail2ban-client set %s banip %s %s", JAIL, attacker6, sibling)
    assert wait_for(lambda: nft_set(host, JAIL, "6net") == [network]), nft_set(host, JAIL, "6net")
    # The innocent client shares the attacker's /64: refused over IPv6, served over IPv4.
    assert wait_for(lambda: probe(innocent, "6", target, 80) == "refused")
    assert probe(attacker, "6", target, 80) == "refused"
    assert probe(innocent, "4", target, 80) == "open"
    # Web bans stay port-scoped.
    assert probe(attacker, "6", target, 22) == "open"

    # IPv4: one address, as without prefix bans.
    host.check_output("fail2ban-client set %s banip %s", JAIL, ipv4_of(attacker))
    assert wait_for(lambda: nft_set(host, JAIL, "4") == [ipv4_of(attacker)])

    # A restart restores the network from fail2ban's database.
    host.check_output("systemctl restart fail2ban")
    assert wait_for(lambda: host.run("fail2ban-client ping").rc == 0)
    assert wait_for(lambda: nft_set(host, JAIL, "6net") == [network], 60), nft_set(host, JAIL, "6net")

    # The network stays while one of its banned addresses does; it goes with the last.
    host.check_output("fail2ban-client set %s unbanip %s", JAIL, attacker6)
    assert attacker6 not in banned_in(host, JAIL) and sibling in banned_in(host, JAIL)
    assert nft_set(host, JAIL, "6net") == [network]
    assert probe(attacker, "6", target, 80) == "refused"
    host.check_output("fail2ban-client set %s unbanip %s", JAIL, sibling)
    assert wait_for(lambda: nft_set(host, JAIL, "6net") == [])
    assert wait_for(lambda: probe(innocent, "6", target, 80) == "open")
