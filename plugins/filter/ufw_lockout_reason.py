# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_lockout_reason
short_description: Tell whether inbound ufw rules would cut the management connection
version_added: 0.1.0
description:
  - >-
    Given the inbound rules as M(community.general.ufw) parameters, the management connection from
    P(fortress.nginx.ufw_management_connection#filter) and the incoming policy, returns a message
    explaining the lockout, or an empty string when some allow or limit rule lets the connection in
    (or there is no connection to protect, or the policy is allow). An IPv6 connection while IPv6
    filtering is off is always a lockout: ufw then drops all IPv6 traffic.
  - >-
    A rule bound to an interface is not taken as proof, since the role cannot tell which interface
    the connection uses.
options:
  _input:
    description: Inbound rules as community.general.ufw parameters.
    type: list
    elements: dict
    required: true
  connection:
    description: The management connection (may be empty).
    type: dict
    required: true
  incoming_policy:
    description: The default incoming policy that will be set.
    type: string
    required: true
  ipv6:
    description:
      - Whether ufw filters IPv6 (C(IPV6=yes)). When false ufw drops all IPv6 traffic, so an IPv6
        connection is always reported as cut.
    type: bool
    default: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Stop before changing anything when the rules would lock the controller out
  ansible.builtin.assert:
    that: reason | length == 0
    fail_msg: "{{ reason }}"
  vars:
    reason: "{{ rules_in | fortress.nginx.ufw_lockout_reason(connection, 'deny') }}"
"""

RETURN = r"""
_value:
  description: The explanation of the lockout, or an empty string.
  type: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import lockout_reason


def ufw_lockout_reason(rules_in, connection, incoming_policy, ipv6=True):
    try:
        return lockout_reason(rules_in, connection, incoming_policy, ipv6)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_lockout_reason: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_lockout_reason': ufw_lockout_reason}
