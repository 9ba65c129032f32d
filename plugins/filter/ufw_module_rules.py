# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_module_rules
short_description: Turn ufw_baseline rule specs into community.general.ufw parameters
version_added: 0.1.0
description:
  - >-
    Maps each rule spec to the parameters of M(community.general.ufw) for one direction: C(rule)
    (allow by default), C(direction), C(proto) (tcp by default, left out for any), C(to_port),
    C(from_ip), C(to_ip), C(interface) and C(comment).
  - >-
    The comment gets the managed-rule prefix, so rules this role manages can be told apart in C(ufw
    status).
options:
  _input:
    description: Rule specs, already validated with P(fortress.nginx.ufw_rule_errors#filter).
    type: list
    elements: dict
    required: true
  direction:
    description: The direction of every rule.
    type: string
    choices: [in, out]
    required: true
  comment_prefix:
    description: Text put before every comment.
    type: string
    default: ""
  exclude:
    description:
      - Rules (community.general.ufw parameters) that win over the built ones.
      - A built rule that matches the same traffic as one of them, whatever the action, is left out,
        since ufw keeps one rule per match and both would replace each other on every run.
    type: list
    elements: dict
    default: []
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Parameters for the inbound rules
  ansible.builtin.debug:
    msg: "{{ [{'port': 80, 'comment': 'http'}] | fortress.nginx.ufw_module_rules('in', 'fortress:') }}"
  # [{"rule": "allow", "direction": "in", "proto": "tcp", "to_port": "80",
  #   "from_ip": "any", "to_ip": "any", "comment": "fortress: http"}]
"""

RETURN = r"""
_value:
  description: One dict of community.general.ufw parameters per rule spec.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import build_module_rules


def ufw_module_rules(rules, direction, comment_prefix='', exclude=()):
    try:
        return build_module_rules(rules, direction, comment_prefix, exclude)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_module_rules: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_module_rules': ufw_module_rules}
