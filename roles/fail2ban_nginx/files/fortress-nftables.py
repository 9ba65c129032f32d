# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fortress-nftables: fail2ban's nftables sets, driven in-process (fortress.nginx.fail2ban_nginx).

Jails use it as `banaction = fortress-nftables.py` (the jail's ports) and
`banaction_allports = fortress-nftables.py[type=allports]`. It keeps the table, chain, sets and
rules of fail2ban's packaged action.d/nftables.conf (table `inet f2b-table`, chain `f2b-chain`
hooked on input at priority -1, hash sets `addr-set-JAIL`/`addr6-set-JAIL`), plus interval sets
`addr-net-JAIL`/`addr6-net-JAIL` for network bans and optional IPv6 prefix bans.

Why not the packaged command action: each of its bans forks `/bin/sh -c nft ...` (7 ms a ban through
fail2ban on the test machine, where a bare `nft add element` takes 2 ms), and after a restart
fail2ban puts the database's bans back one at a time at that rate (10,000 bans: 70 s with the sets
empty meanwhile). Here a ban is one call of libnftables (python3-nftables) inside fail2ban-server:
no process, no shell, no parsing of the ruleset.

libnftables is not thread-safe and exits the process on a corrupted context ("kernel ABI is
broken"); fail2ban bans from several threads (each jail's actions thread, the socket thread of
`fail2ban-client set JAIL banip`). One lock, shared by every jail's instance of this file (fail2ban
loads the file once per jail), serialises every call.

Parameters (jail.local, `fortress-nftables.py[name=value, ...]`): type (multiport|allports), port,
protocol, blocktype (reject|drop), chain_hook (input|prerouting|forward), chain_priority,
prefixlen (0: off; else IPv6 addresses are banned as their network of that many bits), table,
table_family, nft_chain, name (the sets' suffix, default the jail's name). fail2ban's jail.conf also
passes `chain` (an iptables chain name): ignored.

`python3 fortress-nftables.py --check` exits 0 when libnftables and fail2ban are importable (the
role's validate step).
"""
from __future__ import absolute_import, division, print_function

import ipaddress
import re
import socket
import sys
import threading
import types

__metaclass__ = type

try:
    from fail2ban.server.action import ActionBase
    HAS_FAIL2BAN = True
except ImportError:  # --check reports it; the unit tests run without fail2ban
    HAS_FAIL2BAN = False

    class ActionBase(object):  # pylint: disable=too-few-public-methods
        """The part of fail2ban's ActionBase this action uses."""

        def __init__(self, jail, name):
            self._jail = jail
            self._name = name

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_PORTS = re.compile(r"^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?(,[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?)*$")
_PROTOCOLS = ("tcp", "udp", "sctp", "dccp")
_BLOCKTYPES = ("reject", "drop", "reject with tcp reset", "reject with icmpx type admin-prohibited",
               "reject with icmpx type port-unreachable")
_HOOKS = ("input", "prerouting", "forward")
_MISSING = ("No such file or directory",)
# Service names jail.conf uses, for hosts without /etc/services (netbase): nft would refuse them.
_WELL_KNOWN = {"ssh": 22, "http": 80, "https": 443, "smtp": 25, "submission": 587, "imap": 143, "imaps": 993,
               "pop3": 110, "pop3s": 995, "ftp": 21, "ftp-data": 20, "ftps": 990, "ftps-data": 989, "domain": 53}

# One lock for the whole fail2ban-server process, whatever the number of jails (fail2ban loads this
# file as a new module for each jail).
_SHARED = sys.modules.setdefault("fortress_nftables_shared", types.ModuleType("fortress_nftables_shared"))
if not hasattr(_SHARED, "lock"):
    # Re-entrant: a start, reload or stop holds it across its whole list-delete-add sequence, so
    # that no other jail's change comes between its steps.
    _SHARED.lock = threading.RLock()


class NftError(Exception):
    """nft refused a command."""


def _context():
    """A new libnftables context for each call (under the lock). A context kept across calls
    carries its cache from one command to the next: with several jails changing the table through
    it, we saw a rule missing after restarts and reloads. A new context costs well under a
    millisecond, against several for a new nft process."""
    import nftables  # pylint: disable=import-outside-toplevel
    context = nftables.Nftables()
    context.set_handle_output(True)
    return context


def run_nft(text, missing_ok=False):
    """Run nft commands (one atomic batch) in-process; the command's output."""
    with _SHARED.lock:
        code, output, error = _context().cmd(text)
    if code != 0:
        if missing_ok and any(reason in (error or "") for reason in _MISSING):
            return ""
        raise NftError("nft: %s: %s" % (text.splitlines()[0], (error or "").strip()))
    return output or ""


def parse_entry(value):
    """A banned address or network as fail2ban hands it (IPAddr, str): (network, is_network).
    Anything but an address or a network raises ValueError: nothing else reaches a command."""
    text = str(value).strip()
    if "/" in text:
        network = ipaddress.ip_network(text, strict=False)
        if network.prefixlen < network.max_prefixlen:
            return network, True
    return ipaddress.ip_network(text.split("/", 1)[0]), False


class Settings:
    """The action's parameters, checked once: a bad one stops the jail's action from loading."""

    def __init__(self, jail_name, kwargs):
        self.name = kwargs.get("name") or jail_name
        self.type = kwargs.get("type", "multiport")
        self.port = str(kwargs.get("port", "0:65535")).replace(" ", "")
        self.protocols = [p for p in str(kwargs.get("protocol", "tcp")).replace(" ", "").split(",") if p]
        self.blocktype = str(kwargs.get("blocktype", "reject")).strip()
        self.hook = kwargs.get("chain_hook", "input")
        self.priority = str(kwargs.get("chain_priority", "-1")).strip()
        self.prefixlen = int(kwargs.get("prefixlen", 0) or 0)
        self.table = kwargs.get("table", "f2b-table")
        self.family = kwargs.get("table_family", "inet")
        self.chain = kwargs.get("nft_chain", "f2b-chain")
        self.check()

    def check(self):
        for what in ("name", "table", "chain"):
            if not _NAME.match(getattr(self, what) or ""):
                raise ValueError("fortress-nftables: bad %s %r" % (what, getattr(self, what)))
        if self.type not in ("multiport", "allports"):
            raise ValueError("fortress-nftables: type must be multiport or allports, not %r" % self.type)
        if self.type == "multiport" and not _PORTS.match(self.port):
            raise ValueError("fortress-nftables: bad port list %r" % self.port)
        if not self.protocols or any(p not in _PROTOCOLS for p in self.protocols):
            raise ValueError("fortress-nftables: bad protocol %r" % ",".join(self.protocols))
        if self.blocktype not in _BLOCKTYPES:
            raise ValueError("fortress-nftables: blocktype must be one of %s" % ", ".join(_BLOCKTYPES))
        if self.hook not in _HOOKS:
            raise ValueError("fortress-nftables: chain_hook must be one of %s" % ", ".join(_HOOKS))
        if self.hook == "prerouting" and self.blocktype != "drop":
            raise ValueError("fortress-nftables: a prerouting chain cannot reject: blocktype must be drop")
        if not re.match(r"^-?[0-9]{1,4}$", self.priority):
            raise ValueError("fortress-nftables: bad chain_priority %r" % self.priority)
        if self.family not in ("inet", "ip", "ip6"):
            raise ValueError("fortress-nftables: table_family must be inet, ip or ip6")
        if not 0 <= self.prefixlen <= 128:
            raise ValueError("fortress-nftables: prefixlen must be 0 (off) to 128")
        self.matches()  # every port resolves

    def sets(self):
        """(set, element type, address match, interval) of the jail's four sets."""
        return (
            ("addr-set-%s" % self.name, "ipv4_addr", "ip", False),
            ("addr6-set-%s" % self.name, "ipv6_addr", "ip6", False),
            ("addr-net-%s" % self.name, "ipv4_addr", "ip", True),
            ("addr6-net-%s" % self.name, "ipv6_addr", "ip6", True),
        )

    def port_number(self, port, protocol):
        """A port as a number: jail.conf names services (http, ssh)."""
        if port.isdigit():
            number = int(port)
        else:
            try:
                number = socket.getservbyname(port, protocol)
            except (OSError, socket.error):
                number = _WELL_KNOWN.get(port)
        if number is None or not 0 <= number <= 65535:
            raise ValueError("fortress-nftables: unknown port %r" % port)
        return number

    def matches(self):
        """The rule heads: one per protocol and port (or port range) of the jail, or one per
        protocol for every port. No anonymous sets (`dport { 80, 443 }`): in a long-lived
        libnftables context, nft 1.0.6 (Debian 12) bound a rule of a later batch to another
        rule's anonymous set (we saw `tcp dport { 443 }` and `{ 80, 443 }` in one jail's rules), so
        a ban could match the wrong ports."""
        if self.type == "allports":
            return ["meta l4proto %s" % protocol for protocol in self.protocols]
        heads = []
        for protocol in self.protocols:
            for part in self.port.split(","):
                ends = [str(self.port_number(end, protocol)) for end in part.split(":")]
                head = "%s dport %s" % (protocol, "-".join(ends))
                if head not in heads:
                    heads.append(head)
        return heads

    def where(self):
        return "%s %s" % (self.family, self.table)

    def start_commands(self):
        where = self.where()
        lines = ["add table %s" % where,
                 "add chain %s %s { type filter hook %s priority %s; }" % (where, self.chain, self.hook, self.priority)]
        for name, kind, _match, interval in self.sets():
            lines.append("add set %s %s { type %s;%s }" % (where, name, kind, " flags interval;" if interval else ""))
        for name, _kind, match, _interval in self.sets():
            for head in self.matches():
                lines.append("add rule %s %s %s %s saddr @%s %s" % (where, self.chain, head, match, name, self.blocktype))
        return "\n".join(lines)

    def own_rule_handles(self, listing):
        """Handles of the rules of this jail's sets in `nft -a list chain` output."""
        names = "|".join(re.escape(name) for name, _k, _m, _i in self.sets())
        pattern = re.compile(r"@(?:%s)\s.*#\s*handle\s+(\d+)\s*$" % names)
        return [m.group(1) for m in (pattern.search(line) for line in listing.splitlines()) if m]

    def target(self, entry):
        """(set, element) a ban of `entry` (address or network) goes to."""
        network, is_network = parse_entry(entry)
        v6 = network.version == 6
        if v6 and self.prefixlen and network.prefixlen > self.prefixlen:
            network = network.supernet(new_prefix=self.prefixlen)
            is_network = True
        if is_network:
            return ("addr6-net-%s" if v6 else "addr-net-%s") % self.name, str(network)
        return ("addr6-set-%s" if v6 else "addr-set-%s") % self.name, str(network.network_address)


class FortressNftables(ActionBase):
    """fail2ban Python action: bans are elements of nftables sets, added in-process."""

    # `actname`, not `name`: fail2ban passes the action's name by position, and jail.conf may pass a
    # `name` parameter (the sets' suffix) among the keyword arguments.
    def __init__(self, jail, actname, **kwargs):  # pylint: disable=super-with-arguments
        super(FortressNftables, self).__init__(jail, actname)
        self.settings = Settings(getattr(jail, "name", actname), kwargs)
        # Banned entries per network element: several banned addresses may share one IPv6 prefix
        # (or a banned network); the element goes when the last of them is unbanned.
        self._members = {}

    def _drop_own_rules(self):
        where = self.settings.where()
        listing = run_nft("list chain %s %s" % (where, self.settings.chain), missing_ok=True)
        handles = self.settings.own_rule_handles(listing)
        if handles:
            run_nft("\n".join("delete rule %s %s handle %s" % (where, self.settings.chain, h) for h in handles))

    def start(self):
        # A fail2ban that died without its stop left this jail's rules: drop them, not add twins.
        with _SHARED.lock:
            self._drop_own_rules()
            run_nft(self.settings.start_commands())
        self._members = {}

    # fail2ban's reload keeps an action that has these two (its bans stay in force); without them it
    # would replace the action by a new one that is never started.
    def clearAllParams(self):  # pylint: disable=invalid-name
        """Called at the start of a reload: nothing to clear (the parameters come with reload)."""

    def reload(self, **kwargs):
        """A reload with other parameters (a port list, a blocktype) re-creates this jail's rules;
        its sets and their elements stay."""
        settings = Settings(self.settings.name if "name" not in kwargs else kwargs["name"], kwargs)
        if settings.start_commands() == self.settings.start_commands():
            return
        with _SHARED.lock:
            self._drop_own_rules()
            self.settings = settings
            run_nft(self.settings.start_commands())

    def stop(self):
        where = self.settings.where()
        with _SHARED.lock:
            self._drop_own_rules()
            for name, _kind, _match, _interval in self.settings.sets():
                run_nft("delete set %s %s" % (where, name), missing_ok=True)
            # The last jail out removes the table (as fail2ban's _nft_shutdown_table).
            listing = run_nft("list table %s" % where, missing_ok=True)
            if listing and "@addr" not in listing and " set " not in listing.replace("\t", " "):
                run_nft("delete table %s" % where, missing_ok=True)
        self._members = {}

    def flush(self):
        where = self.settings.where()
        run_nft("\n".join("flush set %s %s" % (where, name) for name, _k, _m, _i in self.settings.sets()))
        self._members = {}
        return True

    def ban(self, aInfo):  # pylint: disable=invalid-name
        entry = str(aInfo["ip"])
        name, element = self.settings.target(entry)
        members = self._members.setdefault((name, element), set())
        if not members or name.startswith("addr-set") or name.startswith("addr6-set"):
            run_nft("add element %s %s { %s }" % (self.settings.where(), name, element))
        members.add(entry)

    def unban(self, aInfo):  # pylint: disable=invalid-name
        entry = str(aInfo["ip"])
        name, element = self.settings.target(entry)
        members = self._members.get((name, element), set())
        members.discard(entry)
        if members:
            return  # another banned address still holds this network
        self._members.pop((name, element), None)
        run_nft("delete element %s %s { %s }" % (self.settings.where(), name, element), missing_ok=True)


Action = FortressNftables


def main(argv):
    if argv[1:] != ["--check"]:
        sys.stderr.write("usage: fortress-nftables.py --check (fail2ban loads this file as an action)\n")
        return 2
    try:
        import nftables  # pylint: disable=import-outside-toplevel,unused-import
    except ImportError as exc:
        sys.stderr.write("fortress-nftables: libnftables' Python binding is missing (python3-nftables): %s\n" % exc)
        return 1
    if not HAS_FAIL2BAN:
        sys.stderr.write("fortress-nftables: fail2ban's Python package is not importable\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
