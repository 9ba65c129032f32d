# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_plan
short_description: The planning step of the role fortress.nginx.ufw_baseline
version_added: 0.1.0
description:
  - >-
    Takes the role's settings (its variables without the C(ufw_baseline_) prefix) and returns
    everything the role decides: what is wrong in them, the rules it manages, whether they would cut
    the management connection, the Docker-mode block, and, given one read of ufw's files, the rules
    to add and to delete and the policies and logging level to set.
  - >-
    Validation is done here, once, with one set of limits: ports and ranges, addresses and CIDR
    networks (host bits, address family, IPv6 while IPv6 filtering is off), the comment prefix (at
    most 40 characters) and comments (what ufw stores, prefix included, at most 200 characters,
    without quotes or backslashes), rules that would allow all traffic, Docker-mode interface names.
    When there is an error nothing else is planned.
  - >-
    Only managed rules that ufw does not store, with the same match and comment, in every address
    family they belong to (IPv4 and IPv6 for C(any) when IPv6 is on) are listed to add, so an
    unchanged host costs no ufw call per rule.
  - >-
    Other roles may ask which sources the inbound allow-list refuses on some TCP ports
    (O(_input.check_sources), O(_input.check_ports)): fortress.nginx.fail2ban_nginx warns about
    addresses it never bans that the firewall refuses anyway.
options:
  _input:
    description:
      - The settings, keyed as the role's variables without C(ufw_baseline_) (C(allow_in),
        C(allow_in_extra), C(allow_out), C(allow_out_extra), C(allow_out_smtp), C(ssh_enabled),
        C(ssh_port), C(ssh_limit), C(ssh_sources), C(allow_controller), C(comment_prefix), C(ipv6),
        C(policy_incoming), C(policy_outgoing), C(policy_routed), C(logging), C(purge),
        C(purge_keep_comment_prefixes), C(docker), C(docker_internal_interfaces)), plus optional
        C(check_sources) and C(check_ports). A missing key counts as empty, false or deny.
    type: dict
    required: true
  ssh_connection:
    description:
      - The value of C(SSH_CONNECTION) on the host (read without become), or empty.
      - IPv4-mapped IPv6 addresses count as IPv4, as ufw sees them
        (the same reading as P(fortress.nginx.management_connection#filter)).
    type: str
    default: ""
  stored:
    description:
      - >-
        The C(grep -H) output (a list, or one text with a line per match) of the C(### tuple ###)
        lines of /etc/ufw/user.rules and user6.rules and of the C(IPV6), C(LOGLEVEL) and
        C(DEFAULT_*_POLICY) settings of /etc/default/ufw and /etc/ufw/ufw.conf.
      - Omitted (before ufw is installed) the rules to add and delete and the changes are empty.
    type: raw
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Plan and validate before any change
  ansible.builtin.set_fact:
    plan: "{{ {'allow_in': [{'port': 80}], 'ssh_enabled': true, 'ssh_port': 22} | fortress.nginx.ufw_plan(ssh.stdout) }}"

- name: Plan the changes from one read of ufw's files
  ansible.builtin.set_fact:
    plan: "{{ settings | fortress.nginx.ufw_plan(ssh.stdout, grep_output.stdout_lines) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    errors:
      description: One message per bad value, naming the variable and index; empty when all are fine.
      type: list
      elements: str
    connection:
      description: The management connection (C(address), C(port), C(server_address)), or an empty dict.
      type: dict
    lockout:
      description: Why the inbound rules would cut the management connection, or an empty string.
      type: str
    rules:
      description: Every managed rule as community.general.ufw parameters (the controller's, inbound, outbound).
      type: list
      elements: dict
    docker_rules:
      description: The DOCKER-USER block (C(*filter) to C(COMMIT)) for C(after.rules) and C(after6.rules).
      type: dict
    refused_sources:
      description: Each of C(check_sources) refused on some of C(check_ports), with those ports.
      type: list
      elements: dict
    add_first:
      description: The controller's rule, when ufw does not store it (inserted first).
      type: list
      elements: dict
    add:
      description: The other managed rules ufw does not store.
      type: list
      elements: dict
    delete:
      description: Open SSH rules once SSH is restricted, and with C(purge) every unmanaged rule whose comment has no kept prefix.
      type: list
      elements: dict
    settings:
      description: The values ufw's files hold (C(IPV6), C(LOGLEVEL), C(DEFAULT_*_POLICY)).
      type: dict
    changes:
      description: C(policies) (a list of direction and policy to set) and C(logging) (whether to set it).
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils._ufw_rules import plan_role


def ufw_plan(settings, ssh_connection='', stored=None):
    try:
        return plan_role(settings, ssh_connection, stored)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise AnsibleFilterError('ufw_plan: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_plan': ufw_plan}
