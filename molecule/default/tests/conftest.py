"""Shared fixtures: the client container and the targets' names as the client resolves them.

The scenario has one target per Debian release (the inventory group `fortress`); every test that
takes `host` runs once per target. The client and the attacker are shared.
"""
import ipaddress
import json
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


def ban_engine(machine):
    """What a target's bans go to: "nft" (fail2ban's nftables actions, the role's default) or "ufw"
    (fail2ban_nginx_banaction: ufw, set for one target in molecule.yml), read from the role's jail
    file (so it answers while fail2ban restarts; test_ban_engine.py checks the running actions)."""
    jails = machine.file("/etc/fail2ban/jail.d/fortress-nginx.local").content_string
    banaction = [line.split("=", 1)[1].strip() for line in jails.splitlines() if line.startswith("banaction =")]
    if banaction == ["ufw"]:
        return "ufw"
    # fortress-nftables (the role's default), or fail2ban's own nftables-multiport/-allports.
    assert len(banaction) == 1 and "nftables" in banaction[0], banaction
    return "nft"


def nft_set(machine, jail, family="4"):
    """The addresses in fail2ban's nftables set of a jail (family "4": addr-set-JAIL, "6":
    addr6-set-JAIL; "4net"/"6net": addr-net-JAIL/addr6-net-JAIL, the networks of fortress-nftables:
    network bans, IPv6 prefix bans), read with
    `nft -j list set inet f2b-table ...`; [] when the set does not exist (fail2ban creates it at the
    jail's first ban of that family)."""
    name = {"4": "addr-set-%s", "6": "addr6-set-%s", "4net": "addr-net-%s", "6net": "addr6-net-%s"}[family] % jail
    listing = machine.run("nft -j list set inet f2b-table %s", name)
    if listing.rc != 0:
        return []
    elements = []
    for item in json.loads(listing.stdout)["nftables"]:
        for element in item.get("set", {}).get("elem", []):
            value = element["elem"]["val"] if isinstance(element, dict) and "elem" in element else element
            elements.append(value["prefix"]["addr"] + "/%d" % value["prefix"]["len"]
                            if isinstance(value, dict) and "prefix" in value else value)
    return elements


def family_of(address):
    return "6" if ipaddress.ip_address(address.split("/")[0]).version == 6 else "4"


def firewall_bans(machine, jail):
    """The addresses of a jail's bans in the firewall itself: the nftables set, or the ufw rules
    whose comment names the jail."""
    if ban_engine(machine) == "nft":
        return sum((nft_set(machine, jail, family) for family in ("4", "6", "4net", "6net")), [])
    rules = [line for line in machine.check_output("ufw status").splitlines() if line.endswith("against %s" % jail)]
    return [token for rule in rules for token in rule.split() if ":" in token or token.count(".") == 3]


def no_ban_left(machine):
    """No fail2ban ban in the firewall: no ufw rule of fail2ban's, no element in its nftables table."""
    if "by Fail2Ban" in machine.check_output("ufw status"):
        return False
    table = machine.run("nft list table inet f2b-table")
    return table.rc != 0 or "elements = " not in table.stdout


def unban_all(machine):
    """Unban everything and wait until no ban is left in the firewall: ufw's rule files are not
    locked, so a ban's ufw command running beside an unban's could lose one of them."""
    machine.run("fail2ban-client unban --all")
    assert wait_for(lambda: no_ban_left(machine)), (
        machine.check_output("ufw status"), machine.run("nft list table inet f2b-table").stdout)
