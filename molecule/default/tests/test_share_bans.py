"""Fleet defence (issue #13): playbooks/share_bans.yml against the three live targets.

The attacker probes one target (Debian 13, nftables) and is banned there by nginx-probe (the certain
tier: shared on one host's word). After share_bans.yml the two others (Debian 12 with nftables,
Debian 11 with ufw) refuse it too, from their fortress-shared jail; the innocent client is served
everywhere; a protected address (fail2ban_nginx_never_ban, molecule.yml) and the management
connection's address (SSH_CONNECTION, molecule.yml; fail2ban_status with_ignored reads it) banned by
hand on one host are not spread, while
a plain address banned the same way is; a second run changes nothing; once no host bans an address
on its own any more, the next run unbans it from every shared jail. The scenario's network is
private (share_bans_allow_private: true in molecule.yml; the policy excludes private ranges by
default). Everything is unbanned afterwards."""
import os
import re
import subprocess

import pytest
import testinfra
import testinfra.utils.ansible_runner

from conftest import ban_engine, banned_in, http_get, ipv4_of, probe, unban_all, wait_for

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
TARGETS = sorted(testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("fortress"))
FIRST = [name for name in TARGETS if name.endswith("-trixie")][0]
OTHERS = [name for name in TARGETS if name != FIRST]
SHARED = "fortress-shared"
PROTECTED, MANAGEMENT, PLAIN = "203.0.113.5", "192.0.2.10", "198.51.100.23"


def share():
    """One run of the playbook, as a user runs it; (output, {host: changed})."""
    result = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, "-e", "share_bans_hosts=fortress", "fortress.nginx.share_bans"],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    changed = dict((host, int(count)) for host, count in
                   re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", result.stdout, re.MULTILINE))
    assert set(changed) == set(TARGETS), result.stdout[-3000:]
    return result.stdout, changed


testinfra_hosts = TARGETS


def test_the_shared_jail_runs_reads_no_log_and_bans_with_the_engine(host):
    """fail2ban_nginx_shared: true (molecule.yml) on 0.11.2, 1.0.2 and 1.1.0: the jail passes
    fail2ban's own configuration test, runs, watches no file, and bans from every port with the
    host's engine (fortress-nftables[type=allports], or ufw on Debian 11)."""
    assert host.run("fail2ban-client -t").rc == 0
    status = host.check_output("fail2ban-client status %s", SHARED)
    assert re.search(r"File list:\s*\n", status + "\n"), status
    actions = host.check_output("fail2ban-client get %s actions", SHARED).splitlines()[1:]
    assert actions == (["ufw"] if ban_engine(host) == "ufw" else ["fortress-nftables"]), actions
    assert "port = 0:65535" in host.file("/etc/fail2ban/jail.d/fortress-nginx.local").content_string


@pytest.fixture(scope="module")
def machines():
    hosts = dict((name, testinfra.get_host("docker://%s" % name)) for name in TARGETS)
    for machine in hosts.values():
        unban_all(machine)
    yield hosts
    for machine in hosts.values():
        unban_all(machine)


def test_a_ban_on_one_host_reaches_the_fleet_and_nothing_protected_does(machines, attacker, innocent):
    """Runs once (it takes no `host`): the playbook covers the three targets."""
    attacker_ip = ipv4_of(attacker)
    first = machines[FIRST]
    # IPv4 throughout: Docker's DNS gives the IPv6 address first, and the attacker's IPv4 one is shared.
    url = dict((name, "http://%s/" % ipv4_of(machine)) for name, machine in machines.items())
    # Before: every target serves the attacker (the test can fail).
    for name in OTHERS:
        assert probe(attacker, "4", name, 80) == "open", name
    attacker.run("python3 /usr/local/bin/attack.py probe %s --count 2", url[FIRST].rstrip("/"))
    assert wait_for(lambda: attacker_ip in banned_in(first, "nginx-probe")), banned_in(first, "nginx-probe")
    # By hand on another host: a protected address, the management connection's, and a plain one.
    other = machines[OTHERS[0]]
    other.check_output("fail2ban-client set nginx-probe banip %s %s", PROTECTED, PLAIN)
    other.check_output("fail2ban-client set sshd banip %s", MANAGEMENT)

    output, changed = share()
    assert "share %s: banned by %s in nginx-probe" % (attacker_ip, FIRST) in output, output
    assert "NOT shared %s" % PROTECTED in output and "fail2ban_nginx_never_ban of" in output, output
    assert "NOT shared %s" % MANAGEMENT in output, output
    assert all(changed[name] >= 1 for name in TARGETS), changed

    for name in TARGETS:
        held = banned_in(machines[name], SHARED)
        assert attacker_ip in held and PLAIN in held, (name, held)
        assert PROTECTED not in held and MANAGEMENT not in held, (name, held)
    # The firewall of both engines refuses the attacker (a real connection), serves the client.
    for name in OTHERS:
        assert wait_for(lambda n=name: probe(attacker, "4", n, 80) in ("refused", "timeout")), name
        assert http_get(attacker, url[name]).startswith("blocked"), name
    for name in TARGETS:
        assert http_get(innocent, url[name]) == "200", name

    # Idempotent: the second run changes nothing, and pushes nothing: every shared jail's digest
    # (fail2ban_status digest_jails) matches the plan's, on 0.11.2, 1.0.2 and 1.1.0 alike.
    output, changed = share()
    assert changed == dict((name, 0) for name in TARGETS), changed
    assert "to push to 0 hosts (none); 3 hold it already" in output, output[-3000:]

    # No host bans them on its own any more: the next run expires them from every shared jail.
    first.check_output("fail2ban-client unban %s", attacker_ip)
    other.check_output("fail2ban-client unban %s", PLAIN)
    _output, changed = share()
    for name in TARGETS:
        assert not {attacker_ip, PLAIN} & set(banned_in(machines[name], SHARED)), name
    for name in OTHERS:
        assert wait_for(lambda n=name: http_get(attacker, url[n]) == "200"), name
