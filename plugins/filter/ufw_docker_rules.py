# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_docker_rules
short_description: The DOCKER-USER block that puts ufw_baseline's allow-list in front of Docker-published ports
version_added: 0.1.0
description:
  - >-
    Turns the inbound allow-list (community.general.ufw parameters, as built by
    P(fortress.nginx.ufw_module_rules#filter)) into an C(iptables-restore) C(*filter) block for
    ufw's C(after.rules) (IPv4) or C(after6.rules) (IPv6) that fills Docker's C(DOCKER-USER) chain.
  - >-
    Established and related packets, connections that were not DNAT-ed (container traffic, routed
    traffic) and connections entering from the container bridges go on; a new connection to a
    published port goes on only when an allow-list rule matches its original destination port
    (C(--ctorigdstport)), else it is logged (rate-limited) and dropped (policy deny) or rejected
    (policy reject).
  - Rules whose addresses belong to the other address family are left out.
options:
  _input:
    description: The inbound allow-list as community.general.ufw parameters.
    type: list
    elements: dict
    required: true
  family:
    description: 4 for after.rules (iptables), 6 for after6.rules (ip6tables).
    type: int
    choices: [4, 6]
    required: true
  policy:
    description: What happens to a new connection no rule allows (ufw's incoming policy).
    type: string
    choices: [allow, deny, reject]
    default: deny
  internal_interfaces:
    description: Interfaces (iptables patterns, C(+) as wildcard) whose traffic is never judged.
    type: list
    elements: string
    default: []
  log:
    description: Log refused connections (prefix C([UFW DOCKER BLOCK])), at most 3 a minute.
    type: bool
    default: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: The IPv4 DOCKER-USER block
  ansible.builtin.debug:
    msg: >-
      {{ [{'rule': 'allow', 'direction': 'in', 'proto': 'tcp', 'to_port': '80', 'from_ip': 'any',
           'to_ip': 'any', 'comment': 'fortress: http'}]
         | fortress.nginx.ufw_docker_rules(4, 'deny', ['docker0', 'br-+']) }}
"""

RETURN = r"""
_value:
  description: The lines of the block, from C(*filter) to C(COMMIT).
  type: list
  elements: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_docker import docker_user_lines


def ufw_docker_rules(rules_in, family, policy='deny', internal_interfaces=(), log=True):
    try:
        return docker_user_lines(rules_in, int(family), policy, internal_interfaces, log)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise AnsibleFilterError('ufw_docker_rules: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_docker_rules': ufw_docker_rules}
