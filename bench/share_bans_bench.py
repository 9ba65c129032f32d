# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller time of playbooks/share_bans.yml for a fleet: 10,000 banned addresses across 20 hosts
(issue #13's goal: < 60 s for the first run, < 10 s for the idempotent second). Prints figures;
asserts nothing.

Every host is a fake fail2ban server on a UNIX socket in this process (tests/support/fake_fail2ban.py),
answering in fail2ban's own protocol (pickled answers, <F2B_END_COMMAND> framing) from the shapes
recorded from fail2ban 1.0.2
(tests/unit/data/bookworm/socket.json): `version`, `status`, `status JAIL`, `get JAIL ignoreip`,
`set JAIL banip/unbanip`. The inventory has 20 hosts on the local connection, each pointed at its own
socket (share_bans_socket, share_bans_method=socket); a stub `fail2ban` package on PYTHONPATH lets the
modules take the socket path, as on a host where fail2ban is installed. So the run is the real
playbook, modules, filter and socket client end to end; what it leaves out is SSH and fail2ban's own
work on the hosts (measured by bench/ban_engine_bench.py: a ban is one nft set insert).

Each host bans its share of the 10,000 addresses: every address is banned by 1 to 3 hosts in
nginx-4xx / nginx-botsearch, a tenth of them in nginx-probe or sshd (shared on one host's word).
The policy (min_hosts 2, any_host_jails nginx-probe and sshd) shares most of them.

Usage (repository root):  source scripts/env.sh && python bench/share_bans_bench.py
    [--addresses 10000] [--hosts 20] [--forks 20]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RECORDED = os.path.join(ROOT, "tests", "unit", "data", "bookworm", "socket.json")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from fake_fail2ban import FakeFail2banServer, StatefulFail2ban  # noqa: E402  pylint: disable=wrong-import-position

SHARED = "fortress-shared"
JAILS = ["sshd", "nginx-4xx", "nginx-botsearch", "nginx-probe", SHARED]


def fleet(addresses, hosts, seed=13):
    """{host: {jail: [addresses]}}: each address on 1 to 3 hosts, a tenth in nginx-probe or sshd."""
    rng = random.Random(seed)
    bans = dict(("web%02d" % n, dict((jail, []) for jail in JAILS)) for n in range(1, hosts + 1))
    names = sorted(bans)
    for index in range(addresses):
        # Public-looking space outside every special range: 11.0.0.0/8 onwards.
        ip = "%d.%d.%d.%d" % (11 + index // 62500, (index // 250) % 250, index % 250 + 1, 7)
        certain = rng.random() < 0.1
        for host in rng.sample(names, 1 if certain else rng.choice((1, 2, 2, 3))):
            jail = rng.choice(("nginx-probe", "sshd")) if certain else rng.choice(("nginx-4xx", "nginx-botsearch"))
            bans[host][jail].append(ip)
    return bans


def run_playbook(inventory, env, forks, profile=False):
    if profile:
        env = dict(env, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks", PROFILE_TASKS_TASK_OUTPUT_LIMIT="30")
    started = time.monotonic()
    result = subprocess.run(["ansible-playbook", "-i", inventory, "-f", str(forks), "fortress.nginx.share_bans",
                             "-e", "share_bans_hosts=fleet share_bans_become=false share_bans_method=socket "
                                   "share_bans_show=3"],
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit("the playbook failed:\n%s\n%s" % (result.stdout[-5000:], result.stderr[-3000:]))
    changed = re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", result.stdout, re.MULTILINE)
    summary = re.search(r"(\d+ addresses shared from \d+ hosts reporting)", result.stdout)
    if profile:
        print("\n".join(line for line in result.stdout.splitlines() if re.search(r" -+ \d+\.\d+s$", line)))
    return elapsed, dict((host, int(count)) for host, count in changed), summary.group(1) if summary else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--addresses", type=int, default=10000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print each task's time (ansible.posix.profile_tasks)")
    args = parser.parse_args()
    with open(RECORDED) as handle:
        version = json.load(handle)["version"]
    bans = fleet(args.addresses, args.hosts)
    work = tempfile.mkdtemp(prefix="share-bans-bench-")
    fakes, servers = {}, []
    for host in sorted(bans):
        fakes[host] = StatefulFail2ban(bans[host], JAILS, version)
        servers.append(FakeFail2banServer(os.path.join(work, host + ".sock"), fakes[host], chunk=1 << 16))
    inventory = os.path.join(work, "inventory.yml")
    with open(inventory, "w") as handle:
        json.dump({"fleet": {"hosts": dict(
            (host, {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                    "share_bans_socket": os.path.join(work, host + ".sock")}) for host in sorted(bans))}}, handle)
    # The modules take the socket path only where fail2ban's package is importable (the sign that
    # fail2ban is installed): a stub package stands in for it (the answers are decoded without it).
    stub = os.path.join(work, "stub", "fail2ban")
    os.makedirs(stub)
    for name in ("__init__.py", "exceptions.py"):
        open(os.path.join(stub, name), "w").close()
    env = dict(os.environ, PYTHONPATH=os.path.dirname(stub) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    total = sum(len(ips) for host in bans.values() for ips in host.values())
    print("share_bans.yml, %d addresses (%d bans) across %d hosts, fake fail2ban sockets, forks %d"
          % (args.addresses, total, args.hosts, args.forks))
    print("%-28s %10s  %s" % ("run", "seconds", "result"))
    # (The newcomer, 11.250.250.250, is never generated: the second octet of fleet() stays below 250.)
    # The third run is cron's usual case: one host has banned one new scanner since the last run.
    newcomer = "11.250.250.250"
    for label in ("first run (pushes)", "second run (idempotent)", "third run (1 new ban)"):
        if label.startswith("third"):
            fakes[sorted(fakes)[0]].bans["nginx-probe"].append(newcomer)
        elapsed, changed, summary = run_playbook(inventory, env, args.forks, args.profile)
        print("%-28s %10.1f  %s; hosts changed: %d of %d" % (
            label, elapsed, summary, sum(1 for count in changed.values() if count), len(changed)))
    held = set(len(fake.bans[SHARED]) for fake in fakes.values())
    print("every shared jail holds %s addresses; socket commands answered: %d"
          % (" / ".join(str(n) for n in sorted(held)), sum(fake.commands for fake in fakes.values())))
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main()
