# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Access logs still fed by a trusted proxy: realip in place, yet the proxy's address in the log.

Behind a proxy, fail2ban_nginx has nginx's realip module replace $remote_addr with the client's
address and keeps the proxies in every jail's ignoreip. If realip does not take (the proxy sends
another header, a server block overrides it, the proxy is not in set_real_ip_from), every line
still starts with the proxy: the jails reading that log are blind. This reads the newest lines
written since nginx took the settings and says which logs are in that state.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

# A log is "fed by proxies" when at least this many lines were written since nginx took the
# settings and at least this share of them come from trusted proxies: a load balancer's own health
# checks, which carry no forwarding header, stay below it on any site with visitors.
MIN_LINES = 20
MIN_SHARE = 0.9

_TIME = re.compile(r'\[([^\]]{19,40})\]')
_TIME_FORMATS = ('%d/%b/%Y:%H:%M:%S %z', '%Y-%m-%dT%H:%M:%S%z')


def _epoch(text):
    for fmt in _TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).timestamp()
        except ValueError:
            continue
    return None


def parse_probe(lines):
    """(since, {log: [lines]}) from the role's probe: 'since EPOCH', 'log PATH', '| LINE'."""
    since, logs, current = None, {}, None
    for line in lines:
        if line.startswith('since '):
            since = float(line.split(' ', 1)[1])
        elif line.startswith('log '):
            current = line[4:]
            logs[current] = []
        elif line.startswith('| ') and current is not None:
            logs[current].append(line[2:])
    return since, logs


def proxy_fed_logs(probe_lines, proxies, head):
    """[{log, lines, from_proxies, proxies}] for each log fed by trusted proxies since the settings.

    ``head`` is the access-log format's regex up to the request (fail2ban_nginx_access_log_formats,
    with <ADDR> where the address is); lines that do not match it (another format, an error log)
    or that are older than the settings are not counted.
    """
    since, logs = parse_probe(probe_lines)
    if since is None:
        return []
    networks = [ipaddress.ip_network(str(proxy), strict=False) for proxy in proxies]
    pattern = re.compile('^' + head.replace('<ADDR>', '(?P<addr>[0-9A-Fa-f.:]+)'))
    fed = []
    for log, lines in sorted(logs.items()):
        counted, from_proxies, seen = 0, 0, set()
        for line in lines:
            match = pattern.match(line)
            when = _TIME.search(line)
            stamp = _epoch(when.group(1)) if when else None
            if not match or stamp is None or stamp < since:
                continue
            try:
                address = ipaddress.ip_address(match.group('addr'))
            except ValueError:
                continue
            counted += 1
            if any(address.version == net.version and address in net for net in networks):
                from_proxies += 1
                seen.add(str(address))
        if counted >= MIN_LINES and from_proxies >= MIN_SHARE * counted:
            fed.append({'log': log, 'lines': counted, 'from_proxies': from_proxies, 'proxies': sorted(seen)})
    return fed
