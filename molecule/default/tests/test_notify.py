"""Ban notifications (issue #14): the Debian 12 target posts its bans to a webhook recorder on the
client container, batched: at most one message per interval, never one per ban; only the chosen
jails are sent; the secret URL never shows in a process list or a log."""
import json
import os
import time

import pytest
import testinfra.utils.ansible_runner

from conftest import CLIENT, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

RECORD = "/var/log/fortress-webhook.jsonl"


@pytest.fixture(scope="module")
def webhook():
    import testinfra
    return testinfra.get_host("docker://%s" % CLIENT)


def messages(webhook):
    text = webhook.run("cat %s", RECORD).stdout
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_wave_of_bans_is_one_or_two_messages_of_the_chosen_jails(host, webhook):
    notified = host.backend.get_hostname().endswith("bookworm")
    if not notified:
        assert not host.file("/etc/systemd/system/fortress-notify.timer").exists
        assert not host.file("/etc/fail2ban/action.d/fortress-notify.conf").exists
        return
    host.run("fail2ban-client unban --all")
    before = len(messages(webhook))
    wave = ["198.51.100.%d" % n for n in range(1, 201)]
    started = time.monotonic()
    host.check_output("fail2ban-client set nginx-4xx banip %s" % " ".join(wave))
    host.check_output("fail2ban-client set nginx-http-auth banip 198.51.101.1")  # not a notified jail
    assert wait_for(lambda: sum(m["bans"] for m in messages(webhook)[before:]) >= 200, 30), messages(webhook)[before:]
    spread = time.monotonic() - started  # ufw bans one address at a time: the wave takes a while
    time.sleep(6)  # one more interval: nothing else may come
    new = messages(webhook)[before:]
    # At most one message per 5 s interval while the wave lasts (plus the one that ends it), however
    # many bans: 200 bans through nftables are one or two messages.
    assert 1 <= len(new) <= int(spread // 5) + 2, (len(new), spread)
    assert sum(m["bans"] for m in new) == 200
    assert set().union(*[set(m["jails"]) for m in new]) == {"nginx-4xx"}
    assert all(m["host"] and len(m["addresses"]) <= 20 for m in new)
    # The secret stays out of the process list, the unit and the journal.
    assert "SECRET-TOKEN" not in host.check_output("ps -eo args")
    assert "SECRET-TOKEN" not in host.file("/etc/systemd/system/fortress-notify.service").content_string
    assert "SECRET-TOKEN" not in host.check_output("journalctl -u fortress-notify --no-pager")
    assert host.file("/var/lib/fortress-nginx/notify.url").mode == 0o600
    host.run("fail2ban-client unban --all")
