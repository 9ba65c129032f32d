# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the fail2ban_nginx role writes on a host that already has fail2ban settings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fail2ban_adopt
short_description: Merge a host's fail2ban settings with the fail2ban_nginx role's and say what changes
version_added: 0.1.0
author: fortress.nginx developers
description:
  - Takes the host's fail2ban settings as the role's reader (fortress-read-host.py, fail2ban's own
    configuration parser, the role's own file left out) found them, the role's [DEFAULT] settings and
    its resolved jails.
  - C(ignoreip) becomes the union of the host's and the role's, unless O(ignoreip_replace); a jail the
    host gives its own C(ignoreip) keeps it. Every other [DEFAULT] key, and every option of a
    same-named jail set outside the package's files, whose value differs is described in C(changes)
    (what was there, in which file, and what it will be). Keys in O(keep) are not written at all, so
    the host's value stays.
options:
  _input:
    description: The C(fail2ban) part of the reader's output (C(default), C(jails), C(error)).
    type: dict
    required: true
  ours:
    description: The role's [DEFAULT] keys and values, in the order they are written; C(ignoreip) a list.
    type: dict
    required: true
  jails:
    description: The resolved jails (the C(jails) of C(fail2ban_jails)).
    type: list
    elements: dict
    required: true
  keep:
    description: Keys whose host value is kept, C(KEY) for [DEFAULT] or C(JAIL/KEY).
    type: list
    elements: str
    default: []
  ignoreip_replace:
    description: Replace the host's ignoreip instead of joining it.
    type: bool
    default: false
  jail_file:
    description: The role's jail file, named in C(changes).
    type: str
    default: jail.d/fortress-nginx.local
"""

EXAMPLES = r"""
- name: Decide what the role writes
  ansible.builtin.set_fact:
    adopt: "{{ host.fail2ban | fortress.nginx.fail2ban_adopt({'bantime': '1h', 'ignoreip': ['127.0.0.1/8']}, jails) }}"
"""

RETURN = r"""
_value:
  description: The decision.
  type: dict
  contains:
    default:
      description: The [DEFAULT] pairs to write, C([KEY, VALUE]).
      type: list
      elements: list
    jails:
      description: The jails to write (kept keys removed, the host's jail ignoreip joined).
      type: list
      elements: dict
    changes:
      description: One line per setting the role changes.
      type: list
      elements: str
    kept:
      description: One line per setting kept from the host.
      type: list
      elements: str
    ignoreip_kept:
      description: The host's ignoreip entries added to the role's.
      type: list
      elements: str
    ignoreip_dropped:
      description: The host's ignoreip entries dropped (O(ignoreip_replace)).
      type: list
      elements: str
    unknown_keep:
      description: Entries of O(keep) that name no key the role writes.
      type: list
      elements: str
    error:
      description: Why the host's settings could not be read, if they could not.
      type: str
"""

from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban_host import plan


def fail2ban_adopt(host, ours, jails, keep=None, ignoreip_replace=False, jail_file="jail.d/fortress-nginx.local"):
    """The filter."""
    return plan(host, dict(ours), jails, keep, ignoreip_replace, jail_file)


class FilterModule(object):
    """fail2ban adoption."""

    def filters(self):
        return {"fail2ban_adopt": fail2ban_adopt}
