# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_address_errors
short_description: List the entries of an address list that are not IP addresses or CIDR networks
version_added: 0.1.0
description:
  - >-
    Returns one message per entry that is not an IPv4/IPv6 address or a CIDR network without host
    bits, naming the variable and the index.
  - "C(any) is refused: an empty list already means every source."
options:
  _input:
    description: The list of addresses or networks.
    type: list
    elements: string
    required: true
  name:
    description: The variable name to put in the messages.
    type: string
    default: addresses
  ipv6:
    description: Whether IPv6 filtering is on; when false an IPv6 address is an error.
    type: bool
    default: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Messages for bad SSH source networks
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.0/8', '192.168.1.5/16'] | fortress.nginx.ufw_address_errors('ufw_baseline_ssh_sources') }}"
  # ["ufw_baseline_ssh_sources[1]: '192.168.1.5/16' has host bits set: did you mean 192.168.0.0/16?"]
"""

RETURN = r"""
_value:
  description: One message per bad entry; empty when every entry is fine.
  type: list
  elements: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import address_list_errors


def ufw_address_errors(values, name='addresses', ipv6=True):
    try:
        return address_list_errors(values, name, ipv6)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_address_errors: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_address_errors': ufw_address_errors}
