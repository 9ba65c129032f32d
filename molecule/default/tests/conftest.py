"""Shared fixtures: the client container and the targets' names as the client resolves them.

The scenario has one target per Debian release (the inventory group `fortress`); every test that
takes `host` runs once per target. The client and the attacker are shared.
"""
import time

import pytest
import testinfra

CLIENT = "fortress-client"
ATTACKER = "fortress-attacker"


def name_of(host):
    """The target's container name, which Docker's DNS resolves on the scenario's network."""
    return host.backend.get_hostname()


# Runs a TCP connect or a UDP send from a host; prints "open", "refused" or "timeout".
PROBE = r"""
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host, port, proto = sys.argv[2], int(sys.argv[3]), sys.argv[4]
addr = socket.getaddrinfo(host, port, family)[0][4]
if proto == "udp":
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.sendto(sys.argv[5].encode(), addr)
        print("sent")
    except OSError as exc:
        print("blocked %s" % exc)
    sys.exit(0)
sock = socket.socket(family, socket.SOCK_STREAM)
sock.settimeout(3)
try:
    sock.connect(addr)
    print("open")
except ConnectionRefusedError:
    print("refused")
except OSError as exc:
    print("timeout" if isinstance(exc, socket.timeout) else "error %s" % exc)
"""


def probe(host, family, target, port, proto="tcp", payload=""):
    """What a connection from `host` to target:port looks like (open/refused/timeout/sent)."""
    cmd = host.run("python3 -c %s %s %s %s %s %s", PROBE, family, target, str(port), proto, payload or "-")
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip()


@pytest.fixture(scope="module")
def client():
    return testinfra.get_host("docker://%s" % CLIENT)


def banned_in(host, jail):
    """The addresses fail2ban's jail bans now."""
    out = host.check_output("fail2ban-client status %s", jail)
    return out.split("Banned IP list:", 1)[1].split()


def address_of(machine, family):
    """The machine's address on the scenario's network: IPv4, or its global IPv6 address."""
    addresses = machine.check_output("hostname -I").split()
    if family == "4":
        return [a for a in addresses if "." in a][0]
    return [a for a in addresses if ":" in a and not a.lower().startswith("fe80")][0]


def wait_for(predicate, seconds=20.0):
    """Poll predicate until it holds or the time is up; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


@pytest.fixture(scope="module")
def attacker():
    return testinfra.get_host("docker://%s" % ATTACKER)


@pytest.fixture(scope="module")
def innocent():
    """The client container in its role of an innocent visitor."""
    return testinfra.get_host("docker://%s" % CLIENT)


def ipv4_of(machine):
    return address_of(machine, "4")


def http_get(machine, url):
    """One GET from a machine: the status, or "blocked: <reason>"."""
    return machine.check_output("python3 /usr/local/bin/attack.py get %s", url)


def unban_all(machine):
    """Unban everything and wait until fail2ban's ufw rules are gone: ufw's rule files are not
    locked, so a ban's ufw command running beside an unban's could lose one of them."""
    machine.run("fail2ban-client unban --all")
    assert wait_for(lambda: "by Fail2Ban" not in machine.check_output("ufw status")), machine.check_output("ufw status")
