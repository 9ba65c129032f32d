"""Shared fixtures: the client container and the target's addresses as the client resolves them."""
import os

import pytest
import testinfra

DISTRO = os.environ.get("MOLECULE_DISTRO", "bookworm")
TARGET = "fortress-target-%s" % DISTRO
CLIENT = "fortress-client-%s" % DISTRO

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
