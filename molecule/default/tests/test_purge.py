"""ufw_baseline_purge keeps fail2ban's bans on every release (0.11 on Debian 11, 1.0 on 12, 1.1 on
13): site.yml runs with the purge on while each target holds a web ban, an all-ports ban and a
hand-made rule; the hand-made rule goes, the bans stay (issue #10, threat model 6).

Where bans are ufw rules (fortress-target-bullseye, fail2ban_nginx_banaction: ufw) the purge must
recognise and keep them. Where they are nftables set elements (the default, the other targets) the
purge has none to see, and the run is the re-converge the bans must survive (issue #12): they are
still in the sets and in force afterwards."""
import json
import os
import subprocess

import pytest
import testinfra
import testinfra.utils.ansible_runner

from conftest import ban_engine, banned_in, firewall_bans, unban_all, wait_for

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
TARGETS = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("fortress")
testinfra_hosts = TARGETS
WEB_BAN, ALL_PORTS_BAN = "198.51.100.77", "198.51.100.78"


def _ban_rules(machine):
    return [line for line in machine.check_output("ufw status").splitlines()
            if WEB_BAN in line or ALL_PORTS_BAN in line]


def _bans_in_force(machine):
    return firewall_bans(machine, "nginx-4xx") == [WEB_BAN] and firewall_bans(machine, "ufw") == [ALL_PORTS_BAN]


@pytest.fixture(scope="module")
def purge_run():
    machines = [testinfra.get_host("docker://%s" % name) for name in TARGETS]
    for machine in machines:
        unban_all(machine)
        machine.check_output("fail2ban-client set nginx-4xx banip %s", WEB_BAN)
        machine.check_output("fail2ban-client set ufw banip %s", ALL_PORTS_BAN)
        machine.check_output("ufw allow 8081/tcp")  # a hand-made rule, without comment
        assert wait_for(lambda m=machine: _bans_in_force(m)), (firewall_bans(machine, "nginx-4xx"), firewall_bans(machine, "ufw"))
    result = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, "-e", json.dumps({"ufw_baseline_purge": True}), "fortress.nginx.site"],
        capture_output=True, text=True, timeout=900, check=False)
    yield result
    for machine in machines:
        unban_all(machine)
        machine.run("ufw delete allow 8081/tcp")


def test_the_purge_removes_the_hand_made_rule_and_keeps_the_bans(host, purge_run):
    assert purge_run.returncode == 0, purge_run.stdout[-3000:] + purge_run.stderr[-2000:]
    status = host.check_output("ufw status")
    assert "8081/tcp" not in status  # the purge did run
    rules = _ban_rules(host)
    if ban_engine(host) == "ufw":
        assert len(rules) == 2, status
        assert any(rule.startswith("80,443/tcp") and WEB_BAN in rule and "# by Fail2Ban" in rule for rule in rules), rules
        assert any(rule.startswith("Anywhere") and ALL_PORTS_BAN in rule and "# by Fail2Ban" in rule for rule in rules), rules
    else:
        assert rules == [], status
    assert _bans_in_force(host), (firewall_bans(host, "nginx-4xx"), firewall_bans(host, "ufw"))
    assert WEB_BAN in banned_in(host, "nginx-4xx") and ALL_PORTS_BAN in banned_in(host, "ufw")
