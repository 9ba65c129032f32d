#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fortress.nginx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: fail2ban_status
short_description: Read fail2ban's jails, counters and banned IPs as structured data
version_added: 0.1.0
description:
  - Reads the state of a running fail2ban server, for every jail or for the ones asked for.
  - For each jail, returns the filter counters (currently failed, total failed), the log files or
    journal matches it watches, the action counters (currently banned, total banned) and the
    banned IPs, optionally with the start and end of every ban.
  - Also returns fail2ban's version, totals over the reported jails and the sorted list of unique
    banned IPs, each with the jails that banned it.
  - Talks to fail2ban's server socket directly, over one connection for all jails, when
    fail2ban's Python package is importable by the module's interpreter (as it is with Debian's
    and Ubuntu's packages); otherwise runs C(fail2ban-client) once per command and parses its
    output. Both ways return the same structure.
  - Never changes the host. Works with fail2ban 0.11, 1.0 and 1.1.
  - fail2ban's socket is root-only, so the task needs privilege escalation (C(become)) unless it
    already runs as root.
author:
  - fortress.nginx developers (@fortress-nginx)
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode returns the same data as a normal run.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show a difference for.
options:
  jails:
    description:
      - The jails to report, by name. Empty means every running jail.
      - A name that is not a running jail makes the module fail and list the running jails.
      - Jails are always reported in fail2ban's order, whatever the order given here.
    type: list
    elements: str
    default: []
  digest_jails:
    description:
      - Jails to report with a digest of their banned list (RV(jails.actions.banned_digest)) instead of
        the list itself, for a jail whose list is large and known to the caller, such as the shared
        jail that C(playbooks/share_bans.yml) fills. They are reported whatever O(jails) says, and
        their addresses are left out of RV(banned_ips).
      - A name that is not a running jail makes the module fail, as in O(jails).
    type: list
    elements: str
    default: []
  with_ignored:
    description:
      - Also return what this host never bans, for a caller that must not ban it elsewhere either
        (C(playbooks/share_bans.yml)) - each reported jail's C(ignoreip) (RV(jails.ignoreip)), the
        host's own addresses (RV(host_addresses)) and the address of the SSH client running the task
        (RV(management_source)).
      - Costs one more command per jail (C(fail2ban-client get JAIL ignoreip)).
    type: bool
    default: false
  with_ban_times:
    description:
      - Also return, for each jail, every ban with its start, end and duration (C(bans)).
      - Costs one more command per jail (C(fail2ban-client get JAIL banip --with-time)).
    type: bool
    default: false
  history:
    description:
      - Also return the ban history fail2ban keeps in its own sqlite database, in RV(history), every ban
        since O(history_days) days ago, including bans that have expired or were lifted since.
      - The module asks fail2ban for the database's path (C(get dbfile)) and reads the file read-only
        (C(mode=ro), C(query_only)), in short batches with a 0.2 s busy timeout, so fail2ban is never
        kept from writing and nothing is written.
      - A database that is disabled, missing, locked, corrupt or of a schema the reader does not know is
        a warning in RV(history.warnings) (and of the task), never a failure.
    type: bool
    default: false
  history_days:
    description:
      - How many days back to read the history; V(0) reads all of it (fail2ban keeps bans for its
        C(dbpurgeage), one day by default on Debian).
    type: int
    default: 30
  history_max_bans:
    description:
      - At most this many bans are returned (the newest); more is a warning in RV(history.warnings).
    type: int
    default: 500000
  socket:
    description:
      - Path of fail2ban's server socket.
      - When not set, the socket path uses C(/var/run/fail2ban/fail2ban.sock) and the command
        line lets C(fail2ban-client) read the path from fail2ban's configuration.
    type: path
  method:
    description:
      - How to read fail2ban.
      - C(auto) uses the socket when fail2ban's Python package is importable by the module's
        interpreter, else C(fail2ban-client).
      - C(socket) insists on the socket and fails when the package is not importable.
      - C(cli) always runs C(fail2ban-client).
    type: str
    choices: [auto, socket, cli]
    default: auto
  timeout:
    description:
      - Seconds to wait for each answer of fail2ban's server on the socket path.
    type: float
    default: 30
notes:
  - Whoever can write to fail2ban's socket can make fail2ban run commands as root; that is why it
    is root-only and why this module needs privileges. It only sends read commands (C(version),
    C(status), C(get JAIL banip --with-time), C(get JAIL ignoreip), C(get dbfile)).
  - On the command-line path, log file names containing spaces are split at the spaces, because
    C(fail2ban-client) prints the list joined with spaces.
  - Answers on the socket are decoded as plain data only (no import, no call but C(str)); an answer
    asking for anything else fails with C(reason=unsafe_answer) and nothing from it runs.
    fail2ban's exceptions are reported by class name and arguments.
  - fail2ban lists jails joined with C(", "); a jail name containing C(", ") cannot be told apart
    and fails with C(reason=protocol). A comma alone is fine.
  - Ban times are fail2ban's own text, in the server's local time; a permanent ban has
    C(bantime=-1) and the end C(9999-12-31 23:59:59).
  - The history's times (C(timeofban)) are Unix times, as fail2ban stores them. Addresses and jail names
    in the history are data from logs; treat them as untrusted text.
seealso:
  - name: fail2ban-client manual
    description: The commands this module runs or sends over the socket.
    link: https://manpages.debian.org/stable/fail2ban/fail2ban-client.1.en.html
"""

EXAMPLES = r"""
- name: Read every jail
  fortress.nginx.fail2ban_status:
  become: true
  register: fail2ban

- name: Print the banned IPs of each jail, like a loop over 'fail2ban-client status JAIL'
  ansible.builtin.debug:
    msg: "{{ item }}: {{ fail2ban.jails[item].actions.banned_ips | join(' ') }}"
  loop: "{{ fail2ban.jail_names }}"

- name: Read two jails with the start and end of each ban
  fortress.nginx.fail2ban_status:
    jails:
      - nginx-http-auth
      - sshd
    with_ban_times: true
  become: true
  register: fail2ban_bans

- name: Fail when an address is banned by no jail
  ansible.builtin.assert:
    that:
      - "'203.0.113.7' in (fail2ban.banned_ips | map(attribute='ip'))"

- name: Read the bans of the last 7 days from fail2ban's database, expired ones included
  fortress.nginx.fail2ban_status:
    history: true
    history_days: 7
  become: true
  register: fail2ban_history

- name: Print each ban of the week as jail, address and Unix time
  ansible.builtin.debug:
    msg: "{{ item[0] }} banned {{ item[1] }} at {{ item[2] }}"
  loop: "{{ fail2ban_history.history.bans }}"

- name: Read what the host bans and never bans, the shared jail as a digest (as share_bans.yml does)
  fortress.nginx.fail2ban_status:
    digest_jails: [fortress-shared]
    with_ignored: true
  become: true
  register: fail2ban_fleet_view

- name: Force the fail2ban-client path (for example when the interpreter cannot import fail2ban)
  fortress.nginx.fail2ban_status:
    method: cli
  become: true
"""

RETURN = r"""
fail2ban_version:
  description: Version of the running fail2ban server.
  returned: success
  type: str
  sample: 1.0.2
method:
  description: How fail2ban was read.
  returned: success
  type: str
  sample: socket
jail_names:
  description: Names of the reported jails, in fail2ban's order.
  returned: success
  type: list
  elements: str
  sample: [nginx-http-auth, sshd]
jails:
  description: The reported jails, keyed by name.
  returned: success
  type: dict
  sample:
    sshd:
      name: sshd
      filter:
        currently_failed: 2
        total_failed: 14
        file_list: []
        journal_matches: ["_SYSTEMD_UNIT=sshd.service", "_COMM=sshd"]
      actions:
        currently_banned: 1
        total_banned: 3
        banned_ips: [192.0.2.99]
      bans:
        - ip: 192.0.2.99
          start: "2026-11-26 11:56:15"
          end: "2026-11-27 11:56:15"
          bantime: 86400
      ignoreip: [127.0.0.1/8, "::1", 192.0.2.10]
  contains:
    name:
      description: The jail's name.
      type: str
      returned: always
    filter:
      description: The jail's filter.
      type: dict
      returned: always
      contains:
        currently_failed:
          description: Failures counted now, inside the jail's findtime.
          type: int
          returned: always
        total_failed:
          description: Failures counted since the jail started.
          type: int
          returned: always
        file_list:
          description: Log files the jail reads (empty for a journal backend).
          type: list
          elements: str
          returned: always
        journal_matches:
          description:
            - Journal match groups the jail reads (empty for a file backend).
            - Each entry is one group of C(FIELD=value) terms; an entry matches when all of its terms
              do, and the jail reads entries matching any group.
          type: list
          elements: str
          returned: always
    actions:
      description: The jail's actions.
      type: dict
      returned: always
      contains:
        currently_banned:
          description: Addresses banned now.
          type: int
          returned: always
        total_banned:
          description: Bans since the jail started.
          type: int
          returned: always
        banned_ips:
          description: Addresses banned now, in fail2ban's order.
          type: list
          elements: str
          returned: unless the jail is in O(digest_jails)
        banned_digest:
          description:
            - SHA-256 (hex) of the distinct banned entries in canonical form (an address as fail2ban
              writes it, a network in CIDR, a /32 or /128 as its address), sorted IPv4 first then
              IPv6, each numerically, one a line ending in a newline.
            - The same list gives the same digest whatever its order or spelling.
          type: str
          returned: when the jail is in O(digest_jails)
    ignoreip:
      description:
        - The jail's C(ignoreip) entries as fail2ban holds them - addresses, networks, and host names
          it resolves when it checks a failure.
      type: list
      elements: str
      returned: when O(with_ignored=true)
    bans:
      description: Every current ban, ordered by end of ban.
      type: list
      elements: dict
      returned: when O(with_ban_times=true)
      contains:
        ip:
          description: The banned address.
          type: str
        start:
          description: When the ban started (server local time, C(YYYY-MM-DD HH:MM:SS)).
          type: str
        end:
          description: When the ban ends (server local time); C(9999-12-31 23:59:59) for a permanent ban.
          type: str
        bantime:
          description: Ban duration in seconds; C(-1) for a permanent ban.
          type: int
totals:
  description: Sums over the reported jails.
  returned: success
  type: dict
  sample:
    jails: 2
    currently_failed: 2
    total_failed: 17
    currently_banned: 4
    total_banned: 6
    unique_banned_ips: 3
  contains:
    jails:
      description: Number of reported jails.
      type: int
    currently_failed:
      description: Sum of the jails' currently failed counters.
      type: int
    total_failed:
      description: Sum of the jails' total failed counters.
      type: int
    currently_banned:
      description: Sum of the jails' currently banned counters (an address banned by two jails counts twice).
      type: int
    total_banned:
      description: Sum of the jails' total banned counters.
      type: int
    unique_banned_ips:
      description: Number of distinct addresses banned now by any reported jail.
      type: int
dbfile:
  description: fail2ban's database file, as fail2ban names it (C(get dbfile)); null when it keeps none.
  returned: when O(history=true)
  type: str
  sample: /var/lib/fail2ban/fail2ban.sqlite3
history:
  description:
    - The bans fail2ban's database holds since O(history_days) days ago, expired and lifted ones included.
  returned: when O(history=true)
  type: dict
  sample:
    dbfile: /var/lib/fail2ban/fail2ban.sqlite3
    schema_version: 4
    since: 1764000000
    columns: [jail, ip, timeofban, bantime, bancount]
    bans:
      - [sshd, 192.0.2.99, 1764070575, 600, 1]
      - [nginx-4xx, "2001:db8::7", 1764071000, 3600, 2]
    truncated: false
    warnings: []
  contains:
    dbfile:
      description: The file read; null when fail2ban keeps no database.
      type: str
    schema_version:
      description:
        - C(fail2banDb.version) of the database; 4 for fail2ban 0.11, 1.0 and 1.1, 2 for 0.9 and 0.10.
        - Null when the file could not be read.
      type: int
    since:
      description: Unix time of the oldest ban asked for; null for all.
      type: int
    columns:
      description: The names of the fields of each item of RV(history.bans).
      type: list
      elements: str
    bans:
      description:
        - One list per ban, oldest first, with the fields named in RV(history.columns)
          (jail, address, Unix time of the ban, ban duration in seconds or C(-1), ban count of the address).
        - Duration and count are null on schema 2.
        - Lists rather than mappings keep 100,000 bans small.
      type: list
      elements: list
    truncated:
      description: True when more than O(history_max_bans) bans matched and only the newest are returned.
      type: bool
    warnings:
      description: Why the history is empty or partial (database disabled, missing, locked, corrupt, unknown schema).
      type: list
      elements: str
host_addresses:
  description:
    - The host's own addresses, of every interface in the network namespace the module runs in,
      IPv4 then IPv6, each numerically (from C(/proc/net/fib_trie) and C(/proc/net/if_inet6)).
    - fail2ban never bans them from its logs while a jail's C(ignoreself) is on (its default).
  returned: when O(with_ignored=true)
  type: list
  elements: str
  sample: [127.0.0.1, 192.0.2.20, "::1"]
management_source:
  description:
    - The address of the SSH client that runs the task (the first field of C(SSH_CONNECTION)), read
      from the module's environment or, as C(become) resets the environment, from that of its
      parent processes up to the SSH session.
    - Null without SSH (a local or container connection).
  returned: when O(with_ignored=true)
  type: str
  sample: 192.0.2.1
banned_ips:
  description:
    - Distinct addresses banned now, each with the jails (in fail2ban's order) that banned it.
    - Sorted IPv4 first, then IPv6, each numerically; IDs that are not addresses come last.
  returned: success
  type: list
  elements: dict
  sample:
    - ip: 192.0.2.10
      jails: [nginx-http-auth, shop.example-com]
    - ip: "2001:db8::1"
      jails: [nginx-http-auth]
  contains:
    ip:
      description: The banned address.
      type: str
    jails:
      description: Jails that ban it.
      type: list
      elements: str
"""

import sys
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban_history import read_history
from ansible_collections.fortress.nginx.plugins.module_utils.host_identity import host_addresses, management_source
from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban import (
    Fail2banError,
    choose_method,
    collect_via_cli,
    collect_via_socket,
    fail2ban_importable,
    locate_client,
)

# Where fail2ban's packages install the client, for a PATH that lacks it (e.g. a minimal sudo).
CLIENT_FALLBACK_DIRS = ["/usr/local/bin", "/usr/bin"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            jails=dict(type="list", elements="str", default=[]),
            digest_jails=dict(type="list", elements="str", default=[]),
            with_ignored=dict(type="bool", default=False),
            with_ban_times=dict(type="bool", default=False),
            history=dict(type="bool", default=False),
            history_days=dict(type="int", default=30),
            history_max_bans=dict(type="int", default=500000),
            socket=dict(type="path"),
            method=dict(type="str", choices=["auto", "socket", "cli"], default="auto"),
            timeout=dict(type="float", default=30.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    client_path = locate_client(module.get_bin_path, CLIENT_FALLBACK_DIRS)
    error = None
    try:
        method = choose_method(params["method"], fail2ban_importable(), client_path)
        if method == "socket":
            report = collect_via_socket(params["socket"], params["jails"], params["with_ban_times"], params["timeout"],
                                        with_dbfile=params["history"], digest_jails=params["digest_jails"],
                                        with_ignoreip=params["with_ignored"])
        else:
            report = collect_via_cli(
                module.run_command, client_path, params["socket"], params["jails"], params["with_ban_times"],
                with_dbfile=params["history"], digest_jails=params["digest_jails"],
                with_ignoreip=params["with_ignored"])
    except Fail2banError as exc:
        error = exc
    if error is not None:
        # Outside the except block: these are expected failures, reported without a traceback.
        module.fail_json(msg=error.message, reason=error.reason, interpreter=sys.executable)
    if params["with_ignored"]:
        report["host_addresses"], warnings = host_addresses()
        for warning in warnings:
            module.warn("host addresses: %s" % warning)
        report["management_source"] = management_source()
    if params["history"]:
        if params["history_days"] < 0 or params["history_max_bans"] < 1:
            module.fail_json(msg="history_days must be 0 or more and history_max_bans 1 or more")
        since = int(time.time()) - 86400 * params["history_days"] if params["history_days"] else None
        report["history"] = read_history(report["dbfile"], since=since, max_bans=params["history_max_bans"])
        for warning in report["history"]["warnings"]:
            module.warn("ban history: %s" % warning)
    module.exit_json(changed=False, **report)


if __name__ == "__main__":
    main()
