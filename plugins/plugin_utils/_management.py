# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The management connection as the host sees it (private to this collection's plugins).

One reading of SSH_CONNECTION for both roles: ufw_baseline allows the controller's address and
fail2ban_nginx never bans it, so both must read the same address.
"""

from __future__ import annotations

import ipaddress


def management_connection(ssh_connection):
    """Parse SSH_CONNECTION ('client_ip client_port server_ip server_port') as the host sees it.

    Returns {'address', 'port', 'server_address'} or {} when the value is absent or unusable.
    An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; ufw and fail2ban see it as
    IPv4, so it is returned as IPv4. A zone index (fe80::1%eth0) is dropped.
    """
    if not isinstance(ssh_connection, str):
        return {}
    fields = ssh_connection.split()
    if len(fields) != 4:
        return {}
    try:
        client = ipaddress.ip_address(fields[0].split('%')[0])
        server = ipaddress.ip_address(fields[2].split('%')[0])
        port = int(fields[3])
    except ValueError:
        return {}
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    if server.version == 6 and server.ipv4_mapped:
        server = server.ipv4_mapped
    if not 1 <= port <= 65535:
        return {}
    return {'address': str(client), 'port': port, 'server_address': str(server)}
