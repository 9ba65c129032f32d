# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter of playbooks/share_bans.yml: the fleet's bans and protected addresses in, the plan out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: share_bans_plan
short_description: Decide which banned addresses every host of a fleet should ban
version_added: 0.2.0
author: fortress.nginx developers
description:
  - Reads, from O(_input) (C(hostvars)), each host's registered C(fortress.nginx.fail2ban_status)
    result and the addresses it protects, and applies the sharing policy (module_utils/share_bans.py).
  - An address is shared when at least C(min_hosts) hosts ban it, or when any host bans it in one of
    C(any_host_jails). Bans of the shared jail itself and of C(ignore_jails) never count, so a
    shared ban expires once no host bans it on its own any more.
  - >-
    Never shared, whatever the policy, are addresses overlapping what any host of O(protect_hosts)
    protects (its variables O(protected_hostvars), its C(ansible_host), and, when its status result
    was read with C(with_ignored=true), every jail's running ignoreip, its own addresses and the
    management connection's source), O(extra_protected), special-purpose ranges, and private ranges
    unless C(allow_private).
  - Lists, in RV(_value.push_hosts), the hosts whose shared jail does not hold the plan yet (its
    C(banned_digest) or banned list differs), so that a playbook pushes to those only.
  - Fails (nothing is pushed) on a bad policy, a bad protected entry, or more than C(max_addresses).
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: The hosts whose bans count (C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
  status_var:
    description: Name of the variable holding each host's fail2ban_status result.
    type: str
    required: true
  policy:
    description: C(min_hosts), C(any_host_jails), C(ignore_jails), C(allow_private), C(max_addresses).
    type: dict
    default: {}
  shared_jail:
    description: The shared jail, whose bans never count.
    type: str
    default: fortress-shared
  protect_hosts:
    description: Hosts whose protected addresses are never shared (C(groups['all']); default O(hosts)).
    type: list
    elements: str
  protected_hostvars:
    description: Host variables listing protected addresses.
    type: list
    elements: str
    default: [fail2ban_nginx_never_ban, fail2ban_nginx_trusted_proxies, fail2ban_nginx_ignoreip]
  details:
    description:
      - Keep RV(_value.shared), a row per shared address with its reasons and hosts. Without it the
        list is empty and the plan is a tenth of the size, which a playbook that stores it as a fact
        for every host feels (about 1.3 s for 10,000 addresses on 20 hosts); RV(_value.summary) tells
        the first O(show) reasons either way.
    type: bool
    default: true
  show:
    description: How many entries of each kind RV(_value.summary) tells.
    type: int
    default: 50
  download_dir:
    description: Where the playbook fetched the blocklists given by C(url) (each to a file named after the list).
    type: path
  push_to:
    description:
      - Only these hosts may be listed in RV(_value.push_hosts) (all of O(hosts) when not set) - every
        host's bans count, only these receive the result.
    type: list
    elements: str
  blocklists:
    description:
      - Lists to ban too, each C(name) (letters, digits, C(.), C(_), C(-)) and C(path), a file on the
        controller (a URL is fetched to a file by the playbook first). Formats - one address or CIDR a
        line, comments after C(#) or C(;) (FireHOL netsets, Spamhaus DROP). Bad lines are reported
        in C(blocklists), never dropped silently.
    type: list
    elements: dict
    default: []
  extra_protected:
    description: More addresses or networks never shared.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Decide what is shared
  ansible.builtin.set_fact:
    plan: >-
      {{ hostvars | fortress.nginx.share_bans_plan(ansible_play_hosts_all, 'share_bans_status',
           policy={'min_hosts': 2}, protect_hosts=groups['all']) }}
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    addresses:
      description: What every host's shared jail should hold, sorted.
      type: list
      elements: str
    push_hosts:
      description:
        - Reporting hosts (of O(push_to)) whose shared jail does not hold RV(_value.addresses) yet, or
          does not run.
      type: list
      elements: str
    shared:
      description: Per shared address, C(address), C(reasons) and C(hosts) (host to jails); empty without O(details).
      type: list
      elements: dict
    excluded:
      description: Addresses the policy chose but safety kept out, with C(reason) and C(hosts).
      type: list
      elements: dict
    bad:
      description: Banned entries that are not addresses or networks (C(host), C(jail), C(entry)).
      type: list
      elements: dict
    hosts_reporting:
      description: Hosts whose bans were read.
      type: list
      elements: str
    hosts_missing:
      description: Hosts without a status result (failed, unreachable).
      type: list
      elements: str
    blocklists:
      description: Per list, C(name), C(addresses) (count), C(bad) lines, C(excluded) entries, C(duplicates).
      type: list
      elements: dict
    summary:
      description: What is shared and why, for people, one line an entry.
      type: list
      elements: str
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.module_utils.share_bans import (
    ShareBansError,
    bans_of_status,
    hosts_to_push,
    ignored_of_status,
    is_network,
    plan_shared,
    summary,
)

_LIST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
DEFAULT_PROTECTED_HOSTVARS = ["fail2ban_nginx_never_ban", "fail2ban_nginx_trusted_proxies", "fail2ban_nginx_ignoreip"]


def _get(hostvars, host, name):
    try:
        host_vars = hostvars[host]
    except KeyError:
        return None
    try:
        return host_vars[name] if name in host_vars else None
    except Exception as exc:  # an undefined variable inside the value: fail closed
        raise AnsibleFilterError("share_bans_plan: cannot read %s's %s: %s" % (host, name, exc))


def protected_of(hostvars, hosts, names, status_var=None):
    """[(entry, why)] for every host: its protected variables, what its status result says it never
    bans, its ansible_host."""
    protected = []
    for host in hosts:
        for name in names:
            value = _get(hostvars, host, name)
            if value is None or value == "":
                continue
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise AnsibleFilterError("share_bans_plan: %s's %s is not a list: %r" % (host, name, value))
            protected.extend((str(entry), "%s of %s" % (name, host)) for entry in value)
        if status_var:
            protected.extend(ignored_of_status(host, _get(hostvars, host, status_var)))
        address = _get(hostvars, host, "ansible_host")
        if address and is_network(address):
            protected.append((str(address), "ansible_host of %s" % host))
    return protected


def share_bans_plan(hostvars, hosts, status_var, policy=None, shared_jail="fortress-shared", protect_hosts=None,
                    protected_hostvars=None, extra_protected=None, blocklists=(), download_dir=None, show=50,
                    push_to=None, details=True):
    """The filter."""
    names = DEFAULT_PROTECTED_HOSTVARS if protected_hostvars is None else list(protected_hostvars)
    statuses = dict((host, _get(hostvars, host, status_var)) for host in hosts)
    bans = dict((host, bans_of_status(result)) for host, result in statuses.items())
    protected = protected_of(hostvars, list(protect_hosts if protect_hosts is not None else hosts), names, status_var)
    protected.extend((str(entry), "extra_protected") for entry in (extra_protected or []))
    texts = {}
    for entry in blocklists or ():
        if not isinstance(entry, dict):
            raise AnsibleFilterError("share_bans_plan: blocklist %r is not a dictionary" % (entry,))
        name, path = entry.get("name"), entry.get("path")
        if not path and entry.get("url") and download_dir and isinstance(name, str) and _LIST_NAME.match(name):
            path = "%s/%s" % (download_dir, name)
        if not isinstance(name, str) or not _LIST_NAME.match(name) or name in texts or not path:
            raise AnsibleFilterError("share_bans_plan: blocklist %r needs a unique name of letters, digits, '.', '_' "
                                     "or '-' and a path" % (entry,))
        try:
            with open(str(path), "rb") as handle:
                texts[name] = handle.read().decode("utf-8", "replace")
        except (IOError, OSError) as exc:
            raise AnsibleFilterError("share_bans_plan: blocklist %s: cannot read %s: %s" % (name, path, exc))
    try:
        plan = plan_shared(bans, dict(policy or {}), protected, shared_jail, texts)
    except ShareBansError as exc:
        raise AnsibleFilterError("share_bans_plan: %s" % exc)
    plan["push_hosts"] = hosts_to_push(statuses, shared_jail, plan["addresses"],
                                       None if push_to is None else [str(host) for host in push_to])
    plan["summary"] = summary(plan, int(show))
    if not details:
        plan["shared"] = []
    return plan


class FilterModule(object):
    """Fleet defence filters of fortress.nginx."""

    def filters(self):
        return {"share_bans_plan": share_bans_plan}
