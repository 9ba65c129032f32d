# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_existing_rules
short_description: Parse the rules ufw has stored into community.general.ufw parameters
version_added: 0.1.0
description:
  - >-
    Parses the C(### tuple ###) lines of /etc/ufw/user.rules and user6.rules into one dict per rule
    with the keys C(rule), C(route), C(log), C(direction), C(interface), C(interface_in),
    C(interface_out), C(name), C(proto), C(from_ip), C(from_port), C(to_ip), C(to_port) and
    C(comment) (null when absent).
  - >-
    Addresses are normalised (C(any) for 0.0.0.0/0 and ::/0); a rule ufw stores for IPv4 and IPv6 is
    returned once.
options:
  _input:
    description: The tuple lines (a list, or one text with a line per tuple).
    type: raw
    required: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Inbound rules on port 22 from anywhere
  ansible.builtin.debug:
    msg: "{{ tuple_lines | fortress.nginx.ufw_existing_rules | selectattr('to_port', 'eq', '22') | selectattr('from_ip', 'eq', 'any') }}"
"""

RETURN = r"""
_value:
  description: One dict per rule.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import existing_rules


def ufw_existing_rules(tuple_lines):
    try:
        return existing_rules(tuple_lines)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_existing_rules: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_existing_rules': ufw_existing_rules}
