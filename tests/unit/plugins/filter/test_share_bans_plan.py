"""The filter fortress.nginx.share_bans_plan: hostvars in, plan out; the protected sources it reads."""
import os

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fortress.nginx.plugins.filter.share_bans_plan import share_bans_plan

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "blocklists")


def status(**jails):
    return {"jails": dict((name.replace("_", "-"), {"actions": {"banned_ips": ips}}) for name, ips in jails.items())}


def hostvars():
    return {
        "web1": {"st": dict(status(sshd=["192.0.2.10", "8.8.8.8", "9.9.9.9", "4.4.4.4", "5.5.5.5", "6.6.6.6"]),
                            host_addresses=["6.6.6.6", "2001:db8::20"], management_source="192.0.2.10"),
                 "fail2ban_nginx_never_ban": ["9.9.9.0/24"]},
        "web2": {"st": status(nginx_probe=["8.8.8.8", "1.1.1.1"]), "ansible_host": "5.5.5.5",
                 "fail2ban_nginx_trusted_proxies": ["1.1.1.1"]},
        "web3": {"st": {"failed": True}},
        # Not in the play (--limit), its protected addresses still count.
        "web4": {"fail2ban_nginx_ignoreip": ["8.8.4.4"]},
    }


def test_the_plan_keeps_every_protected_source_out():
    hv = hostvars()
    hv["web1"]["st"]["jails"]["sshd"]["ignoreip"] = ["127.0.0.1/8", "4.4.4.0/24"]
    plan = share_bans_plan(hv, ["web1", "web2", "web3"], "st", policy={"allow_private": True},
                           protect_hosts=["web1", "web2", "web3", "web4"])
    assert plan["addresses"] == ["8.8.8.8"]
    why = dict((row["address"], row["reason"]) for row in plan["excluded"])
    assert "the management connection of web1" in why["192.0.2.10"]
    assert "an address of web1" in why["6.6.6.6"]
    assert "fail2ban_nginx_never_ban of web1" in why["9.9.9.9"]
    assert "ignoreip of web1's jail sshd" in why["4.4.4.4"]  # the running ignoreip
    assert "ansible_host of web2" in why["5.5.5.5"]      # a fleet host
    assert "fail2ban_nginx_trusted_proxies of web2" in why["1.1.1.1"]
    assert plan["hosts_missing"] == ["web3"]
    assert plan["summary"][0].startswith("1 addresses shared from 2 hosts reporting")
    # Neither web1 nor web2 runs the shared jail: both are pushed to (and the push names the missing jail).
    assert plan["push_hosts"] == ["web1", "web2"] and plan["summary"][1].startswith("to push to 2 hosts")


def test_details_off_keeps_the_summary_and_drops_the_rows():
    full = share_bans_plan(hostvars(), ["web1", "web2"], "st", policy={"allow_private": True})
    slim = share_bans_plan(hostvars(), ["web1", "web2"], "st", policy={"allow_private": True}, details=False)
    assert full["shared"] and slim["shared"] == []
    assert slim["addresses"] == full["addresses"] and slim["summary"] == full["summary"]


def test_push_to_limits_the_receivers_not_the_readers():
    plan = share_bans_plan(hostvars(), ["web1", "web2"], "st", policy={"allow_private": True}, push_to=["web2"])
    assert "8.8.8.8" in plan["addresses"]   # banned by web1 and web2: both hosts' bans count
    assert plan["push_hosts"] == ["web2"]


def test_protected_hosts_outside_the_play_count():
    hv = hostvars()
    hv["web1"]["st"] = status(sshd=["8.8.4.4"])
    plan = share_bans_plan(hv, ["web1"], "st", protect_hosts=list(hv))
    assert plan["addresses"] == [] and "web4" in plan["excluded"][0]["reason"]


@pytest.mark.parametrize("value", ["9.9.9.9", {"a": 1}, 5])
def test_a_protected_variable_that_is_not_a_list_fails(value):
    hv = hostvars()
    hv["web1"]["fail2ban_nginx_never_ban"] = value
    with pytest.raises(AnsibleFilterError, match="not a list"):
        share_bans_plan(hv, ["web1"], "st")


def test_bad_policy_fails_the_filter():
    with pytest.raises(AnsibleFilterError, match="min_hosts"):
        share_bans_plan(hostvars(), ["web1"], "st", policy={"min_hosts": -3})


def test_blocklists_from_files_and_download_dir():
    plan = share_bans_plan(hostvars(), ["web1"], "st", policy={"blocklist_allow_private": True},
                           blocklists=[{"name": "drop", "path": os.path.join(FIXTURES, "spamhaus-drop.txt")},
                                       {"name": "firehol.netset", "url": "https://lists.invalid/x"}],
                           download_dir=FIXTURES)
    assert "198.51.100.0/24" in plan["addresses"]
    # The list's 192.0.2.0/24 holds web1's management connection (192.0.2.10): never imported.
    assert "192.0.2.0/24" not in plan["addresses"]
    drop = [item for item in plan["blocklists"] if item["name"] == "drop"][0]
    assert [row["reason"] for row in drop["excluded"] if row["address"] == "192.0.2.0/24"] == [
        "protected: 192.0.2.10 (the management connection of web1)"]
    assert [item["name"] for item in plan["blocklists"]] == ["drop", "firehol.netset"]


@pytest.mark.parametrize("entry", [{"name": "../etc/passwd", "url": "x"}, {"name": "a b", "path": "/x"},
                                   {"name": "ok"}, "drop.txt", {"name": "missing", "path": "/nonexistent/list"}])
def test_bad_blocklist_entries_fail(entry):
    with pytest.raises(AnsibleFilterError, match="blocklist"):
        share_bans_plan(hostvars(), ["web1"], "st", blocklists=[entry], download_dir="/tmp")
