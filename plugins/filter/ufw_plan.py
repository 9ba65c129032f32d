# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_plan
short_description: Plan the ufw changes from one read of ufw's files
version_added: 0.2.0
description:
  - >-
    Takes the C(grep -H) output of the C(### tuple ###) lines of /etc/ufw/user.rules and
    user6.rules and of the C(IPV6), C(LOGLEVEL) and C(DEFAULT_*_POLICY) settings of
    /etc/default/ufw and /etc/ufw/ufw.conf, and returns what the role must change.
  - >-
    C(missing) lists the managed rules that ufw does not store, with the same match and comment, in
    every address family they belong to (IPv4 and IPv6 for C(any) when IPv6 is on): only those need
    a call to M(community.general.ufw), so an unchanged host costs no ufw call per rule.
  - >-
    C(purge) lists, as M(community.general.ufw) parameters, the stored rules that are not managed
    (compared on what ufw matches), unless their comment starts with a kept prefix (for example the
    bans fail2ban adds). C(existing) lists every stored rule once.
  - >-
    C(changes) names the default policies and the logging level whose stored value differs from
    the wanted one.
options:
  _input:
    description: The C(grep -H) lines (a list, or one text with a line per match).
    type: raw
    required: true
  managed_rules:
    description: The rules the role manages, as community.general.ufw parameters.
    type: list
    elements: dict
    required: true
  ipv6:
    description: Whether IPv6 filtering is on (C(any) rules are then stored for both families).
    type: bool
    default: true
  purge:
    description: Whether to list the unmanaged rules to delete.
    type: bool
    default: false
  keep_comment_prefixes:
    description: With O(purge), rules with a comment starting with one of these stay.
    type: list
    elements: string
    default: []
  policies:
    description: The wanted default policy per direction (C(incoming), C(outgoing), C(routed)).
    type: dict
    default: {}
  logging:
    description: The wanted logging level (C(on) is C(low)).
    type: str
    default: low
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Plan the ufw changes
  ansible.builtin.set_fact:
    ufw_plan: "{{ grep_output.stdout_lines | fortress.nginx.ufw_plan(managed, true, false, [], {'incoming': 'deny'}) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    existing:
      description: Every stored rule as community.general.ufw parameters (with C(comment)).
      type: list
      elements: dict
    missing:
      description: The managed rules to add.
      type: list
      elements: dict
    purge:
      description: The unmanaged rules to delete (empty unless O(purge)).
      type: list
      elements: dict
    settings:
      description: The values ufw's files hold (C(IPV6), C(LOGLEVEL), C(DEFAULT_*_POLICY)).
      type: dict
    changes:
      description: C(policies) (a list of direction and policy) and C(logging) (a boolean).
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import plan, settings_to_change


def ufw_plan(lines, managed_rules, ipv6=True, purge=False, keep_comment_prefixes=(), policies=None,
             logging='low'):
    try:
        result = plan(lines, managed_rules, ipv6, purge, keep_comment_prefixes)
        result['changes'] = settings_to_change(result['settings'], policies or {}, logging)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise AnsibleFilterError('ufw_plan: %s' % exc)
    return result


class FilterModule:
    def filters(self):
        return {'ufw_plan': ufw_plan}
