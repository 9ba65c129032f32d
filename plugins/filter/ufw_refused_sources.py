# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_refused_sources
short_description: Which sources an inbound allow-list refuses on some ports
version_added: 0.1.0
description:
  - >-
    For each source address or CIDR network, the TCP ports of O(ports) that no rule of the
    allow-list lets it reach, with ufw_baseline's rule format and first-match semantics aside.
  - >-
    A rule lets a source in when it has no interface, its protocol is tcp or any, its port (or
    range, or none) covers the port, and its C(from) is any or a network that holds the whole source.
  - >-
    fortress.nginx.fail2ban_nginx uses it to warn when an address it must never ban (monitoring,
    webhooks, ACME validation) cannot reach the web ports anyway.
options:
  _input:
    description: Source addresses or CIDR networks.
    type: list
    elements: string
    required: true
  rules:
    description: Inbound allow rules, as in ufw_baseline_allow_in (port, proto, from, interface).
    type: list
    elements: dict
    required: true
  ports:
    description: TCP ports to check.
    type: list
    elements: int
    required: true
  incoming_policy:
    description: ufw's incoming policy; with C(allow) every source reaches every port.
    type: string
    default: deny
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Protected addresses the firewall refuses on the web ports
  ansible.builtin.debug:
    msg: "{{ ['192.0.2.10', '198.51.100.0/24'] | fortress.nginx.ufw_refused_sources(rules, [80, 443]) }}"
  vars:
    rules:
      - {port: 80, proto: tcp}
      - {port: 443, proto: tcp, from: 192.0.2.0/24}
  # [{"source": "198.51.100.0/24", "ports": [443]}]
"""

RETURN = r"""
_value:
  description: One item per source refused on at least one port, with the refused ports.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import refused_sources


def ufw_refused_sources(sources, rules, ports, incoming_policy='deny'):
    try:
        return refused_sources(sources, rules, ports, incoming_policy)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_refused_sources: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_refused_sources': ufw_refused_sources}
