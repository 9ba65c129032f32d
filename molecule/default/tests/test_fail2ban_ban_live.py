"""fortress.nginx.fail2ban_ban against the live fail2ban of every target (0.11.2, 1.0.2, 1.1.0):
it bans what is missing, a second run changes nothing, check mode changes nothing, state=absent
unbans. Documentation addresses only: no container has them."""
import os

import testinfra.utils.ansible_runner

from conftest import firewall_bans, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

JAIL = "nginx-4xx"
TARGETS = ["198.51.100.77", "203.0.113.64/28"]


def banned(host):
    return host.check_output("fail2ban-client status %s", JAIL).split("Banned IP list:", 1)[1].split()


def ban(host, state="present", check=False):
    return host.ansible("fortress.nginx.fail2ban_ban", "jail=%s addresses=%s state=%s" % (JAIL, ",".join(TARGETS), state),
                        check=check)


def test_the_module_bans_unbans_and_is_idempotent(host):
    try:
        planned = ban(host, check=True)
        assert planned["changed"] is True and planned["banned"] == TARGETS
        assert not set(TARGETS) & set(banned(host)), "check mode banned something"
        first = ban(host)
        assert first["changed"] is True and first["banned"] == TARGETS
        assert first["method"] == "socket"
        assert set(TARGETS) <= set(banned(host))
        # In force in the firewall too, the network as a network (an nft interval set, or a ufw rule).
        assert wait_for(lambda: sorted(firewall_bans(host, JAIL)) == sorted(TARGETS)), firewall_bans(host, JAIL)
        again = ban(host)
        assert again["changed"] is False and again["already"] == TARGETS
        lifted = ban(host, state="absent")
        assert lifted["changed"] is True and lifted["unbanned"] == TARGETS
        assert not set(TARGETS) & set(banned(host))
        assert wait_for(lambda: not set(TARGETS) & set(firewall_bans(host, JAIL))), firewall_bans(host, JAIL)
    finally:
        host.run("fail2ban-client set %s unbanip %s %s", JAIL, *TARGETS)
