# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ban report's history part: fail2ban_status ``history`` results of many hosts -> a timeline of
bans per hour or per day by jail, first and last seen per address, repeat offenders over time.

Streaming: each ban ([jail, ip, timeofban, bantime, bancount], as the module returns it) is looked
at twice and never copied; per address only [first, last, bans, host bits, jail bits] is kept, so
a million bans on ten hosts stay within a few hundred MB.
"""

from __future__ import annotations

import time

from ansible_collections.fortress.nginx.plugins.module_utils.geo import parse_address

HOUR = 3600
DAY = 86400
# Up to this span the timeline counts per hour (at most 72 bars), beyond it per day.
HOURLY_SPAN = 3 * DAY
# Fields of each item of history["addresses"] (tuples in memory, objects in report.json).
ADDRESS_FIELDS = ("ip", "bans", "first_seen", "last_seen", "hosts", "jails")


def iso(stamp):
    """Unix time -> ISO 8601 UTC text (the report's one time format)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def _usable_history(result):
    """(history, reason): a host's history, or None and why it has none (None reason: not asked)."""
    if not isinstance(result, dict) or result.get("failed") or result.get("unreachable") or result.get("skipped"):
        return None, None
    history = result.get("history")
    if history is None:
        return None, None
    if not isinstance(history, dict) or not isinstance(history.get("bans", []), list):
        return None, "the history in the result is not the module's structure"
    return history, None


def _bits(mask, names, cache):
    """The names whose bit is set in ``mask``; one shared list per mask (300,000 addresses have a few
    hundred combinations of hosts or jails)."""
    found = cache.get(mask)
    if found is None:
        found = cache[mask] = [names[index] for index in range(len(names)) if mask >> index & 1]
    return found


def _scan(results):
    """First pass: per-address state, per-host rows and warnings, hourly counts by jail index."""
    addresses = {}
    hourly = {}
    jail_index = {}
    host_rows = []
    warnings = []
    host_names = []
    for host in sorted(results, key=str):
        history, problem = _usable_history(results[host])
        host = str(host)
        if problem:
            warnings.append({"host": host, "warning": problem})
        if history is None:
            continue
        host_bit = 1 << len(host_names)
        host_names.append(host)
        host_warnings = [str(text) for text in history.get("warnings") or []]
        warnings.extend({"host": host, "warning": text} for text in host_warnings)
        count = 0
        skipped = 0
        for ban in history.get("bans") or []:
            try:
                jail, ip, stamp = str(ban[0]), str(ban[1]), int(ban[2])
            except (TypeError, ValueError, IndexError, KeyError):
                skipped += 1
                continue
            index = jail_index.get(jail)
            if index is None:
                index = jail_index[jail] = len(jail_index)
            key = (stamp // HOUR, index)
            hourly[key] = hourly.get(key, 0) + 1
            state = addresses.get(ip)
            if state is None:
                addresses[ip] = [stamp, stamp, 1, host_bit, 1 << index]
            else:
                if stamp < state[0]:
                    state[0] = stamp
                if stamp > state[1]:
                    state[1] = stamp
                state[2] += 1
                state[3] |= host_bit
                state[4] |= 1 << index
            count += 1
        if skipped:
            warnings.append({"host": host, "warning": "%d history rows were not [jail, ip, time, ...] and were skipped" % skipped})
        host_rows.append({"host": host, "dbfile": history.get("dbfile"), "schema_version": history.get("schema_version"),
                          "bans": count, "truncated": bool(history.get("truncated")), "warnings": host_warnings})
    jails = [str(name) for name, _index in sorted(jail_index.items(), key=lambda item: item[1])]
    return addresses, hourly, jails, host_names, host_rows, warnings


def _repeat_and_new(results, addresses, size):
    """Second pass: per bucket, bans of addresses banned before (anywhere in the fleet) and new addresses."""
    repeat = {}
    new = {}
    for host in results:
        history, _problem = _usable_history(results[host])
        if history is None:
            continue
        for ban in history.get("bans") or []:
            try:
                ip, stamp = str(ban[1]), int(ban[2])
            except (TypeError, ValueError, IndexError, KeyError):
                continue
            bucket = stamp // size
            if stamp > addresses[ip][0]:
                repeat[bucket] = repeat.get(bucket, 0) + 1
    for state in addresses.values():
        bucket = state[0] // size
        new[bucket] = new.get(bucket, 0) + 1
    return repeat, new


def build_history(results, top_n=20):
    """(history, addresses): the report's ``history`` object (None when no host returned a history; see
    docs/playbooks/ban_report.md) and its ``history_addresses`` (tuples of ADDRESS_FIELDS, by address)."""
    addresses, hourly, jails, host_names, host_rows, warnings = _scan(results)
    if not host_rows and not warnings:
        return None, []
    history = {"bucket": None, "bucket_seconds": None, "first_ban": None, "last_ban": None, "jails": [], "timeline": [],
               "hosts": host_rows, "warnings": warnings, "repeat_offenders": [],
               "totals": {"hosts": len(host_rows), "bans": sum(row["bans"] for row in host_rows),
                          "addresses": len(addresses), "repeat_offenders": 0, "repeat_bans": 0}}
    if not addresses:
        return history, []
    first = min(state[0] for state in addresses.values())
    last = max(state[1] for state in addresses.values())
    size = HOUR if last - first <= HOURLY_SPAN else DAY
    per_bucket = {}
    jail_totals = [0] * len(jails)
    for (hour, index), count in hourly.items():
        bucket = hour * HOUR // size
        row = per_bucket.get(bucket)
        if row is None:
            row = per_bucket[bucket] = [0] * len(jails)
        row[index] += count
        jail_totals[index] += count
    repeat, new = _repeat_and_new(results, addresses, size)
    order = sorted(range(len(jails)), key=lambda index: (-jail_totals[index], jails[index]))
    timeline = []
    for bucket in range(first // size, last // size + 1):
        counts = per_bucket.get(bucket) or [0] * len(jails)
        timeline.append({"start": iso(bucket * size), "bans": sum(counts), "repeat_bans": repeat.get(bucket, 0),
                         "new_addresses": new.get(bucket, 0),
                         "by_jail": dict((jails[index], counts[index]) for index in order if counts[index])})
    rows = []
    repeat_offenders = 0
    for ip, state in addresses.items():
        if state[2] > 1:
            repeat_offenders += 1
        rows.append((ip, state[2], state[0], state[1], state[3], state[4]))
    worst = sorted((row for row in rows if row[1] > 1), key=lambda row: (-row[1], row[2], row[0]))[:top_n]
    host_cache, jail_cache = {}, {}
    history["repeat_offenders"] = [dict(zip(ADDRESS_FIELDS, _address(row, host_names, jails, host_cache, jail_cache)))
                                   for row in worst]
    addresses.clear()
    rows.sort(key=lambda row: _ip_key(row[0]))
    for index, row in enumerate(rows):  # in place: one list of 300,000 rows at a time, not two
        rows[index] = _address(row, host_names, jails, host_cache, jail_cache)
    history.update({
        "bucket": "hour" if size == HOUR else "day", "bucket_seconds": size, "first_ban": iso(first), "last_ban": iso(last),
        "jails": [{"jail": jails[index], "bans": jail_totals[index]} for index in order], "timeline": timeline,
    })
    history["totals"].update({"repeat_offenders": repeat_offenders, "repeat_bans": sum(repeat.values())})
    return history, rows


def _ip_key(ip):
    parsed = parse_address(ip)
    return (parsed[0], parsed[1], parsed[2], ip) if parsed else (9, 0, 0, ip)


def _address(row, host_names, jails, host_cache, jail_cache):
    return (row[0], row[1], iso(row[2]), iso(row[3]), _bits(row[4], host_names, host_cache), _bits(row[5], jails, jail_cache))
