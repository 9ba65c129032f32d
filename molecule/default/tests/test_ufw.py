"""What the ufw_baseline role does to the target, seen from outside and from inside."""
import os
import uuid

import pytest
import testinfra.utils.ansible_runner

from conftest import CLIENT, name_of, probe

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

FAMILIES = ["4", "6"]


def test_ufw_is_active_with_the_policies_and_logging(host):
    status = host.run("ufw status verbose").stdout
    assert "Status: active" in status
    assert "Default: deny (incoming), deny (outgoing), deny (routed)" in status
    assert "Logging: on (low)" in status


def test_status_lists_ipv4_and_ipv6_rules(host):
    status = host.run("ufw status verbose").stdout
    for line in ("80/tcp (v6)", "443/tcp (v6)", "53/udp (v6)"):
        assert line in status
    assert "# fortress: http" in status


def test_controller_rule_comes_first_and_ssh_is_limited(host):
    numbered = host.run("ufw status numbered").stdout.splitlines()
    rules = [line for line in numbered if line.startswith("[")]
    assert "22/tcp" in rules[0] and "ALLOW IN" in rules[0] and "192.0.2.10" in rules[0], rules[0]
    assert any("22/tcp" in r and "LIMIT IN" in r and "Anywhere" in r for r in rules)


def test_ufw_starts_at_boot(host):
    assert host.service("ufw").is_enabled
    assert "ENABLED=yes" in host.file("/etc/ufw/ufw.conf").content_string


@pytest.mark.parametrize("family", FAMILIES)
def test_allowed_port_80_answers_the_client(host, client, family):
    assert probe(client, family, name_of(host), 80) == "open"


@pytest.mark.parametrize("family", FAMILIES)
def test_listening_port_8080_is_dropped_for_the_client(host, client, family):
    # The listener is up (the target reaches it over loopback): only the firewall hides it.
    assert probe(host, family, "localhost", 8080) == "open"
    assert probe(client, family, name_of(host), 8080) in ("timeout", "refused")


@pytest.mark.parametrize("family", FAMILIES)
def test_outgoing_connection_to_a_port_not_allowed_is_blocked(host, client, family):
    assert probe(client, family, "localhost", 9999) == "open"  # the client's listener works
    assert probe(host, family, CLIENT, 80) == "open"  # 80/tcp out is allowed
    assert probe(host, family, CLIENT, 9999) in ("timeout", "error [Errno 1] Operation not permitted")


def _received(client, token):
    log = client.file("/var/log/fortress-udp.log")
    return [line.split()[0] for line in (log.content_string if log.exists else "").splitlines() if line.endswith(token)]


@pytest.mark.parametrize("family", FAMILIES)
def test_dns_udp_out_is_allowed_and_other_udp_is_not(host, client, family):
    token_53, token_9998 = "dns-" + uuid.uuid4().hex, "other-" + uuid.uuid4().hex
    assert probe(host, family, CLIENT, 53, "udp", token_53) == "sent"
    # Sending does not prove delivery: the firewall drops after the send call returns.
    probe(host, family, CLIENT, 9998, "udp", token_9998)
    control = "control-" + uuid.uuid4().hex
    assert probe(client, family, "localhost", 9998, "udp", control) == "sent"
    for _attempt in range(20):
        if _received(client, token_53) and _received(client, control):
            break
        host.run("sleep 0.2")
    assert _received(client, token_53) == ["53"]
    assert _received(client, control) == ["9998"]  # the 9998 listener works
    assert _received(client, token_9998) == []
