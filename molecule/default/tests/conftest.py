"""Shared fixtures: the client container and the targets' names as the client resolves them.

The scenario has one target per Debian release (the inventory group `fortress`); every test that
takes `host` runs once per target. The client and the attacker are shared.
"""
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
