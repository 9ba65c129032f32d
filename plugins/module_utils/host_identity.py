# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Who the host is and who manages it, from the kernel's own files: the host's addresses and the
address of the SSH client running this task. fortress.nginx.fail2ban_status reports them
(with_ignored) so that playbooks/share_bans.yml never spreads a ban of either.

Pure readers over injectable file access, so the unit tests feed recorded /proc files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os

# How far up the process tree to look for the SSH session (module <- sh <- sudo <- sh <- sshd is 4).
MAX_ANCESTORS = 16
SSH_VARIABLES = ("SSH_CONNECTION", "SSH_CLIENT")


def _read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def parse_environ(data):
    """{name: value} of a /proc/PID/environ (NUL-separated NAME=value)."""
    environ = {}
    for item in data.split(b"\0"):
        name, sep, value = item.partition(b"=")
        if sep and name:
            environ[name.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return environ


def parent_pid(stat):
    """The parent's pid in a /proc/PID/stat line ("PID (comm) STATE PPID ..."; comm may hold spaces
    and parentheses, so the fields are read after the last ')')."""
    fields = stat[stat.rindex(b")") + 1:].split()
    return int(fields[1])


def _client_address(environ):
    """The first field of SSH_CONNECTION or SSH_CLIENT, when it is an address; None otherwise."""
    for name in SSH_VARIABLES:
        value = environ.get(name) or ""
        words = value.split()
        if not words:
            continue
        try:
            return str(ipaddress.ip_address(words[0].split("%", 1)[0]))
        except ValueError:
            return None
    return None


def management_source(environ=None, pid=None, read=_read_bytes, max_ancestors=MAX_ANCESTORS):
    """The address of the SSH client that runs this process, or None.

    sshd puts it in SSH_CONNECTION; sudo (become) resets the environment, so when this process lacks
    it, its ancestors' environments are read up to the SSH session (root may read them; only this
    process's own ancestry is read, nobody else's). None without SSH (a local or docker connection).
    """
    environ = os.environ if environ is None else environ
    found = _client_address(environ)
    if found or any(environ.get(name) for name in SSH_VARIABLES):
        return found
    pid = os.getpid() if pid is None else pid
    for _level in range(max_ancestors):
        try:
            pid = parent_pid(read("/proc/%d/stat" % pid))
        except (IOError, OSError, ValueError, IndexError):
            return None
        if pid <= 1:
            return None
        try:
            environ = parse_environ(read("/proc/%d/environ" % pid))
        except (IOError, OSError):
            continue
        if any(environ.get(name) for name in SSH_VARIABLES):
            return _client_address(environ)
    return None


def parse_fib_trie(text):
    """The local IPv4 addresses in /proc/net/fib_trie: each leaf ("|-- 192.0.2.7") followed by a
    "/32 host LOCAL" route."""
    addresses = []
    leaf = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|-- "):
            leaf = stripped[4:].strip()
        elif leaf and stripped.startswith("/32 ") and stripped.endswith(" LOCAL"):
            addresses.append(leaf)
    return addresses


def parse_if_inet6(text):
    """The IPv6 addresses in /proc/net/if_inet6 (32 hex digits first on each line)."""
    addresses = []
    for line in text.splitlines():
        words = line.split()
        if words and len(words[0]) == 32:
            try:
                addresses.append(str(ipaddress.IPv6Address(int(words[0], 16))))
            except ValueError:
                continue
    return addresses


def host_addresses(read=_read_bytes, proc_net="/proc/net"):
    """(addresses, warnings): every address of the host's interfaces (in this network namespace),
    IPv4 then IPv6, each once, sorted; a file that cannot be read is a warning."""
    found, warnings = [], []
    for name, parser in (("fib_trie", parse_fib_trie), ("if_inet6", parse_if_inet6)):
        path = "%s/%s" % (proc_net, name)
        try:
            text = read(path).decode("ascii", "replace")
        except (IOError, OSError) as exc:
            warnings.append("cannot read %s: %s" % (path, exc))
            continue
        for entry in parser(text):
            try:
                found.append(ipaddress.ip_address(entry))
            except ValueError:
                continue
    unique = sorted(set(found), key=lambda address: (address.version, int(address)))
    return [str(address) for address in unique], warnings
