# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fleet defence (issue #13): which banned addresses every host should ban, and blocklist parsing.

Pure functions, no Ansible: the filter fortress.nginx.share_bans_plan and the blocklist filter call
them, the unit tests and bench/share_bans_bench.py too. Addresses are compared as integer ranges
(version, first, last), so 10,000 bans against a few dozen protected networks cost milliseconds.

Safety rules, in this order, for every candidate address or network:
  1. it must parse as one IPv4/IPv6 address or CIDR network with no host bits set (anything else,
     spaces, shell characters, newlines, is reported as bad, never shared);
  2. it must not overlap a protected network (each host's never_ban, trusted proxies, ignoreip, the
     management connection's source, the fleet's own addresses);
  3. it must not overlap loopback, link-local, multicast, unspecified or reserved space (always), nor
     private/documentation/shared space unless allow_private is set (lab networks).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban import banned_digest

__all__ = ["ShareBansError", "parse_network", "plan_shared", "parse_blocklist", "check_policy", "summary",
           "bans_of_status", "ignored_of_status", "hosts_to_push", "is_network", "DEFAULT_POLICY"]

# Only the characters of an address or CIDR network: nothing a shell or fail2ban's command line
# would read differently.
_ADDRESS_CHARS = re.compile(r"[0-9A-Fa-f:.]+(/[0-9]{1,3})?\Z")
_JAIL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")

# Never banned, whatever the policy: the host itself, its links, multicast, unusable space.
ALWAYS_EXCLUDED = (
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::ffff:0:0/96", "fe80::/10", "ff00::/8",
)
# Private, shared, documentation and benchmarking space: excluded unless allow_private (a lab, or a
# fleet on a private network whose clients are private too).
PRIVATE = (
    "10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "2002::/16", "fc00::/7",
)

DEFAULT_POLICY = {
    # Shared when at least this many hosts ban it (0: off).
    "min_hosts": 2,
    # Shared when any host bans it in one of these jails (the certain tier and SSH by default).
    "any_host_jails": ["nginx-probe", "sshd"],
    # Bans of these jails never count (the shared jail always is one of them).
    "ignore_jails": [],
    "allow_private": False,
    "max_addresses": 100000,
    # Blocklists: private ranges in a list are excluded unless this is set; at most this many entries a list.
    "blocklist_allow_private": False,
    "blocklist_max": 100000,
}


class ShareBansError(Exception):
    """A policy or input the plan cannot honour; the message names it."""


def parse_network(text):
    """An ip_network for an address or CIDR network written strictly, else ValueError."""
    if not isinstance(text, str) or not _ADDRESS_CHARS.match(text):
        raise ValueError("not an address or CIDR network: %r" % (text,))
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError("not an address or CIDR network: %r (%s)" % (text, exc))


def _canonical(network):
    """fail2ban's way of writing it: a host network as its address."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _span(network):
    return (network.version, int(network.network_address), int(network.broadcast_address))


class _Ranges:
    """Labelled integer ranges, asked which ones overlap a network."""

    def __init__(self):
        self._items = []

    def add(self, network, label):
        self._items.append((_span(network), label))

    def overlap(self, span):
        version, first, last = span
        for (v, f, l), label in self._items:
            if v == version and f <= last and first <= l:
                return label
        return None


def _ranges_of(entries, label):
    ranges = _Ranges()
    for entry in entries:
        ranges.add(ipaddress.ip_network(entry), label % entry)
    return ranges


_ALWAYS = _ranges_of(ALWAYS_EXCLUDED, "special-purpose range %s")
_PRIVATE = _ranges_of(PRIVATE, "private or reserved range %s (allowed only with allow_private)")


def protected_ranges(protected):
    """Protected entries [(address-or-network, why)] as ranges; a bad entry is an error (fail
    closed: a typo in never_ban must not silently protect nothing)."""
    ranges = _Ranges()
    for entry, why in protected:
        text = str(entry).strip()
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ShareBansError("protected address %r (%s) is not an address or network" % (entry, why))
        ranges.add(network, "protected: %s (%s)" % (text, why))
    return ranges


def exclusion(network, protected, allow_private):
    """Why this network must never be banned by a share or an import, or None."""
    span = _span(network)
    return protected.overlap(span) or _ALWAYS.overlap(span) or (None if allow_private else _PRIVATE.overlap(span))


def check_policy(policy):
    """The policy with defaults filled in, or ShareBansError naming the bad setting."""
    merged = dict(DEFAULT_POLICY)
    unknown = set(policy or {}) - set(DEFAULT_POLICY)
    if unknown:
        raise ShareBansError("unknown policy settings: %s" % ", ".join(sorted(unknown)))
    merged.update(policy or {})
    min_hosts = merged["min_hosts"]
    if isinstance(min_hosts, bool) or not isinstance(min_hosts, int) or min_hosts < 0:
        raise ShareBansError("min_hosts must be an integer >= 0 (0: off), got %r" % (min_hosts,))
    for key in ("any_host_jails", "ignore_jails"):
        value = merged[key]
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ShareBansError("%s must be a list of jail names, got %r" % (key, value))
        for name in value:
            if not isinstance(name, str) or not _JAIL_NAME.match(name):
                raise ShareBansError("%s: %r is not a jail name" % (key, name))
    for key in ("allow_private", "blocklist_allow_private"):
        if not isinstance(merged[key], bool):
            raise ShareBansError("%s must be true or false, got %r" % (key, merged[key]))
    for key in ("max_addresses", "blocklist_max"):
        cap = merged[key]
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ShareBansError("%s must be an integer >= 1, got %r" % (key, cap))
    return merged


def _answered(result):
    """True for a registered result of a task that ran (not failed, skipped or unreachable)."""
    return isinstance(result, dict) and not result.get("failed") and not result.get("skipped")


def bans_of_status(result):
    """{jail: [entries]} from one fortress.nginx.fail2ban_status result, or None when the host did
    not report (failed, skipped, unreachable)."""
    if not _answered(result) or "jails" not in result:
        return None
    bans = {}
    for name, jail in (result.get("jails") or {}).items():
        bans[name] = list(((jail or {}).get("actions") or {}).get("banned_ips") or [])
    return bans


def ignored_of_status(host, result):
    """[(address or network, why)] a host never bans, from its fail2ban_status result read with
    with_ignored: every jail's ignoreip, its own addresses, the SSH client managing it. Host names in
    an ignoreip (fail2ban resolves them on the host, at each failure) are left out: the controller's
    DNS may answer otherwise."""
    if not _answered(result):
        return []
    ignored = []
    for name, jail in sorted((result.get("jails") or {}).items()):
        for entry in (jail or {}).get("ignoreip") or []:
            if is_network(entry):
                ignored.append((str(entry), "ignoreip of %s's jail %s" % (host, name)))
    for entry in result.get("host_addresses") or []:
        if is_network(entry):
            ignored.append((str(entry), "an address of %s" % host))
    source = result.get("management_source")
    if source and is_network(source):
        ignored.append((str(source), "the management connection of %s" % host))
    return ignored


def is_network(text):
    """True when the text (spaces around it aside) is one address or network, host bits allowed."""
    try:
        ipaddress.ip_network(str(text).strip(), strict=False)
        return True
    except ValueError:
        return False


def hosts_to_push(statuses, shared_jail, addresses, push_to=None):
    """The hosts whose shared jail does not hold ``addresses`` yet: those whose fail2ban_status result
    ({host: result}) reports the jail with another digest (banned_digest, or the digest of its
    banned_ips), or does not report the jail at all (the push then fails, naming it). Hosts that did
    not report are left out (nothing is known of them), and so are those not in ``push_to`` when given."""
    wanted = banned_digest(addresses)
    allowed = None if push_to is None else set(push_to)
    push = []
    for host in sorted(statuses):
        result = statuses[host]
        if not _answered(result) or "jails" not in result or (allowed is not None and host not in allowed):
            continue
        actions = ((result.get("jails") or {}).get(shared_jail) or {}).get("actions")
        if actions is None:
            push.append(host)
            continue
        digest = actions.get("banned_digest")
        if digest is None:
            digest = banned_digest(actions.get("banned_ips") or [])
        if digest != wanted:
            push.append(host)
    return push


def plan_shared(bans_by_host, policy=None, protected=(), shared_jail="fortress-shared", blocklists=None):
    """What every host's shared jail should hold.

    ``bans_by_host``: {host: {jail: [address or network]}} (None for a host that did not report).
    ``protected``: [(address or network, why)], never shared (see the module docstring).
    ``blocklists``: {name: text} lists to ban too (parse_blocklist; their bad lines are reported).
    Returns {addresses, shared: [{address, reasons, hosts}], excluded: [{address, reason, hosts}],
    bad: [{host, jail, entry}], hosts_reporting, hosts_missing}.
    """
    policy = check_policy(policy)
    ignore = set(policy["ignore_jails"]) | {shared_jail}
    any_host = set(policy["any_host_jails"])
    protected = protected_ranges(protected)
    seen = {}  # canonical -> (span, {host: [jails]})
    bad, missing, reporting = [], [], []
    for host in sorted(bans_by_host):
        jails = bans_by_host[host]
        if jails is None:
            missing.append(host)
            continue
        reporting.append(host)
        for jail in sorted(jails):
            if jail in ignore:
                continue
            for entry in jails[jail]:
                try:
                    network = parse_network(entry)
                except ValueError:
                    bad.append({"host": host, "jail": jail, "entry": str(entry)})
                    continue
                key = _canonical(network)
                if key not in seen:
                    seen[key] = (network, {})
                seen[key][1].setdefault(host, []).append(jail)
    shared, excluded = [], []
    for key, (network, hosts) in seen.items():
        reasons = []
        if policy["min_hosts"] and len(hosts) >= policy["min_hosts"]:
            reasons.append("banned by %d hosts (min_hosts %d)" % (len(hosts), policy["min_hosts"]))
        for host in sorted(hosts):
            for jail in hosts[host]:
                if jail in any_host:
                    reasons.append("banned by %s in %s" % (host, jail))
        if not reasons:
            continue
        why_not = exclusion(network, protected, policy["allow_private"])
        row = {"address": key, "hosts": dict((h, sorted(j)) for h, j in sorted(hosts.items()))}
        if why_not:
            row["reason"] = why_not
            excluded.append((_span(network), row))
        else:
            row["reasons"] = reasons
            shared.append((_span(network), row))
    shared.sort(key=lambda item: item[0])
    excluded.sort(key=lambda item: item[0])
    listed, lists = _merge_blocklists(blocklists, protected, policy, dict((row["address"], row) for _s, row in shared))
    shared.extend(listed)
    shared.sort(key=lambda item: item[0])
    if len(shared) > policy["max_addresses"]:
        raise ShareBansError("the policy shares %d addresses, more than max_addresses %d: nothing was pushed"
                             % (len(shared), policy["max_addresses"]))
    return {
        "addresses": [row["address"] for _span_, row in shared],
        "shared": [row for _span_, row in shared],
        "excluded": [row for _span_, row in excluded],
        "bad": bad,
        "hosts_reporting": reporting,
        "hosts_missing": missing,
        "blocklists": lists,
    }


def _merge_blocklists(blocklists, protected, policy, shared_rows):
    """Rows for the blocklists' addresses not shared yet (reasons added to those that are), and per
    list its counts, bad lines and exclusions."""
    rows, lists = [], []
    for name in sorted(blocklists or {}):
        parsed = parse_blocklist(blocklists[name], name, (), policy["blocklist_allow_private"],
                                 policy["blocklist_max"], protected_set=protected)
        for key in parsed["addresses"]:
            reason = "listed in %s" % name
            if key in shared_rows:
                shared_rows[key]["reasons"].append(reason)
                continue
            network = ipaddress.ip_network(key)
            row = {"address": key, "hosts": {}, "reasons": [reason]}
            shared_rows[key] = row
            rows.append((_span(network), row))
        lists.append({"name": name, "addresses": len(parsed["addresses"]), "bad": parsed["bad"],
                      "excluded": parsed["excluded"], "duplicates": parsed["duplicates"]})
    return rows, lists


def parse_blocklist(text, source="list", protected=(), allow_private=False, max_entries=100000, protected_set=None):
    """Entries of a blocklist in any of the formats: one address or CIDR network a line, comments
    after '#' or ';' (FireHOL netsets, Spamhaus DROP's `1.2.3.0/24 ; SBL123`), blank lines.

    Returns {addresses, bad: [{source, line, text, error}], excluded: [{source, line, address,
    reason}], duplicates, truncated}. Nothing is dropped silently: every line that is neither blank,
    a comment, nor an address ends in ``bad`` or ``excluded``. More than ``max_entries`` addresses
    is an error (ShareBansError), not a silent cut.
    """
    if protected_set is None:
        protected_set = protected_ranges(protected)
    if not isinstance(text, str):
        raise ShareBansError("%s: not text" % source)
    addresses, bad, excluded, seen = [], [], [], set()
    duplicates = 0
    if "\x00" in text:
        raise ShareBansError("%s: binary content (NUL byte), not a text list" % source)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw
        for mark in ("#", ";"):
            line = line.split(mark, 1)[0]
        line = line.strip()
        if not line:
            continue
        try:
            network = parse_network(line)
        except ValueError as exc:
            bad.append({"source": source, "line": number, "text": raw[:200], "error": str(exc)[:200]})
            continue
        key = _canonical(network)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        why_not = exclusion(network, protected_set, allow_private)
        if why_not:
            excluded.append({"source": source, "line": number, "address": key, "reason": why_not})
            continue
        addresses.append(key)
        if len(addresses) > max_entries:
            raise ShareBansError("%s: more than %d addresses (the size cap): nothing was imported" % (source, max_entries))
    return {"addresses": addresses, "bad": bad, "excluded": excluded, "duplicates": duplicates}


def summary(plan, show=50):
    """What is shared and why, one line an entry, for the playbook's output."""
    lines = ["%d addresses shared from %d hosts reporting (%s)%s" % (
        len(plan["addresses"]), len(plan["hosts_reporting"]), ", ".join(plan["hosts_reporting"]) or "none",
        "; NOT REPORTING: " + ", ".join(plan["hosts_missing"]) if plan["hosts_missing"] else "")]
    if "push_hosts" in plan:
        held = len(plan["hosts_reporting"]) - len(plan["push_hosts"])
        lines.append("to push to %d hosts (%s); %d hold it already or are left out" % (
            len(plan["push_hosts"]), ", ".join(plan["push_hosts"]) or "none", held))
    for row in plan["shared"][:show]:
        lines.append("share %s: %s" % (row["address"], "; ".join(row["reasons"])))
    if len(plan["shared"]) > show:
        lines.append("... and %d more shared" % (len(plan["shared"]) - show))
    for row in plan["excluded"][:show]:
        where = ", ".join("%s (%s)" % (host, ", ".join(jails)) for host, jails in row["hosts"].items())
        lines.append("NOT shared %s, banned by %s: %s" % (row["address"], where, row["reason"]))
    if len(plan["excluded"]) > show:
        lines.append("... and %d more not shared" % (len(plan["excluded"]) - show))
    for row in plan["bad"][:show]:
        lines.append("ignored %s's ban %r in %s: not an address or network" % (row["host"], row["entry"], row["jail"]))
    for item in plan.get("blocklists") or []:
        lines.append("blocklist %s: %d addresses, %d bad lines, %d excluded, %d duplicates" % (
            item["name"], item["addresses"], len(item["bad"]), len(item["excluded"]), item["duplicates"]))
        for bad in item["bad"][:show]:
            lines.append("  bad line %d of %s: %r" % (bad["line"], item["name"], bad["text"]))
        for excluded in item["excluded"][:show]:
            lines.append("  excluded line %d of %s, %s: %s"
                         % (excluded["line"], item["name"], excluded["address"], excluded["reason"]))
    return lines
