"""The helper of the action fortress-nftables (IPv6 prefix bans): which network a ban covers, and
that an unban deletes a network only with the last banned address in it."""
import importlib.util
import os

import pytest

HELPER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "fail2ban_nginx", "files", "fortress-nft-prefix.py")
SPEC = importlib.util.spec_from_file_location("fortress_nft_prefix", HELPER)
prefix = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(prefix)


@pytest.mark.parametrize("address,length,network", [
    ("2001:db8:1:2:a:b:c:d", 64, "2001:db8:1:2::/64"),
    ("2001:db8:1:2::5", 48, "2001:db8:1::/48"),
    ("2001:DB8::1", 128, "2001:db8::1/128"),
    ("2001:db8:ffff:ffff:1::", 56, "2001:db8:ffff:ff00::/56"),
])
def test_the_network_of_an_address(address, length, network):
    assert prefix.network_of(address, length) == network


def test_a_ban_adds_the_network_and_lists_the_address_once():
    banned, verb, network = prefix.plan([], "ban", "2001:db8:1:2::5", 64)
    assert (banned, verb, network) == (["2001:db8:1:2::5"], "add", "2001:db8:1:2::/64")
    assert prefix.plan(banned, "ban", "2001:DB8:1:2:0::5", 64)[0] == ["2001:db8:1:2::5"]


def test_an_unban_keeps_the_network_while_another_address_in_it_is_banned():
    banned = ["2001:db8:1:2::5", "2001:db8:1:2::6", "2001:db8:9::1"]
    left, verb, network = prefix.plan(banned, "unban", "2001:db8:1:2::5", 64)
    assert (left, verb, network) == (["2001:db8:1:2::6", "2001:db8:9::1"], None, "2001:db8:1:2::/64")
    left, verb, network = prefix.plan(left, "unban", "2001:db8:1:2::6", 64)
    assert (left, verb, network) == (["2001:db8:9::1"], "delete", "2001:db8:1:2::/64")


def test_an_unban_of_an_address_never_listed_deletes_its_network():
    # After a restart fail2ban re-bans from its database, so the list is complete; an unknown
    # address (a hand-made element) still gets its network deleted rather than left stale.
    assert prefix.plan([], "unban", "2001:db8::1", 64) == ([], "delete", "2001:db8::/64")


def test_the_state_file_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(prefix, "STATE_DIR", str(tmp_path / "state"))
    calls = []
    monkeypatch.setattr(prefix.subprocess, "run", lambda argv, check: calls.append(argv) or type("R", (), {"returncode": 0})())
    assert prefix.main(["ban", "inet", "f2b-table", "addr6-net-j", "64", "2001:db8:1:2::5"]) == 0
    assert prefix.main(["ban", "inet", "f2b-table", "addr6-net-j", "64", "2001:db8:1:2::6"]) == 0
    assert prefix.main(["unban", "inet", "f2b-table", "addr6-net-j", "64", "2001:db8:1:2::5"]) == 0
    assert calls == [["nft", "add", "element", "inet", "f2b-table", "addr6-net-j", "{ 2001:db8:1:2::/64 }"]] * 2
    assert prefix.read_state(prefix.state_path("f2b-table", "addr6-net-j")) == ["2001:db8:1:2::6"]
    assert prefix.main(["reset", "inet", "f2b-table", "addr6-net-j"]) == 0
    assert prefix.read_state(prefix.state_path("f2b-table", "addr6-net-j")) == []
    assert prefix.main(["bogus"]) == 2


def test_a_network_ban_is_kept_as_a_network():
    assert prefix.network_of("2001:db8::/48", 64) == "2001:db8::/48"
    assert prefix.network_of("2001:db8:1:2:3::/80", 64) == "2001:db8:1:2::/64"
    banned, verb, network = prefix.plan([], "ban", "2001:db8:0::/48", 64)
    assert (banned, verb, network) == (["2001:db8::/48"], "add", "2001:db8::/48")
    assert prefix.plan(banned, "unban", "2001:db8::/48", 64) == ([], "delete", "2001:db8::/48")
