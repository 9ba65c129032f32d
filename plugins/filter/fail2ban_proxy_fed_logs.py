# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fail2ban_proxy_fed_logs
short_description: Access logs whose lines still come from a trusted proxy after realip took effect
version_added: 0.1.0
description:
  - >-
    Reads the output of fortress.nginx.fail2ban_nginx's access-log probe (C(since EPOCH), then
    C(log PATH) and the log's newest lines, each after C(| )) and returns the logs in which, among
    the lines written since C(since), at least 20 were written and at least 90 % come from a
    trusted proxy.
  - >-
    Such a log means nginx's realip does not replace the proxy's address: every jail that reads it
    is blind (the proxies are in ignoreip). The role refuses to go on.
options:
  _input:
    description: The probe's output lines.
    type: list
    elements: string
    required: true
  proxies:
    description: Trusted proxies, addresses or CIDR networks.
    type: list
    elements: string
    required: true
  head:
    description: >-
      The access-log format's regex from the line start to the request, with C(<ADDR>) where the
      client address is (fail2ban_nginx_access_log_formats).
    type: string
    required: true
author:
  - fortress.nginx developers
"""

EXAMPLES = r"""
- name: Logs still fed by the proxies
  ansible.builtin.debug:
    msg: "{{ probe.stdout_lines | fortress.nginx.fail2ban_proxy_fed_logs(['192.0.2.10'], '<ADDR> - [^\"]*\\]') }}"
"""

RETURN = r"""
_value:
  description: One item per log fed by proxies, with C(log), C(lines), C(from_proxies) and C(proxies).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.plugin_utils._proxy_logs import proxy_fed_logs


def fail2ban_proxy_fed_logs(lines, proxies, head):
    try:
        return proxy_fed_logs(lines, proxies, head)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError('fail2ban_proxy_fed_logs: %s' % exc)


class FilterModule:
    def filters(self):
        return {'fail2ban_proxy_fed_logs': fail2ban_proxy_fed_logs}
