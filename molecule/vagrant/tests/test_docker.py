"""Docker mode (ufw_baseline_docker) on a real Docker host: the VM runs dockerd and one container
published on 8080 (on the allow-list, molecule.yml) and 8081 (not on it), both to the container's
port 80 (prepare.yml). Every probe comes from the host, from an address of its own on the
management network: another machine, as far as the VM's firewall can tell.
"""

import os
import re

import pytest
import yaml

from test_fortress import http_from, second_source_address, wait_until

ALLOWED = 8080
UNLISTED = 8081
# The sshd jail bans every port, with fail2ban's nftables action hooked on prerouting (molecule.yml).
ALLPORTS_JAIL = "sshd"


@pytest.fixture(scope="module")
def instance():
    """Address, port, user and key of the VM, as the vagrant driver recorded them."""
    with open(os.environ["MOLECULE_INSTANCE_CONFIG"], encoding="utf-8") as handle:
        return yaml.safe_load(handle)[0]


@pytest.fixture(scope="module")
def outside(instance):
    with second_source_address(instance) as address:
        yield address


def served(answer):
    return answer.startswith("HTTP/1.") and " 200" in answer


def probe(outside, instance, port):
    return http_from(outside, instance["address"], port=port, timeout=4)


def container_answers_locally(host, port):
    """The container answers on the port from inside the VM (docker-proxy on loopback, no DOCKER-USER)."""
    # (busybox-static's wget crashes on the host; the VM's python3 fetches instead.)
    fetch = f"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=5).read().decode())"
    result = host.run(f'python3 -c "{fetch}"')
    return result.rc == 0 and result.stdout.strip() == "fortress-container"


def assert_allow_list_holds(host, instance, outside):
    allowed = wait_until(lambda: probe(outside, instance, ALLOWED), served, attempts=30)
    assert served(allowed), f"the allowed published port {ALLOWED} is not served from outside: {allowed}"
    # The container serves the unlisted port too (from inside): a refusal from outside is the firewall's.
    assert container_answers_locally(host, UNLISTED), "the container does not answer on 8081 at all"
    refused = probe(outside, instance, UNLISTED)
    assert refused.startswith("error"), f"published port {UNLISTED}, not on the allow-list, answered: {refused}"


def test_the_allow_list_governs_published_ports(host, instance, outside):
    assert_allow_list_holds(host, instance, outside)
    with host.sudo():
        chain = host.check_output("iptables -S DOCKER-USER")
        log = host.check_output("journalctl -k --since '-5min' --no-pager | grep -c 'UFW DOCKER BLOCK' || true")
    # Matched on the published port (conntrack's original destination), not the container's.
    assert re.search(rf"--ctorigdstport {ALLOWED} .*-j RETURN", chain), chain
    assert not re.search(rf"--ctorigdstport {UNLISTED}\b", chain), chain
    assert int(log.strip() or 0) >= 1, "the refused connection was not logged"


def test_a_banned_client_is_refused_on_a_published_port(host, instance, outside):
    assert served(probe(outside, instance, ALLOWED)), "not served before the ban"
    try:
        with host.sudo():
            host.check_output(f"fail2ban-client set {ALLPORTS_JAIL} banip {outside}")
            table = host.check_output("nft list table inet f2b-table")
        assert re.search(r"hook prerouting priority (-150|mangle)", table), table
        assert outside in table
        blocked = wait_until(lambda: probe(outside, instance, ALLOWED), lambda a: a.startswith("error"), attempts=10)
        assert blocked.startswith("error"), f"a banned client is still served on published port {ALLOWED}: {blocked}"
    finally:
        with host.sudo():
            host.run(f"fail2ban-client set {ALLPORTS_JAIL} unbanip {outside}")
    again = wait_until(lambda: probe(outside, instance, ALLOWED), served)
    assert served(again), f"still refused after the unban: {again}"


def container_state(host):
    return host.run("docker inspect -f '{{.State.Running}}' fortress-web").stdout.strip()


def docker_nat(host):
    return host.run("iptables -t nat -S DOCKER").stdout


@pytest.mark.parametrize("event", [
    "systemctl restart docker",
    "ufw reload",
    "ufw disable && ufw --force enable",
])
def test_the_mode_survives_docker_and_ufw_restarts(host, instance, outside, event):
    with host.sudo():
        host.check_output(event)
        # Docker's own chains are never flushed: the published ports' DNAT is still there.
        running = wait_until(lambda: container_state(host), lambda state: state == "true", attempts=60)
        assert running == "true", f"the container did not come back after {event!r}"
        nat = wait_until(lambda: docker_nat(host),
                         lambda rules: f"--dport {UNLISTED}" in rules and f"--dport {ALLOWED}" in rules, attempts=30)
        assert f"--dport {UNLISTED}" in nat, nat
        assert "-j DOCKER-USER" in host.check_output("iptables -S FORWARD")
    assert_allow_list_holds(host, instance, outside)
