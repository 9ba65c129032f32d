# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run fortress.nginx.ban_report on the controller, in the Python that runs ansible-playbook.

Why an action plugin: the merged results of a whole fleet can hold hundreds of thousands of IPs,
and the geolocation databases and maxminddb live on the controller. Running in-process avoids
shipping that data through a module payload and avoids depending on whichever interpreter
discovery picks for localhost.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    BanReportError,
    run_ban_report,
)
from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoDatabaseError


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC) | frozenset(["country_db"])

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC, required_one_of=REQUIRED_ONE_OF, mutually_exclusive=MUTUALLY_EXCLUSIVE)
        if args.get("results") is None:
            args["results"] = self._results_from_hostvars(args["hosts"], args["status_var"], task_vars or {})
        protected_by_host = self._protected_from_hostvars(args["results"], args["protected_hostvars"], task_vars or {})
        try:
            result.update(run_ban_report(args, check_mode=bool(self._task.check_mode), protected_by_host=protected_by_host))
        except (BanReportError, GeoDatabaseError) as exc:
            raise AnsibleActionFail(str(exc))
        for row in (result.get("history") or {}).get("warnings") or []:
            self._display.warning("ban history of %s: %s" % (row["host"], row["warning"]))
        for row in result.get("protected_banned") or []:
            self._display.warning("%s banned %s (jails: %s), which %s protects: find out which jail or action did it"
                                  % (row["host"], row["ip"], ", ".join(row["jails"]), row["network"]))
        return result

    @staticmethod
    def _vars_of(host, task_vars):
        """The host's variables, or None for a host the inventory does not know."""
        try:
            return (task_vars.get("hostvars") or {})[host]
        except KeyError:
            return None

    @staticmethod
    def _protected_from_hostvars(hosts, names, task_vars):
        """Each host's protected addresses: the union of the lists in the host variables ``names``."""
        protected = {}
        for host in hosts:
            host_vars = ActionModule._vars_of(host, task_vars)
            if host_vars is None:
                continue
            entries = []
            for name in names:
                value = host_vars[name] if name in host_vars else None
                if isinstance(value, (list, tuple)):
                    entries.extend(str(entry) for entry in value)
                elif value:
                    raise AnsibleActionFail("protected_hostvars: %s's %s is not a list" % (host, name))
            if entries:
                protected[host] = entries
        return protected

    @staticmethod
    def _results_from_hostvars(hosts, status_var, task_vars):
        """Each host's registered status result, None for a host that has none (unreachable, not run)."""
        results = {}
        for host in hosts:
            host_vars = ActionModule._vars_of(host, task_vars)
            results[host] = host_vars[status_var] if host_vars is not None and status_var in host_vars else None
        return results
