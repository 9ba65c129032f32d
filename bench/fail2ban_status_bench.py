# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How long reading fail2ban's banned IPs takes: the article's shell loop against
fortress.nginx.fail2ban_status (socket and CLI paths), end to end through `ansible` and as the bare
module_utils call inside the host. Prints a table; asserts nothing.

A Debian 12 container (fortress-h3-bench) runs fail2ban with the article's 7 jails and a no-op ban
action, filled with `fail2ban-client set JAIL banip ...` to each size in turn.

Usage (repository root):  source scripts/env.sh && python bench/fail2ban_status_bench.py
    [--sizes 2600,10000,50000] [--repeat 5] [--release bookworm] [--keep]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
SETUP = os.path.join(HERE, "fail2ban_bench_setup.sh")
INNER = os.path.join(HERE, "fail2ban_bench_inner.py")
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils", "fail2ban.py")
NAME = "fortress-h3-bench"
JAILS = ["nginx-4xx", "nginx-botsearch", "nginx-forbidden", "nginx-http-auth", "nginx-sslerror", "sshd", "ufw"]
# The article's loop, verbatim apart from sudo (the benchmark runs as root).
ARTICLE_LOOP = r"""for jail in $(fail2ban-client status | grep 'Jail list:' | sed 's/.*://;s/,//g'); do
  echo "Jail: $jail";
  fail2ban-client status $jail | grep 'Banned IP';
done"""


def sh(*args, **kwargs):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kwargs)


def in_container(script):
    # The script goes through stdin: a fill batch is far longer than an argument may be.
    return sh("docker", "exec", "-i", NAME, "bash", "-s", input=script).stdout


def start_container(release):
    image = os.environ.get("FORTRESS_IMAGE_%s" % release.upper(), "fortress-nginx/debian:%s" % release)
    subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, check=False)
    sh("docker", "run", "-d", "--name", NAME, "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_RAW",
       "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--cgroupns=host",
       "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock", image, "/lib/systemd/systemd")
    with open(SETUP) as script:
        sh("docker", "exec", "-i", NAME, "bash", "-s", "--", *JAILS, stdin=script)
    sh("docker", "exec", NAME, "mkdir", "-p", "/opt/bench")
    sh("docker", "cp", MODULE_UTILS, "%s:/opt/bench/fail2ban_utils.py" % NAME)
    sh("docker", "cp", INNER, "%s:/opt/bench/inner.py" % NAME)


def address(index):
    """The index-th test address: IPv4 from 10.0.0.0/8, every fifth one IPv6 instead."""
    if index % 5 == 4:
        return "2001:db8:%x::%x" % (index >> 16, index & 0xFFFF)
    return "10.%d.%d.%d" % (index >> 16 & 255, index >> 8 & 255, index & 255)


def fill(current, target):
    """Ban addresses current..target-1, spread evenly over the jails, with big banip batches."""
    batch = 2000
    per_jail = {jail: [] for jail in JAILS}
    for index in range(current, target):
        per_jail[JAILS[index % len(JAILS)]].append(address(index))
    commands = []
    for jail, ips in per_jail.items():
        for start in range(0, len(ips), batch):
            commands.append("fail2ban-client set %s banip %s >/dev/null" % (jail, " ".join(ips[start:start + batch])))
    started = time.time()
    in_container("\n".join(commands))
    # banip queues; wait until every ban is in the jails' lists.
    while True:
        banned = int(in_container("python3 /opt/bench/inner.py count").strip())
        if banned >= target:
            break
        time.sleep(0.5)
    return time.time() - started


def timed_in_container(script):
    """Wall time of a shell snippet measured inside the container (no docker exec overhead)."""
    out = in_container('s=$(date +%%s%%N); { %s ; } >/dev/null; e=$(date +%%s%%N); echo $(( (e - s) / 1000 ))' % script)
    return int(out.strip().splitlines()[-1]) / 1e6


def ansible_module(method):
    command = ["ansible", "all", "-i", "%s," % NAME, "-c", "community.docker.docker",
               "-e", "ansible_python_interpreter=/usr/bin/python3",
               "-m", "fortress.nginx.fail2ban_status", "-a", json.dumps({"method": method})]
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    started = time.time()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.time() - started
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"][NAME]
    if result.get("failed") or result.get("method") != method:
        raise SystemExit("module run failed: %s" % result.get("msg", result))
    return elapsed, result["totals"]["unique_banned_ips"], len(json.dumps(result))


def median_of(repeat, measure):
    return statistics.median(measure() for dummy in range(repeat))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2600,10000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--release", default="bookworm")
    parser.add_argument("--keep", action="store_true", help="leave the container running")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]

    print("starting %s (%s) with %d jails..." % (NAME, options.release, len(JAILS)), file=sys.stderr)
    start_container(options.release)
    version = in_container("fail2ban-client version").strip()
    rows = []
    try:
        current = 0
        for size in sizes:
            fill_seconds = fill(current, size)
            current = size
            print("filled to %d banned IPs in %.1f s" % (size, fill_seconds), file=sys.stderr)
            row = {"size": size}
            row["loop"] = median_of(options.repeat, lambda: timed_in_container(ARTICLE_LOOP))
            inner = json.loads(in_container("python3 /opt/bench/inner.py time %d" % options.repeat))
            row.update(inner)
            row["ansible_socket"] = median_of(options.repeat, lambda: ansible_module("socket")[0])
            row["ansible_cli"] = median_of(options.repeat, lambda: ansible_module("cli")[0])
            dummy, unique, row["result_mb"] = ansible_module("socket")
            row["result_mb"] /= 1e6
            if unique != size:
                raise SystemExit("expected %d unique banned IPs, the module saw %d" % (size, unique))
            rows.append(row)
            print("measured %d: %s" % (size, json.dumps(row)), file=sys.stderr)
    finally:
        if not options.keep:
            subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, check=False)

    labels = [
        ("loop", "article's loop: fail2ban-client status + 1 per jail (bash, in the container)"),
        ("process_socket", "python3 process: import module_utils + socket read (in the container)"),
        ("utils_socket", "bare module_utils socket call, in a running process"),
        ("utils_cli", "bare module_utils CLI call (fail2ban-client per command)"),
        ("ansible_socket", "ansible ad-hoc, method=socket (controller, docker connection)"),
        ("ansible_cli", "ansible ad-hoc, method=cli (controller, docker connection)"),
    ]
    print("\nfail2ban %s on Debian %s, %d jails, no-op ban action; median of %d runs, seconds\n"
          % (version, options.release, len(JAILS), options.repeat))
    header = "| %-76s | " % "banned IPs" + " | ".join("%9d" % row["size"] for row in rows) + " |"
    print(header)
    print("|" + "-" * 78 + "|" + "|".join("-" * 11 for dummy in rows) + "|")
    for key, label in labels:
        print("| %-76s | " % label + " | ".join("%9.3f" % row[key] for row in rows) + " |")
    print("| %-76s | " % "size of the module's result as JSON, MB" + " | ".join("%9.1f" % row["result_mb"] for row in rows) + " |")
    print()
    for row in rows:
        print("%6d IPs: loop / socket call = %.0fx, loop / python3 socket process = %.1fx"
              % (row["size"], row["loop"] / row["utils_socket"], row["loop"] / row["process_socket"]))


if __name__ == "__main__":
    main()
