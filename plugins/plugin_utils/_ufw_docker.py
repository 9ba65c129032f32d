# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DOCKER-USER rules of ufw_baseline's Docker mode (controller side, no Ansible imports).

Docker publishes a container port by DNAT in the nat table's PREROUTING chain, so a connection to a
published port is *forwarded* to the container: it never crosses INPUT, where ufw's allow-list
lives. Docker's FORWARD chain jumps first to DOCKER-USER, a chain Docker creates and then leaves to
the administrator. These rules put the allow-list there:

1. packets of connections already accepted (ESTABLISHED, RELATED) go on;
2. connections that were not DNAT-ed (containers going out, containers talking to each other,
   anything the host routes) are not this chain's business and go on: only a connection to a
   published port carries the DNAT conntrack status;
3. connections entering from the container bridges (``internal_interfaces``) go on;
4. a connection whose *original* destination port (``--ctorigdstport``, the published port, since
   the packet's own destination port is already the container's) matches an allow-list rule goes on;
5. everything else is logged (rate-limited) and dropped or rejected, as ufw's incoming policy says.

"Goes on" is RETURN: Docker's own chains then accept the packet as usual.
"""

from __future__ import annotations

import ipaddress

CHAIN = 'DOCKER-USER'
LOG_PREFIX = '[UFW DOCKER BLOCK] '
POLICY_TARGETS = ('allow', 'deny', 'reject')


def _family_of(address):
    """4 or 6 for an address or network, None for 'any'."""
    if address in (None, '', 'any'):
        return None
    return ipaddress.ip_network(str(address), strict=False).version


def _comment(text):
    # The rule comments come from ufw_rule_errors' alphabet (no quotes, no backslashes).
    return ['-m', 'comment', '--comment', '"%s"' % text[:250]] if text else []


def allow_rule_lines(rule, family):
    """iptables-restore lines that RETURN the connections one module rule (community.general.ufw
    parameters, direction in) allows, for one address family; [] when the rule is for the other."""
    from_ip = rule.get('from_ip', 'any')
    to_ip = rule.get('to_ip', 'any')
    for address in (from_ip, to_ip):
        version = _family_of(address)
        if version is not None and version != family:
            return []
    head = ['-A', CHAIN]
    if rule.get('interface'):
        head += ['-i', rule['interface']]
    if from_ip not in (None, '', 'any'):
        head += ['-s', str(from_ip)]
    port = rule.get('to_port')
    protos = [rule['proto']] if rule.get('proto') else (['tcp', 'udp'] if port else [None])
    lines = []
    for proto in protos:
        words = list(head)
        if proto:
            words += ['-p', proto]
        conntrack = []
        if to_ip not in (None, '', 'any'):
            conntrack += ['--ctorigdst', str(to_ip)]
        if port:
            conntrack += ['--ctorigdstport', str(port), '--ctdir', 'ORIGINAL']
        if conntrack:
            words += ['-m', 'conntrack'] + conntrack
        words += _comment(rule.get('comment', '')) + ['-j', 'RETURN']
        lines.append(' '.join(words))
    return lines


def docker_user_lines(rules_in, family, policy='deny', internal_interfaces=(), log=True):
    """The ``*filter`` block (list of lines, COMMIT included) that ufw loads from after.rules
    (family 4) or after6.rules (family 6) to fill DOCKER-USER. ``rules_in``: the allow-list as
    community.general.ufw parameters. Declaring the chain in an iptables-restore --noflush file
    empties it first, so each ufw start or reload rebuilds it whole; no other chain is touched."""
    if family not in (4, 6):
        raise ValueError('family must be 4 or 6, not %r' % (family,))
    if policy not in POLICY_TARGETS:
        raise ValueError('policy must be one of %s, not %r' % (', '.join(POLICY_TARGETS), policy))
    lines = [
        '*filter',
        ':%s - [0:0]' % CHAIN,
        '-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN' % CHAIN,
        '-A %s -m conntrack ! --ctstate DNAT -j RETURN' % CHAIN,
    ]
    for interface in internal_interfaces:
        lines.append('-A %s -i %s -j RETURN' % (CHAIN, interface))
    for rule in rules_in:
        lines.extend(allow_rule_lines(rule, family))
    if policy == 'allow':
        lines.append('-A %s -j RETURN' % CHAIN)
    else:
        if log:
            lines.append('-A %s -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "%s"'
                         % (CHAIN, LOG_PREFIX))
        if policy == 'reject':
            lines.append('-A %s -p tcp -j REJECT --reject-with tcp-reset' % CHAIN)
            lines.append('-A %s -j REJECT' % CHAIN)
        else:
            lines.append('-A %s -j DROP' % CHAIN)
    lines.append('COMMIT')
    return lines
