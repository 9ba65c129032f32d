# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers that turn the fail2ban_nginx role's jail data into what gets rendered."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fail2ban_jails
short_description: Resolve the fail2ban_nginx role's jail list against the files a host has
version_added: 0.1.0
author: fortress.nginx developers
description:
  - Takes the merged list of jail dictionaries of the C(fortress.nginx.fail2ban_nginx) role and the
    list of log paths that exist on the host, and decides for every enabled jail how fail2ban reads
    it - from its log files, from the systemd journal, or not at all.
  - A jail whose log files are all missing reads the journal when it allows it (O(journal_fallback)),
    is kept (the role creates the files) when O(missing_log=create), and is otherwise skipped with
    a reason, because fail2ban refuses to start with a jail that has no log file.
  - Returns a dictionary with C(jails) (what to render), C(skipped) (name and reason),
    C(disabled) (names to render as disabled), C(create_paths) (log files to create) and C(uses_journal) (whether python3-systemd is needed).
options:
  _input:
    description: The merged list of jail dictionaries (each with at least C(name)).
    type: list
    elements: dict
    required: true
  existing_paths:
    description: Log paths that exist on the host.
    type: list
    elements: str
    required: true
  missing_log:
    description: What to do with a jail whose log files are missing and that cannot read the journal.
    type: str
    choices: [skip, create]
    default: skip
"""

EXAMPLES = r"""
- name: Decide how each jail reads its logs
  ansible.builtin.set_fact:
    resolved: "{{ jails | fortress.nginx.fail2ban_jails(['/var/log/nginx/access.log'], 'skip') }}"
"""

RETURN = r"""
_value:
  description: The resolution.
  type: dict
  contains:
    jails:
      description: Enabled jails to render, each with C(backend) and C(logpath) decided.
      type: list
      elements: dict
    skipped:
      description: Enabled jails left out, each as C(name) and C(reason).
      type: list
      elements: dict
    disabled:
      description: >-
        Names of the jails not rendered as enabled (disabled or skipped); the role renders them
        with C(enabled = false) so that a packaged jail.d file cannot enable them behind our back.
      type: list
      elements: str
    create_paths:
      description: Log files the role must create before fail2ban starts.
      type: list
      elements: str
    uses_journal:
      description: Whether any rendered jail reads the systemd journal.
      type: bool
"""

from ansible.errors import AnsibleFilterError

GLOB_CHARS = frozenset("*?[")


def _is_glob(path):
    return any(char in GLOB_CHARS for char in path)


def resolve_jails(jails, existing_paths, missing_log="skip"):
    """Decide backend and log paths for every enabled jail.

    Paths with glob characters are left to fail2ban (it expands them itself).
    """
    if missing_log not in ("skip", "create"):
        raise AnsibleFilterError("missing_log must be 'skip' or 'create', got %r" % (missing_log,))
    existing = set(existing_paths or [])
    resolved, skipped, disabled, create_paths = [], [], [], []
    uses_journal = False
    for jail in jails or []:
        if not isinstance(jail, dict) or not jail.get("name"):
            raise AnsibleFilterError("every jail needs a name, got %r" % (jail,))
        if not jail.get("enabled", True):
            disabled.append(jail["name"])
            continue
        jail = dict(jail)
        logpaths = list(jail.get("logpath") or [])
        backend = jail.get("backend")
        if backend == "systemd" or (not logpaths and jail.get("journal_fallback")):
            jail["backend"], jail["logpath"] = "systemd", []
            uses_journal = True
            resolved.append(jail)
            continue
        if not logpaths:
            skipped.append({"name": jail["name"], "reason": "no logpath and no journal fallback"})
            continue
        present = [path for path in logpaths if path in existing or _is_glob(path)]
        if present:
            jail["logpath"] = present
            resolved.append(jail)
        elif jail.get("journal_fallback"):
            jail["backend"], jail["logpath"] = "systemd", []
            uses_journal = True
            resolved.append(jail)
        elif missing_log == "create":
            create_paths.extend(path for path in logpaths if path not in create_paths)
            resolved.append(jail)
        else:
            skipped.append({
                "name": jail["name"],
                "reason": "log file missing: %s (create it, or set fail2ban_nginx_missing_log: create)"
                          % ", ".join(logpaths),
            })
    return {
        "jails": resolved,
        "skipped": skipped,
        "disabled": disabled + [item["name"] for item in skipped],
        "create_paths": create_paths,
        "uses_journal": uses_journal,
    }


class FilterModule(object):
    """Ansible filters of fortress.nginx for fail2ban jails."""

    def filters(self):
        return {"fail2ban_jails": resolve_jails}
