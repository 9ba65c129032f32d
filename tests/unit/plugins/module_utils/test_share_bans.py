"""The fleet-defence policy and blocklist parser (module_utils/share_bans.py): pure, no fail2ban."""
import os

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils.share_bans import (
    ShareBansError,
    bans_of_status,
    check_policy,
    hosts_to_push,
    ignored_of_status,
    parse_blocklist,
    parse_network,
    plan_shared,
    summary,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "blocklists")
LAB = {"allow_private": True, "blocklist_allow_private": True}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def status(**jails):
    """A fail2ban_status result with these jails' banned lists."""
    return {"changed": False, "jails": dict((name.replace("_", "-"), {"actions": {"banned_ips": ips}})
                                            for name, ips in jails.items())}


def test_min_hosts_shares_what_enough_hosts_ban_and_says_why():
    bans = {"web1": {"nginx-4xx": ["1.2.3.4", "5.6.7.8"]}, "web2": {"nginx-4xx": ["1.2.3.4"]}, "web3": {}}
    plan = plan_shared(bans, {"min_hosts": 2, "any_host_jails": []})
    assert plan["addresses"] == ["1.2.3.4"]
    assert plan["shared"] == [{"address": "1.2.3.4", "hosts": {"web1": ["nginx-4xx"], "web2": ["nginx-4xx"]},
                               "reasons": ["banned by 2 hosts (min_hosts 2)"]}]
    assert plan["hosts_reporting"] == ["web1", "web2", "web3"]


def test_any_host_jails_share_a_single_hosts_ban():
    bans = {"web1": {"nginx-probe": ["1.2.3.4"], "nginx-4xx": ["5.6.7.8"], "sshd": ["9.9.9.9"]}}
    plan = plan_shared(bans, {"min_hosts": 2})
    assert plan["addresses"] == ["1.2.3.4", "9.9.9.9"]
    assert plan["shared"][0]["reasons"] == ["banned by web1 in nginx-probe"]


def test_named_jails_and_min_hosts_off():
    bans = {"web1": {"nginx-4xx": ["1.2.3.4"]}, "web2": {"nginx-4xx": ["1.2.3.4"]}}
    assert plan_shared(bans, {"min_hosts": 0, "any_host_jails": []})["addresses"] == []
    assert plan_shared(bans, {"min_hosts": 0, "any_host_jails": ["nginx-4xx"]})["addresses"] == ["1.2.3.4"]


def test_the_shared_jails_own_bans_never_count_so_shared_bans_expire():
    # Once shared, every host bans it in fortress-shared: that must not keep it shared.
    bans = dict(("web%d" % n, {"fortress-shared": ["1.2.3.4"]}) for n in range(5))
    assert plan_shared(bans, {"min_hosts": 2})["addresses"] == []
    assert plan_shared({"w": {"mine": ["1.2.3.4"]}}, {"min_hosts": 1}, shared_jail="mine")["addresses"] == []


def test_ignore_jails():
    bans = {"web1": {"recidive": ["1.2.3.4"]}, "web2": {"recidive": ["1.2.3.4"]}}
    assert plan_shared(bans, {"ignore_jails": ["recidive"]})["addresses"] == []


def test_protected_addresses_are_never_shared_even_inside_a_banned_network():
    bans = {"web1": {"sshd": ["192.0.2.10", "198.51.100.0/24", "203.0.113.9"]}}
    protected = [("192.0.2.10", "management connection of web1"), ("198.51.100.77", "never_ban of web2"),
                 ("203.0.113.0/24", "trusted proxies of web3")]
    plan = plan_shared(bans, LAB, protected)
    assert plan["addresses"] == []
    reasons = dict((row["address"], row["reason"]) for row in plan["excluded"])
    assert reasons == {"192.0.2.10": "protected: 192.0.2.10 (management connection of web1)",
                       "198.51.100.0/24": "protected: 198.51.100.77 (never_ban of web2)",
                       "203.0.113.9": "protected: 203.0.113.0/24 (trusted proxies of web3)"}
    assert plan["excluded"][0]["hosts"] == {"web1": ["sshd"]}


def test_private_and_special_ranges():
    bans = {"web1": {"sshd": ["10.0.0.5", "127.0.0.1", "fe80::1", "224.0.0.1", "0.0.0.0/0", "::/0", "8.8.8.8"]}}
    plan = plan_shared(bans)
    assert plan["addresses"] == ["8.8.8.8"]
    assert "private" in dict((r["address"], r["reason"]) for r in plan["excluded"])["10.0.0.5"]
    # A lab allows private addresses, never loopback, link-local, multicast or the whole Internet.
    assert plan_shared(bans, LAB)["addresses"] == ["8.8.8.8", "10.0.0.5"]


def test_ipv6_and_networks_are_canonical_and_sorted():
    bans = {"a": {"sshd": ["2a01:4f8::1", "2A01:4F8:0:0::1", "5.0.0.0/8", "4.4.4.4"]}}
    assert plan_shared(bans)["addresses"] == ["4.4.4.4", "5.0.0.0/8", "2a01:4f8::1"]


@pytest.mark.parametrize("entry", ["1.2.3.4; reboot", "1.2.3.4\nunbanip", "$(id)", "1.2.3.4 5.6.7.8", "1.2.3.4/24",
                                   "999.1.1.1", "", "-1.2.3.4", "1.2.3.4/33", None, 16909060])
def test_bad_banned_entries_are_reported_never_shared(entry):
    plan = plan_shared({"web1": {"sshd": [entry, "8.8.8.8"]}})
    assert plan["addresses"] == ["8.8.8.8"]
    assert plan["bad"] == [{"host": "web1", "jail": "sshd", "entry": str(entry)}]


def test_hosts_that_did_not_report_are_listed():
    plan = plan_shared({"web1": {"sshd": ["8.8.8.8"]}, "web2": None})
    assert plan["hosts_missing"] == ["web2"] and plan["hosts_reporting"] == ["web1"]
    assert "NOT REPORTING: web2" in summary(plan)[0]


@pytest.mark.parametrize("policy", [{"min_hosts": -1}, {"min_hosts": "2"}, {"min_hosts": True},
                                    {"any_host_jails": "sshd"}, {"any_host_jails": ["ssh d"]},
                                    {"any_host_jails": ["x;reboot"]}, {"ignore_jails": [None]},
                                    {"allow_private": "yes"}, {"max_addresses": 0}, {"blocklist_max": "1"},
                                    {"min_host": 2}])
def test_bad_policies_fail_naming_the_setting(policy):
    with pytest.raises(ShareBansError) as error:
        check_policy(policy)
    assert list(policy)[0] in str(error.value)


def test_a_bad_protected_entry_fails_closed():
    with pytest.raises(ShareBansError, match="not an address"):
        plan_shared({"web1": {"sshd": ["8.8.8.8"]}}, protected=[("office.example", "never_ban of web1")])


def test_more_than_the_cap_fails_and_pushes_nothing():
    bans = {"web1": {"sshd": ["8.8.8.%d" % n for n in range(1, 11)]}}
    with pytest.raises(ShareBansError, match="max_addresses 5"):
        plan_shared(bans, {"max_addresses": 5})


def test_bans_of_status():
    assert bans_of_status(status(sshd=["1.2.3.4"])) == {"sshd": ["1.2.3.4"]}
    assert bans_of_status({"failed": True, "msg": "x"}) is None
    assert bans_of_status(None) is None and bans_of_status({"skipped": True}) is None


def test_what_a_host_never_bans_comes_from_its_status_read_with_ignored():
    result = status(sshd=[], nginx_4xx=[])
    result["jails"]["sshd"]["ignoreip"] = ["127.0.0.1/8", "::1", "office.example.net", "203.0.113.0/28"]
    result["jails"]["nginx-4xx"]["ignoreip"] = ["127.0.0.1/8", "198.51.100.7"]
    result.update(host_addresses=["192.0.2.20", "2001:db8::20"], management_source="192.0.2.1")
    ignored = dict(ignored_of_status("web1", result))
    assert ignored == {
        "127.0.0.1/8": "ignoreip of web1's jail sshd", "::1": "ignoreip of web1's jail sshd",
        "203.0.113.0/28": "ignoreip of web1's jail sshd", "198.51.100.7": "ignoreip of web1's jail nginx-4xx",
        "192.0.2.20": "an address of web1", "2001:db8::20": "an address of web1",
        "192.0.2.1": "the management connection of web1"}
    # A host name is fail2ban's to resolve on the host, not the controller's: left out, not an error.
    assert "office.example.net" not in ignored
    # Whatever else a status result holds (a hostile server, a hand-made result) only protects what
    # parses as one address or network: nothing else is carried into the plan.
    hostile = status(sshd=[])
    hostile["jails"]["sshd"]["ignoreip"] = ["198.51.100.9\n8.8.8.8", "8.8.8.8; reboot", "$(id)", None, 7]
    hostile.update(host_addresses=["0/0 8.8.8.8"], management_source="8.8.8.8 22")
    assert ignored_of_status("web1", hostile) == []
    assert ignored_of_status("web1", {"failed": True, "jails": result["jails"]}) == []
    assert ignored_of_status("web1", status(sshd=["1.2.3.4"])) == []


def test_only_hosts_whose_shared_jail_differs_are_pushed():
    from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban import banned_digest
    wanted = ["198.51.100.7", "2001:db8::/64"]
    in_sync = status(sshd=[])
    in_sync["jails"]["fortress-shared"] = {"actions": {"banned_digest": banned_digest(["2001:db8:0::/64", "198.51.100.7"])}}
    listed = status(fortress_shared=["198.51.100.7", "2001:db8::/64"])   # read without digest_jails
    stale = status(fortress_shared=["198.51.100.7"])
    no_jail = status(sshd=["8.8.8.8"])
    statuses = {"web1": in_sync, "web2": listed, "web3": stale, "web4": no_jail, "web5": {"failed": True}}
    assert hosts_to_push(statuses, "fortress-shared", wanted) == ["web3", "web4"]
    assert hosts_to_push(statuses, "fortress-shared", wanted, push_to=["web4", "web5"]) == ["web4"]
    assert hosts_to_push(statuses, "fortress-shared", []) == ["web1", "web2", "web3", "web4"]


def test_parse_network_is_strict():
    assert str(parse_network("192.0.2.0/24")) == "192.0.2.0/24"
    for text in ("192.0.2.1/24", " 192.0.2.1", "192.0.2.1\n", "::1%eth0", "1.2.3"):
        with pytest.raises(ValueError):
            parse_network(text)


def test_spamhaus_drop_format():
    parsed = parse_blocklist(fixture("spamhaus-drop.txt"), "drop", allow_private=True)
    assert parsed["addresses"] == ["192.0.2.0/24", "198.51.100.0/25", "203.0.113.128/25"]
    assert parsed["bad"] == [] and parsed["excluded"] == []


def test_firehol_netset_format():
    parsed = parse_blocklist(fixture("firehol.netset"), "firehol", allow_private=True)
    assert parsed["addresses"] == ["192.0.2.17", "198.51.100.0/24", "203.0.113.64/26"]
    assert parsed["bad"] == []


def test_plain_list_reports_every_bad_line_and_exclusion():
    parsed = parse_blocklist(fixture("plain.txt"), "plain", protected=[("203.0.113.0/24", "never_ban")],
                             allow_private=True)
    # The DROP-style comment after ';' is a comment; the rest is an address.
    assert parsed["addresses"] == ["198.51.100.7", "2001:db8::66", "10.1.2.3", "198.51.100.8"]
    assert parsed["duplicates"] == 1
    assert [(row["line"], row["text"]) for row in parsed["bad"]] == [
        (10, "evil.example"), (11, "198.51.100.9/24"), (12, "300.1.2.3"),
        (13, "198.51.100.10 198.51.100.11"), (14, "$(reboot)"), (15, "198.51.100.12 && reboot")]
    assert [(row["line"], row["address"]) for row in parsed["excluded"]] == [(6, "127.0.0.1"), (8, "203.0.113.5")]
    # Every line is accounted for: blank/comment, address, duplicate, bad or excluded.
    strict = parse_blocklist(fixture("plain.txt"), "plain")
    assert strict["addresses"] == []
    assert len(strict["excluded"]) == 6


def test_blocklist_cap_and_binary():
    text = "\n".join("8.8.%d.%d" % (n // 250, n % 250 + 1) for n in range(20))
    assert len(parse_blocklist(text, max_entries=20)["addresses"]) == 20
    with pytest.raises(ShareBansError, match="size cap"):
        parse_blocklist(text, max_entries=19)
    with pytest.raises(ShareBansError, match="binary"):
        parse_blocklist("8.8.8.8\x00", "x")


def test_blocklists_join_the_plan_with_their_reason():
    bans = {"web1": {"sshd": ["8.8.8.8"]}}
    plan = plan_shared(bans, {}, [("9.9.9.0/24", "never_ban of web1")],
                       blocklists={"drop": "8.8.8.8 ; SBL1\n1.1.1.0/24 ; SBL2\n9.9.9.9\nbad line\n"})
    assert plan["addresses"] == ["1.1.1.0/24", "8.8.8.8"]
    rows = dict((row["address"], row["reasons"]) for row in plan["shared"])
    assert rows["8.8.8.8"] == ["banned by web1 in sshd", "listed in drop"]
    assert rows["1.1.1.0/24"] == ["listed in drop"]
    lists = plan["blocklists"]
    assert lists[0]["bad"][0]["text"] == "bad line" and lists[0]["excluded"][0]["address"] == "9.9.9.9"
    lines = summary(plan)
    assert "share 8.8.8.8: banned by web1 in sshd; listed in drop" in lines
    assert any("bad line 4 of drop" in line for line in lines)
