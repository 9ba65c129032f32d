# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access logs written in a format the filters cannot read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: nginx_log_errors
short_description: Name the access logs a jail reads whose nginx log_format the filters cannot read
version_added: 0.1.0
author: fortress.nginx developers
description:
  - Takes the result of R(fortress.nginx.nginx_logs,ansible_collections.fortress.nginx.nginx_logs_filter),
    the log paths the jails read, and the access-log format the filters are rendered for
    (C(fail2ban_nginx_access_log_format)).
  - Returns one message per access log (and per format used for it) that the filters would not
    read, naming the log, its servers and its C(log_format), and saying which supported format
    or which variable fixes it. Paths nginx does not write as an access log are ignored.
options:
  _input:
    description: The result of C(nginx_logs).
    type: dict
    required: true
  paths:
    description: The log paths the jails read.
    type: list
    elements: str
    required: true
  expected:
    description: The format the filters read (C(combined), C(vhost_combined), C(combined_iso8601), C(vhost_combined_iso8601)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Stop when a watched access log is in a custom format
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join(' ') }}"
  vars:
    errors: "{{ nginx | fortress.nginx.nginx_log_errors(['/var/log/nginx/access.log'], 'combined') }}"
"""

RETURN = r"""
_value:
  description: The messages, empty when every watched access log is readable.
  type: list
  elements: str
"""

from ansible_collections.fortress.nginx.plugins.module_utils.nginx_conf import check_formats


def nginx_log_errors(info, paths, expected):
    """The filter."""
    if not info or not info.get("parsed"):
        return []
    return check_formats(info, info.get("all_access_logs", []), paths or [], expected)


class FilterModule(object):
    """nginx's log formats."""

    def filters(self):
        return {"nginx_log_errors": nginx_log_errors}
