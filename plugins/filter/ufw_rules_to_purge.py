# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_rules_to_purge
short_description: Find the ufw rules that are not wanted, as parameters to delete them
version_added: 0.1.0
description:
  - >-
    Parses the C(### tuple ###) lines of /etc/ufw/user.rules and user6.rules and returns, as
    M(community.general.ufw) parameters, every rule that is not in the desired list (compared on
    what ufw matches, not on comments).
  - >-
    Rules whose comment starts with one of the kept prefixes stay (for example the bans fail2ban
    adds). A rule present for IPv4 and IPv6 is returned once, since one delete removes both.
options:
  _input:
    description: The tuple lines (a list, or one text with a line per tuple).
    type: raw
    required: true
  desired_rules:
    description: The rules that must stay, as community.general.ufw parameters.
    type: list
    elements: dict
    required: true
  keep_comment_prefixes:
    description: Rules with a comment starting with one of these stay.
    type: list
    elements: string
    default: []
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Rules to delete
  ansible.builtin.debug:
    msg: "{{ tuple_lines | fortress.nginx.ufw_rules_to_purge(desired, ['by Fail2Ban']) }}"
"""

RETURN = r"""
_value:
  description: Parameters of community.general.ufw (with C(comment) for display) for each rule to delete.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import rules_to_purge


def ufw_rules_to_purge(tuple_lines, desired_rules, keep_comment_prefixes=()):
    try:
        return rules_to_purge(tuple_lines, desired_rules, keep_comment_prefixes)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_rules_to_purge: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_rules_to_purge': ufw_rules_to_purge}
