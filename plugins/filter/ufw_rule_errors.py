# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_rule_errors
short_description: List what is wrong in a list of ufw_baseline rule specs
version_added: 0.1.0
description:
  - >-
    Checks every rule of a ufw_baseline allow-list (keys C(port), C(proto), C(from), C(to),
    C(comment), C(interface), C(rule)) and returns one message per problem, each naming the
    variable, the index and the bad value.
  - >-
    Catches what an argument spec cannot: port ranges, CIDR syntax and host bits, mixed address
    families, comments that would break the ufw command line, and rules that would allow all
    traffic.
options:
  _input:
    description: The list of rule specs.
    type: list
    elements: dict
    required: true
  name:
    description: The variable name to put in the messages.
    type: string
    default: rules
  ipv6:
    description: Whether IPv6 filtering is on; when false an IPv6 address is an error.
    type: bool
    default: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Fail on bad rules, naming the variable
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors }}"
  vars:
    errors: "{{ ufw_baseline_allow_in | fortress.nginx.ufw_rule_errors('ufw_baseline_allow_in') }}"
"""

RETURN = r"""
_value:
  description: One message per problem; empty when every rule is fine.
  type: list
  elements: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import rule_errors


def ufw_rule_errors(rules, name='rules', ipv6=True):
    try:
        return rule_errors(rules, name, ipv6)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_rule_errors: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_rule_errors': ufw_rule_errors}
