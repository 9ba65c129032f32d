# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: management_connection
short_description: Parse SSH_CONNECTION into the management connection as the host sees it
version_added: 0.1.0
description:
  - >-
    Reads the value of the C(SSH_CONNECTION) environment variable (client address, client port,
    server address, server port) and returns the controller address, the server address and the
    port the connection uses.
  - >-
    IPv4-mapped IPv6 addresses are returned as IPv4, as ufw and fail2ban see them; a zone index is
    dropped. Returns an empty dict when the value is missing or unusable (e.g. with a local or
    docker connection).
  - >-
    Both roles read the connection with it (P(fortress.nginx.ufw_plan#filter) too), so the address
    fail2ban_nginx never bans is the address ufw_baseline allows.
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
    msg: "{{ '::ffff:203.0.113.7 50022 ::ffff:198.51.100.2 22' | fortress.nginx.management_connection }}"
  # {"address": "203.0.113.7", "port": 22, "server_address": "198.51.100.2"}
"""

RETURN = r"""
_value:
  description: Keys C(address), C(port) and C(server_address), or an empty dict.
  type: dict
"""

from ansible_collections.fortress.nginx.plugins.plugin_utils._management import management_connection as _parse


def management_connection(ssh_connection):
    return _parse(ssh_connection)


class FilterModule:
    def filters(self):
        return {'management_connection': management_connection}
