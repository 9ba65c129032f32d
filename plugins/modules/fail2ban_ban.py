#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fortress.nginx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: fail2ban_ban
short_description: Ban or unban a list of addresses and networks in a fail2ban jail
version_added: 0.1.0
description:
  - >-
    Makes a running fail2ban jail ban every address or CIDR network of a list (O(state=present)),
    none of them (O(state=absent)), or exactly the list (O(exact=true)), in which case anything
    else it bans is unbanned.
  - Idempotent. It reads the jail's banned list first and sends only the differences; addresses
    already banned are reported in RV(already), not banned again (which would restart their ban).
  - Talks to fail2ban's server socket over one connection when fail2ban's Python package is
    importable by the module's interpreter; otherwise runs C(fail2ban-client). Several hundred
    addresses go in each command, so 10,000 addresses cost a few dozen commands.
  - The ban goes through the jail's own actions (its firewall, its bantime). fail2ban's socket is
    root-only, so the task needs privilege escalation (C(become)) unless it already runs as root.
  - Works with fail2ban 0.11, 1.0 and 1.1.
author:
  - fortress.nginx developers (@fortress-nginx)
attributes:
  check_mode:
    support: full
    description: Reads the jail and reports what would be banned and unbanned, sending nothing.
  diff_mode:
    support: full
    description: The jail's banned list before and after, one address or network a line.
options:
  jail:
    description: The jail to ban in (it must be running).
    type: str
    required: true
  addresses:
    description:
      - IPv4 or IPv6 addresses or CIDR networks (C(198.51.100.7), C(2001:db8::/64)).
      - Every entry is checked before anything is sent; one that is not an address or network makes
        the module fail, naming it, with the jail untouched. Duplicates count once.
    type: list
    elements: str
    required: true
  state:
    description:
      - C(present) bans the addresses not banned yet; C(absent) unbans those that are banned.
    type: str
    choices: [present, absent]
    default: present
  exact:
    description:
      - With O(state=present), also unban every address the jail bans that is not in O(addresses),
        so that the jail holds exactly the list. Use it only on a jail this list owns (for example
        a shared jail fed by a playbook), never on one that bans from its own logs.
    type: bool
    default: false
  socket:
    description: Path of fail2ban's server socket (default C(/var/run/fail2ban/fail2ban.sock)).
    type: path
  method:
    description:
      - C(auto) uses the socket when fail2ban's Python package is importable, else C(fail2ban-client).
      - C(socket) insists on the socket; C(cli) always runs C(fail2ban-client).
    type: str
    choices: [auto, socket, cli]
    default: auto
  timeout:
    description: Seconds to wait for each answer of fail2ban's server on the socket path.
    type: float
    default: 30
notes:
  - Networks are banned as networks where the jail's action supports them (the role
    fortress.nginx.fail2ban_nginx's default action fortress-nftables, ipset sets, ufw); fail2ban
    lists them in CIDR form, which is how the module compares them. fail2ban's packaged nftables
    actions take addresses only; fail2ban lists a network it bans with them, but nft refuses it.
seealso:
  - module: fortress.nginx.fail2ban_status
"""

EXAMPLES = r"""
- name: Ban the scanners another host found, in the shared jail
  fortress.nginx.fail2ban_ban:
    jail: fortress-shared
    addresses: "{{ fleet_scanners }}"
  become: true

- name: Make the shared jail hold exactly this list (unban what left it)
  fortress.nginx.fail2ban_ban:
    jail: fortress-shared
    addresses: "{{ blocklist }}"
    exact: true
  become: true

- name: Lift the ban of the office's network
  fortress.nginx.fail2ban_ban:
    jail: nginx-4xx
    addresses: [203.0.113.0/24]
    state: absent
  become: true
"""

RETURN = r"""
jail:
  description: The jail.
  returned: success
  type: str
  sample: fortress-shared
banned:
  description: Addresses and networks the module banned (would ban, in check mode).
  returned: success
  type: list
  elements: str
  sample: [198.51.100.7, 2001:db8::/64]
unbanned:
  description: Addresses and networks the module unbanned (would unban, in check mode).
  returned: success
  type: list
  elements: str
  sample: [192.0.2.8]
already:
  description:
    - Entries of O(addresses) that needed nothing - already banned (O(state=present)) or not
      banned (O(state=absent)).
  returned: success
  type: list
  elements: str
  sample: [198.51.100.9]
banned_count:
  description: How many entries the jail bans after the run (would ban, in check mode).
  returned: success
  type: int
  sample: 3
method:
  description: C(socket) or C(cli).
  returned: success
  type: str
  sample: socket
reason:
  description: On failure, a code for what went wrong (as for fortress.nginx.fail2ban_status, plus C(bad_address)).
  returned: failure
  type: str
  sample: unknown_jail
"""

import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban import (
    BanTargetError,
    Fail2banError,
    bans_via_cli,
    bans_via_socket,
    canonical_targets,
    choose_method,
    fail2ban_importable,
    locate_client,
)

# Where fail2ban's packages install the client, for a PATH that lacks it (e.g. a minimal sudo).
CLIENT_FALLBACK_DIRS = ["/usr/local/bin", "/usr/bin"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            jail=dict(type="str", required=True),
            addresses=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            exact=dict(type="bool", default=False),
            socket=dict(type="path"),
            method=dict(type="str", choices=["auto", "socket", "cli"], default="auto"),
            timeout=dict(type="float", default=30.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        targets = canonical_targets(params["addresses"])
    except BanTargetError as exc:
        module.fail_json(msg="addresses: %s; nothing was sent to fail2ban" % exc, reason="bad_address")
    client_path = locate_client(module.get_bin_path, CLIENT_FALLBACK_DIRS)
    error = None
    try:
        method = choose_method(params["method"], fail2ban_importable(), client_path)
        if method == "socket":
            plan = bans_via_socket(params["jail"], targets, params["state"], params["exact"], module.check_mode,
                                   params["socket"], params["timeout"])
        else:
            plan = bans_via_cli(module.run_command, client_path, params["jail"], targets, params["state"],
                                params["exact"], module.check_mode, params["socket"])
    except Fail2banError as exc:
        error = exc
    if error is not None:
        module.fail_json(msg=error.message, reason=error.reason, interpreter=sys.executable)
    result = {
        "changed": bool(plan["ban"] or plan["unban"]),
        "jail": plan["jail"],
        "banned": plan["ban"],
        "unbanned": plan["unban"],
        "already": plan["already"],
        "banned_count": len(plan["after"]),
        "method": plan["method"],
    }
    if module._diff:
        result["diff"] = {"before": "".join(entry + "\n" for entry in plan["before"]),
                          "after": "".join(entry + "\n" for entry in plan["after"]),
                          "before_header": "jail %s" % plan["jail"], "after_header": "jail %s" % plan["jail"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
