# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fail2ban Python action fortress-nftables (roles/fail2ban_nginx/files/fortress-nftables.py),
against a recording stand-in for libnftables: hermetic, whether or not the machine has fail2ban or
python3-nftables. The live proof is molecule/default/tests/test_ban_engine.py and test_ipv6_prefix.py.
"""
import importlib.util
import os
import sys
import threading
import time
import types

import pytest

SOURCE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "fail2ban_nginx", "files",
                      "fortress-nftables.py")


class FakeNft:
    """Records every batch; answers `list` from `listings`; refuses what `refuse` says; fails if two
    threads are ever inside at once (libnftables would corrupt its context)."""

    def __init__(self):
        self.batches, self.listings, self.refuse = [], {}, {}
        self.inside = 0
        self.overlaps = 0

    def set_handle_output(self, flag):
        assert flag is True

    def cmd(self, text):
        self.inside += 1
        if self.inside > 1:
            self.overlaps += 1
        time.sleep(0.0005)
        self.inside -= 1
        self.batches.append(text)
        for key, error in self.refuse.items():
            if text.startswith(key):
                return 1, "", error
        if text.startswith("list "):
            return 0, self.listings.get(text, ""), ""
        return 0, "", ""


@pytest.fixture
def action_file(monkeypatch):
    fake = FakeNft()
    binding = types.ModuleType("nftables")
    binding.Nftables = lambda: fake
    monkeypatch.setitem(sys.modules, "nftables", binding)
    monkeypatch.delitem(sys.modules, "fortress_nftables_shared", raising=False)
    monkeypatch.setitem(sys.modules, "fail2ban", None)  # as on a machine without fail2ban
    spec = importlib.util.spec_from_file_location("fortress_nftables_under_test", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.fake = fake
    return module


class Jail:
    name = "nginx-4xx"


def make(module, **kwargs):
    return module.Action(Jail(), "fortress-nftables", **kwargs)


def commands(fake):
    return [line for batch in fake.batches for line in batch.splitlines()]


def test_start_builds_the_table_the_sets_and_port_scoped_rules(action_file):
    make(action_file, port="http,https", protocol="tcp", chain="<known/chain>").start()
    lines = commands(action_file.fake)
    assert "add table inet f2b-table" in lines
    assert "add chain inet f2b-table f2b-chain { type filter hook input priority -1; }" in lines
    assert "add set inet f2b-table addr-set-nginx-4xx { type ipv4_addr; }" in lines
    assert "add set inet f2b-table addr6-net-nginx-4xx { type ipv6_addr; flags interval; }" in lines
    rules = [line for line in lines if line.startswith("add rule")]
    assert rules == ["add rule inet f2b-table f2b-chain tcp dport %s %s saddr @%s reject" % (port, match, name)
                     for match, name in (("ip", "addr-set-nginx-4xx"), ("ip6", "addr6-set-nginx-4xx"),
                                         ("ip", "addr-net-nginx-4xx"), ("ip6", "addr6-net-nginx-4xx"))
                     for port in (80, 443)]
    # No anonymous set anywhere: nft 1.0.6 mixed them up in a long-lived context.
    assert not any("{" in rule for rule in rules)


def test_allports_and_the_prerouting_hook_of_docker_hosts(action_file):
    make(action_file, type="allports", chain_hook="prerouting", chain_priority="-150", blocktype="drop").start()
    lines = commands(action_file.fake)
    assert "add chain inet f2b-table f2b-chain { type filter hook prerouting priority -150; }" in lines
    assert "add rule inet f2b-table f2b-chain meta l4proto tcp ip saddr @addr-set-nginx-4xx drop" in lines


def test_port_ranges_and_numbers_without_etc_services(action_file):
    settings = action_file.Settings("j", {"port": "ssh,8000:8080,2222", "protocol": "tcp,udp"})
    assert settings.matches() == ["tcp dport 22", "tcp dport 8000-8080", "tcp dport 2222",
                                  "udp dport 22", "udp dport 8000-8080", "udp dport 2222"]


@pytest.mark.parametrize("kwargs", [
    {"port": "80; flush ruleset"},
    {"port": "80 } ip saddr 0.0.0.0/0 drop; {"},
    {"port": "no-such-service"},
    {"protocol": "tcp; flush ruleset"},
    {"blocktype": "accept"},
    {"blocktype": "reject; flush ruleset"},
    {"chain_hook": "output"},
    {"chain_hook": "prerouting", "blocktype": "reject"},
    {"chain_priority": "-1; flush ruleset"},
    {"name": "x } ; flush ruleset"},
    {"table": "f2b table"},
    {"nft_chain": "a\nflush ruleset"},
    {"prefixlen": "129"},
    {"type": "oneport"},
])
def test_a_bad_parameter_stops_the_action_before_any_command(action_file, kwargs):
    with pytest.raises(ValueError):
        make(action_file, **kwargs)
    assert action_file.fake.batches == []


@pytest.mark.parametrize("entry, target", [
    ("203.0.113.7", ("addr-set-j", "203.0.113.7")),
    ("2001:db8::7", ("addr6-set-j", "2001:db8::7")),
    ("203.0.113.64/28", ("addr-net-j", "203.0.113.64/28")),
    ("203.0.113.65/28", ("addr-net-j", "203.0.113.64/28")),
    ("2001:db8::/48", ("addr6-net-j", "2001:db8::/48")),
    ("203.0.113.7/32", ("addr-set-j", "203.0.113.7")),
])
def test_addresses_go_to_the_hash_sets_networks_to_the_interval_sets(action_file, entry, target):
    assert action_file.Settings("j", {}).target(entry) == target


@pytest.mark.parametrize("entry", ["203.0.113.7 } ; flush ruleset", "evil.example", "", "1.2.3.4/33"])
def test_anything_but_an_address_is_refused(action_file, entry):
    with pytest.raises(ValueError):
        action_file.Settings("j", {}).target(entry)


def test_ban_and_unban_are_one_command_each(action_file):
    action = make(action_file)
    action.ban({"ip": "203.0.113.7"})
    action.unban({"ip": "203.0.113.7"})
    assert action_file.fake.batches == ["add element inet f2b-table addr-set-nginx-4xx { 203.0.113.7 }",
                                        "delete element inet f2b-table addr-set-nginx-4xx { 203.0.113.7 }"]


def test_an_unban_of_an_element_already_gone_is_no_error(action_file):
    action = make(action_file)
    action_file.fake.refuse["delete element"] = "Error: Could not process rule: No such file or directory"
    action.unban({"ip": "203.0.113.7"})
    action_file.fake.refuse["add element"] = "Error: Could not process rule: No such file or directory"
    with pytest.raises(action_file.NftError):
        action.ban({"ip": "203.0.113.8"})


def test_ipv6_prefix_bans_keep_the_network_until_its_last_address_goes(action_file):
    action = make(action_file, prefixlen="64")
    action.ban({"ip": "2001:db8:1:2::7"})
    action.ban({"ip": "2001:db8:1:2::8"})
    action.ban({"ip": "203.0.113.7"})  # IPv4 stays single
    assert action_file.fake.batches == ["add element inet f2b-table addr6-net-nginx-4xx { 2001:db8:1:2::/64 }",
                                        "add element inet f2b-table addr-set-nginx-4xx { 203.0.113.7 }"]
    action.unban({"ip": "2001:db8:1:2::7"})
    assert len(action_file.fake.batches) == 2  # ::8 still banned: the network stays
    action.unban({"ip": "2001:db8:1:2::8"})
    assert action_file.fake.batches[-1] == "delete element inet f2b-table addr6-net-nginx-4xx { 2001:db8:1:2::/64 }"
    # A network wider than the prefix is banned as it is.
    assert action.settings.target("2001:db8::/32") == ("addr6-net-nginx-4xx", "2001:db8::/32")


LISTING = """table inet f2b-table {
\tchain f2b-chain {
\t\ttype filter hook input priority filter - 1; policy accept;
\t\tmeta l4proto { tcp } ip saddr @addr-set-sshd reject # handle 4
\t\ttcp dport { 80, 443 } ip saddr @addr-set-nginx-4xx reject # handle 7
\t\ttcp dport { 80, 443 } ip6 saddr @addr6-net-nginx-4xx reject # handle 10
\t\ttcp dport { 80, 443 } ip saddr @addr-set-nginx-4xx-more reject # handle 12
\t}
}
"""


def test_stop_removes_only_this_jails_rules_and_sets(action_file):
    action_file.fake.listings["list chain inet f2b-table f2b-chain"] = LISTING
    action_file.fake.listings["list table inet f2b-table"] = LISTING
    make(action_file).stop()
    lines = commands(action_file.fake)
    assert [line for line in lines if line.startswith("delete rule")] == [
        "delete rule inet f2b-table f2b-chain handle 7", "delete rule inet f2b-table f2b-chain handle 10"]
    assert "delete set inet f2b-table addr-set-nginx-4xx" in lines
    assert "delete table inet f2b-table" not in lines  # sshd's rules are still there


def test_the_last_jail_out_removes_the_table(action_file):
    action_file.fake.listings["list table inet f2b-table"] = "table inet f2b-table {\n\tchain f2b-chain {\n\t}\n}\n"
    make(action_file).stop()
    assert commands(action_file.fake)[-1] == "delete table inet f2b-table"


def test_a_start_after_a_crash_replaces_the_jails_rules(action_file):
    action_file.fake.listings["list chain inet f2b-table f2b-chain"] = LISTING
    make(action_file).start()
    lines = commands(action_file.fake)
    assert lines.index("delete rule inet f2b-table f2b-chain handle 7") < lines.index("add table inet f2b-table")


def test_reload_with_new_ports_rewrites_the_rules_and_keeps_the_sets(action_file):
    action = make(action_file, port="http,https")
    action.clearAllParams()
    action.reload(port="http,https")
    assert action_file.fake.batches == []
    action.reload(port="http,https,8080")
    lines = commands(action_file.fake)
    assert not any(line.startswith("delete set") or line.startswith("flush") for line in lines)
    assert "add rule inet f2b-table f2b-chain tcp dport 8080 ip saddr @addr-set-nginx-4xx reject" in lines


def test_every_call_is_serialised_across_jails_and_threads(action_file):
    actions = [action_file.Action(type("J", (), {"name": "jail%d" % n})(), "fortress-nftables") for n in range(3)]

    def worker(action, base):
        for index in range(40):
            action.ban({"ip": "10.%d.0.%d" % (base, index)})

    threads = [threading.Thread(target=worker, args=(action, n)) for n, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(action_file.fake.batches) == 120
    assert action_file.fake.overlaps == 0


def test_check_mode_of_the_file_reports_a_missing_fail2ban(action_file, capsys):
    assert action_file.main(["fortress-nftables.py", "--check"]) == 1
    assert "fail2ban" in capsys.readouterr().err
    assert action_file.main(["fortress-nftables.py"]) == 2
