# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where nginx logs, read from the output of nginx -T."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: nginx_logs
short_description: The access and error logs of nginx's servers, from the output of C(nginx -T)
version_added: 0.1.0
author: fortress.nginx developers
description:
  - Parses the output of C(nginx -T) (every file nginx reads, includes inlined) and returns, for every
    server block or for the ones named, the access logs with the C(log_format) each is written in and
    the error logs, after nginx's inheritance rules (C(access_log off), the C(combined) default, http-level logs).
  - A log path holding variables (C(/var/log/nginx/$host.log)) becomes a glob fail2ban expands.
    C(syslog:) targets, C(stderr) and C(memory:) are listed in C(not_files).
  - Never fails on a configuration it cannot read; C(parsed) is false and C(error) says why.
options:
  _input:
    description: The standard output of C(nginx -T).
    type: str
    required: true
  vhosts:
    description: Server names whose logs are selected; empty selects every server.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: The logs of two vhosts
  ansible.builtin.set_fact:
    logs: "{{ nginx_dump.stdout | fortress.nginx.nginx_logs(['shop.example.org', 'blog.example.org']) }}"
"""

RETURN = r"""
_value:
  description: What the role needs to know.
  type: dict
  contains:
    parsed:
      description: Whether the output could be read.
      type: bool
    error:
      description: Why it could not.
      type: str
    access_logs:
      description: Selected access logs, each C(path) (what fail2ban reads), C(nginx_path) and C(formats) (C(name), C(servers)).
      type: list
      elements: dict
    all_access_logs:
      description: Every server's access logs, same shape (used to check a path the user gave).
      type: list
      elements: dict
    error_logs:
      description: Selected error log paths.
      type: list
      elements: str
    not_files:
      description: Log targets fail2ban cannot read (syslog, stderr, memory).
      type: list
      elements: str
    unknown_vhosts:
      description: Names in O(vhosts) that no server_name has.
      type: list
      elements: str
    log_formats:
      description: Every C(log_format) by name (C(format), C(escape), C(file)), C(combined) included.
      type: dict
    realip:
      description: C(set_real_ip_from) addresses, C(real_ip_header), and C(configured).
      type: dict
"""

from ansible_collections.fortress.nginx.plugins.module_utils.nginx_conf import (
    NginxConfError, nginx_logs as parse_logs, select_logs)


def nginx_logs(dump, vhosts=None):
    """The filter: never raises on a configuration it cannot read."""
    try:
        info = parse_logs(dump or "")
    except (NginxConfError, KeyError, IndexError) as error:
        return {"parsed": False, "error": str(error), "access_logs": [], "all_access_logs": [], "error_logs": [],
                "not_files": [], "unknown_vhosts": list(vhosts or []), "log_formats": {}, "realip": {"configured": False}}
    selected = select_logs(info, vhosts)
    everything = select_logs(info)
    return dict(selected, parsed=True, error="", all_access_logs=everything["access_logs"],
                log_formats=info["log_formats"], realip=info["realip"])


class FilterModule(object):
    """nginx's configuration."""

    def filters(self):
        return {"nginx_logs": nginx_logs}
