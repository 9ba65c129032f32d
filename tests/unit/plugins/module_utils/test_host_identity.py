"""module_utils/host_identity.py: the host's addresses and the managing SSH client, from /proc files
given as text (the shapes of Linux 6.1's /proc/net/fib_trie and if_inet6, and of /proc/PID/stat)."""
import pytest

from ansible_collections.fortress.nginx.plugins.module_utils.host_identity import (
    host_addresses,
    management_source,
    parent_pid,
    parse_environ,
    parse_fib_trie,
    parse_if_inet6,
)

# A host with loopback, a Docker bridge and one public-looking address; the Main and Local tables
# both list the local routes. Broadcast and network routes are not the host's addresses.
FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 172.17.0.0/16 2 0 2
        +-- 172.17.0.0/31 1 0 0
           |-- 172.17.0.0
              /16 link UNICAST
           |-- 172.17.0.1
              /32 host LOCAL
        |-- 172.17.255.255
           /32 link BROADCAST
     |-- 198.51.100.20
        /24 link UNICAST
        /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
     |-- 198.51.100.20
        /32 host LOCAL
"""
IF_INET6 = """fd000000000000000000000000000002 04 40 00 82     eth0
00000000000000000000000000000001 01 80 10 80       lo
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
not-an-address 01 80 10 80 bad
"""


def files(mapping):
    def read(path):
        if path not in mapping:
            raise IOError(2, "No such file or directory", path)
        value = mapping[path]
        return value if isinstance(value, bytes) else value.encode()
    return read


def test_the_host_addresses_are_the_local_routes_and_the_ipv6_addresses():
    assert parse_fib_trie(FIB_TRIE) == ["127.0.0.1", "172.17.0.1", "198.51.100.20", "127.0.0.1", "198.51.100.20"]
    assert parse_if_inet6(IF_INET6) == ["fd00::2", "::1", "fe80::fc:ff:fe00:1"]
    addresses, warnings = host_addresses(files({"/proc/net/fib_trie": FIB_TRIE, "/proc/net/if_inet6": IF_INET6}))
    assert addresses == ["127.0.0.1", "172.17.0.1", "198.51.100.20", "::1", "fd00::2", "fe80::fc:ff:fe00:1"]
    assert warnings == []


def test_a_host_without_ipv6_reports_its_ipv4_and_says_what_it_could_not_read():
    addresses, warnings = host_addresses(files({"/proc/net/fib_trie": FIB_TRIE}))
    assert addresses == ["127.0.0.1", "172.17.0.1", "198.51.100.20"]
    assert len(warnings) == 1 and "/proc/net/if_inet6" in warnings[0]


def test_environ_and_stat_parsing():
    assert parse_environ(b"A=1\0SSH_CONNECTION=192.0.2.1 5000 192.0.2.20 22\0B=x=y\0\0") == {
        "A": "1", "SSH_CONNECTION": "192.0.2.1 5000 192.0.2.20 22", "B": "x=y"}
    # A command name with spaces and parentheses: the fields after the last ')' count.
    assert parent_pid(b"4242 (my (odd) cmd) S 4200 4242 4242 0 -1 4194560 ...") == 4200


def test_the_source_is_read_from_the_environment_first():
    assert management_source({"SSH_CONNECTION": "192.0.2.1 50022 192.0.2.20 22"}, read=files({})) == "192.0.2.1"
    assert management_source({"SSH_CLIENT": "2001:db8::1 50022 22"}, read=files({})) == "2001:db8::1"
    # A link-local client with a zone: the address without it.
    assert management_source({"SSH_CONNECTION": "fe80::1%eth0 50022 fe80::2 22"}, read=files({})) == "fe80::1"


def test_under_sudo_the_source_is_found_in_the_ssh_session_above():
    """module (100) <- sh (90) <- sudo (80) <- sh of the SSH session (70, has SSH_CONNECTION) <- sshd (60)."""
    proc = {
        "/proc/100/stat": "100 (python3) S 90 1 1", "/proc/90/stat": "90 (sh) S 80 1 1",
        "/proc/80/stat": "80 (sudo) S 70 1 1", "/proc/70/stat": "70 (sh) S 60 1 1",
        "/proc/90/environ": b"PATH=/usr/bin\0", "/proc/80/environ": b"SUDO_USER=admin\0",
        "/proc/70/environ": b"USER=admin\0SSH_CONNECTION=203.0.113.9 41000 198.51.100.20 22\0",
    }
    assert management_source({"PATH": "/usr/bin"}, pid=100, read=files(proc)) == "203.0.113.9"


@pytest.mark.parametrize("proc", [
    # No SSH anywhere up to init (a local or docker connection).
    {"/proc/100/stat": "100 (python3) S 90 1 1", "/proc/90/stat": "90 (sh) S 1 1 1", "/proc/90/environ": b"A=1\0"},
    # A parent that cannot be read any more (gone): nothing guessed.
    {"/proc/100/stat": "100 (python3) S 90 1 1"},
])
def test_no_ssh_session_means_no_source(proc):
    assert management_source({}, pid=100, read=files(proc)) is None


def test_a_loop_in_the_process_tree_stops():
    proc = {"/proc/100/stat": "100 (a) S 100 1 1", "/proc/100/environ": b"A=1\0"}
    assert management_source({}, pid=100, read=files(proc)) is None


@pytest.mark.parametrize("value", ["", "not-an-address 1 2 3", "192.0.2.1;reboot 1 2 3"])
def test_a_variable_that_is_not_an_address_gives_none_and_no_walk(value):
    # Set but unusable: the session is this one, and its variable says no address.
    assert management_source({"SSH_CONNECTION": value} if value else {"SSH_CONNECTION": value, "SSH_CLIENT": ""},
                             pid=100, read=files({})) is None
