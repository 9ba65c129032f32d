# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ufw_management_connection
short_description: Parse SSH_CONNECTION into the management connection as the host sees it
version_added: 0.1.0
description:
  - >-
    Reads the value of the C(SSH_CONNECTION) environment variable (client address, client port,
    server address, server port) and returns the controller address, the server address and the port
    the connection uses.
  - >-
    IPv4-mapped IPv6 addresses are returned as IPv4, as ufw sees them. Returns an empty dict when
    the value is missing or unusable (e.g. with a local or docker connection).
options:
  _input:
    description: The value of SSH_CONNECTION, or null/empty.
    type: raw
    required: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Where does the management connection come from
  ansible.builtin.debug:
    msg: "{{ '203.0.113.7 50022 198.51.100.2 22' | fortress.nginx.ufw_management_connection }}"
  # {"address": "203.0.113.7", "port": 22, "server_address": "198.51.100.2"}
"""

RETURN = r"""
_value:
  description: Keys C(address), C(port) and C(server_address), or an empty dict.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils.ufw_rules import management_connection


def ufw_management_connection(ssh_connection):
    try:
        return management_connection(ssh_connection)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('ufw_management_connection: %s' % exc)


class FilterModule:
    def filters(self):
        return {'ufw_management_connection': ufw_management_connection}
