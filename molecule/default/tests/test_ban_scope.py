"""Who a ban cuts off, and who can aim one (issue #10, threat model 3 and 4).

A web jail's ban closes the web ports only: the banned address still reaches SSH (a listener on 22,
the images have no sshd). The sshd and ufw jails ban every port. Both ban engines: the targets whose
bans go to nftables sets (the default) and the one set to ufw in molecule.yml. A local user's forged
"[UFW BLOCK]" lines reach /var/log/ufw.log but ban nobody: the ufw jail reads kernel messages only.
"""
import json
import os
import re

import pytest
import testinfra.utils.ansible_runner

from conftest import address_of, ban_engine, banned_in, firewall_bans, name_of, nft_set, probe, unban_all, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")


@pytest.fixture()
def clean_slate(host):
    unban_all(host)
    yield
    unban_all(host)


@pytest.mark.parametrize("family", ["4", "6"])
def test_a_web_ban_closes_the_web_ports_and_leaves_ssh_open(host, attacker, family, clean_slate):
    target, address = name_of(host), address_of(attacker, family)
    assert probe(attacker, family, target, 80) == "open"
    assert probe(attacker, family, target, 22) == "open"
    host.check_output("fail2ban-client set nginx-4xx banip %s", address)
    assert wait_for(lambda: probe(attacker, family, target, 80) == "refused"), "the web ban did not close 80"
    if ban_engine(host) == "nft":
        # One element of the jail's set of that family; the chain's rules for the set name the web
        # ports, one rule a port (fortress-nftables writes no anonymous set).
        assert nft_set(host, "nginx-4xx", family) == [address]
        chain = host.check_output("nft list chain inet f2b-table f2b-chain")
        set_name = ("addr-set-" if family == "4" else "addr6-set-") + "nginx-4xx"
        rules = [line.strip() for line in chain.splitlines() if "@%s " % set_name in line]
        ports = [re.match(r"tcp dport (\d+) %s saddr @%s reject( with .*)?$" % ("ip" if family == "4" else "ip6", set_name),
                          rule) for rule in rules]
        assert all(ports) and sorted(match.group(1) for match in ports) == ["443", "80"], chain
    else:
        # The ban rule names the web ports (the packaged ufw action would write "Anywhere").
        rules = [line for line in host.check_output("ufw status").splitlines() if address in line]
        assert len(rules) == 1 and rules[0].startswith("80,443/tcp") and "REJECT" in rules[0], rules
        assert "# by Fail2Ban after" in rules[0] and "against nginx-4xx" in rules[0]
    assert probe(attacker, family, target, 22) == "open"


@pytest.mark.parametrize("jail", ["sshd", "ufw"])
def test_sshd_and_ufw_bans_close_every_port(host, attacker, jail, clean_slate):
    target, address = name_of(host), address_of(attacker, "4")
    host.check_output("fail2ban-client set %s banip %s", jail, address)
    assert wait_for(lambda: probe(attacker, "4", target, 80) == "refused"), (
        host.check_output("ufw status"), banned_in(host, jail))
    assert probe(attacker, "4", target, 22) == "refused"
    if ban_engine(host) == "nft":
        assert nft_set(host, jail) == [address]
        chain = host.check_output("nft list chain inet f2b-table f2b-chain")
        rules = [line.strip() for line in chain.splitlines() if "@addr-set-%s " % jail in line]
        assert len(rules) == 1 and re.match(r"meta l4proto (tcp|\{ tcp \}) ip saddr @addr-set-%s reject( with .*)?$" % jail,
                                            rules[0]), chain
    else:
        rules = [line for line in host.check_output("ufw status").splitlines() if address in line]
        assert len(rules) == 1 and rules[0].split()[0] == "Anywhere", rules
    assert firewall_bans(host, jail) == [address]


def test_the_ufw_jail_reads_kernel_messages_only(host):
    # "Current match filter:" then the filter's and the jail's journalmatch, joined by " + ".
    match = host.check_output("fail2ban-client get ufw journalmatch").split("Current match filter:", 1)[1]
    assert set(term.strip() for term in match.split("+")) == {"_TRANSPORT=kernel"}, match
    assert "ufw.log" not in host.check_output("fail2ban-client get ufw logpath")


def _forged_in_file(host, victim):
    return int(host.run("grep -c 'SRC=%s' /var/log/ufw.log", victim).stdout.strip() or 0)


def _forged_in_journal(host, victim):
    entries = [json.loads(entry) for entry in host.check_output("journalctl -o json --no-pager -t kernel").splitlines()]
    return [entry for entry in entries if "SRC=%s " % victim in str(entry.get("MESSAGE"))]


def test_forged_ufw_lines_from_a_local_user_ban_nobody(host, clean_slate):
    victim = "198.51.100.99"
    line = ("[UFW BLOCK] IN=eth0 OUT= MAC=02:42:ac:12:00:05:02:42:ac:12:00:02:08:00 SRC=%s DST=%s LEN=60 "
            "TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=%%d WINDOW=64240 RES=0x00 SYN URGP=0"
            % (victim, address_of(host, "4")))
    # rsyslog loads ufw's 20-ufw.conf (installed after rsyslog started) only when it restarts.
    host.check_output("systemctl restart rsyslog")
    # Counted from here: a verify run again on the same targets finds the earlier run's lines.
    in_file, in_journal = _forged_in_file(host, victim), len(_forged_in_journal(host, victim))
    for port in range(1000, 1015):  # beyond the jail's maxretry (10)
        # setpriv, not runuser/su: no PAM session, so no auth.log line changes what a converge sees.
        host.check_output("setpriv --reuid=nobody --regid=nogroup --clear-groups logger -t kernel %s", line % port)
    # The forgery does reach the file a file-reading ufw jail would read...
    assert wait_for(lambda: _forged_in_file(host, victim) == in_file + 15, 10)
    # ...and the journal, where it is not a kernel message.
    forged = _forged_in_journal(host, victim)[in_journal:]
    assert len(forged) == 15 and {entry["_TRANSPORT"] for entry in forged} == {"syslog"}
    host.run("sleep 3")
    assert victim not in banned_in(host, "ufw")
    assert victim not in host.check_output("ufw status")
    assert victim not in firewall_bans(host, "ufw")
