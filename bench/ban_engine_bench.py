# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a ban costs with each ban engine, through fail2ban: ufw (the role's action.d/ufw.local),
nftables sets (the role's default fortress-nftables, a fail2ban Python action driving libnftables
in-process; and fail2ban's packaged command action nftables-multiport, one shell and one nft process
a ban, for comparison) and ipset (fail2ban's iptables-ipset-proto6). The role's ufw action is
rendered from its template, its nftables action copied as it is.
Prints one side-by-side table; asserts nothing.

For each engine a fresh Debian container (systemd, NET_ADMIN, as the Molecule targets) runs ufw
(enabled, 22/80/443 allowed) and fail2ban with one web jail `bench` (ports http,https, bantime 1d,
fail2ban's own sqlite database, as the role leaves it). Bans go in with
`fail2ban-client set bench banip IP...`, which returns once every action ran (Actions.addBannedIP
bans synchronously); every fifth address is IPv6. Timings are taken inside the container.

Measured per engine:
  - ms per ban AT 1k, 10k and 50k bans: one batch of --probe bans timed when the jail already holds
    that many (the marginal cost), and the mean bans per second of the whole fill up to that size;
  - with 10k bans: `systemctl restart fail2ban` (returns when the old bans are flushed and the
    server is up), the time until the database's 10k bans are back in the firewall, and
    `systemctl stop fail2ban`;
  - kernel memory of the bans: the drop of /proc/meminfo's Slab + VmallocUsed + Percpu when the
    engine's rules or set elements are dropped at once (nft flush set / ipset flush / iptables -F of
    ufw's user chains), median of 3 reads either side. It is a host-wide figure: other activity on
    the host adds noise of a few hundred kB. Also the size of the firewall's own listing.
ufw costs O(rules) per ban: it gets a time budget (--ufw-budget seconds of banning) and the table
shows where it stopped and its ms-per-ban curve; its stop, which unbans one rule at a time, gets
--ufw-stop-budget seconds.

Usage (repository root, under the heavy lock):
    source scripts/env.sh && flock /tmp/fortress-heavy.lock python bench/ban_engine_bench.py
    [--engines nftables,ipset,ufw] [--sizes 1000,10000,50000] [--probe 200] [--ufw-budget 300]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import jinja2

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TEMPLATES = os.path.join(ROOT, "roles", "fail2ban_nginx", "templates")
PREFIX = os.environ.get("FORTRESS_BENCH_PREFIX", "fortress-ban-bench")
IMAGE = "%s-image" % PREFIX
BANACTION = {
    "nftables": "fortress-nftables.py",
    # fail2ban's packaged command action, as devsec/geerlingguy-style set-ups use it: one shell and
    # one nft process per ban (the role's own action before 0.3.0 worked this way).
    "nftables-packaged": "nftables-multiport",
    "ipset": "iptables-ipset-proto6",
    "ufw": "ufw",
}
PACKAGES = "fail2ban python3-systemd ufw nftables python3-nftables ipset iptables netbase iproute2"
FILES = os.path.join(ROOT, "roles", "fail2ban_nginx", "files")

SETUP = r"""
set -eu
export DEBIAN_FRONTEND=noninteractive
for _ in $(seq 150); do
  case "$(systemctl is-system-running 2>/dev/null)" in running | degraded) break ;; esac
  sleep 0.2
done
ufw --force reset >/dev/null
ufw allow 22/tcp >/dev/null
ufw allow 80/tcp >/dev/null
ufw allow 443/tcp >/dev/null
ufw --force enable >/dev/null
mkdir -p /var/log/nginx
touch /var/log/nginx/access.log
cat > /etc/fail2ban/jail.d/zz-bench.local <<CONF
[DEFAULT]
banaction = %(banaction)s
bantime = 1d

[sshd]
enabled = false

[bench]
enabled = true
filter = nginx-botsearch
logpath = /var/log/nginx/access.log
port = http,https
CONF
systemctl restart fail2ban
for _ in $(seq 100); do fail2ban-client ping >/dev/null 2>&1 && break; sleep 0.2; done
fail2ban-client ping >/dev/null
"""

# How many bans the firewall holds now, per engine.
COUNT = {
    "nftables-packaged": None,
    "nftables": "n=0; for s in addr-set-bench addr6-set-bench; do "
                "c=$(nft -j list set inet f2b-table $s 2>/dev/null | python3 -c 'import json,sys; "
                "print(sum(len(x[\"set\"].get(\"elem\", [])) for x in json.load(sys.stdin)[\"nftables\"] if \"set\" in x))' "
                "2>/dev/null || echo 0); n=$((n + c)); done; echo $n",
    "ipset": "n=0; for s in f2b-bench f2b-bench6; do "
             "c=$(ipset list -t $s 2>/dev/null | sed -n 's/^Number of entries: //p'); n=$((n + ${c:-0})); done; echo $n",
    "ufw": "cat /etc/ufw/user.rules /etc/ufw/user6.rules | grep -c '^### tuple ### reject' || true",
}
# Drops every ban at once in the kernel (for the memory figure), leaving fail2ban's list alone.
DROP = {
    "nftables-packaged": None,
    "nftables": "nft flush set inet f2b-table addr-set-bench; nft flush set inet f2b-table addr6-set-bench 2>/dev/null || true",
    "ipset": "ipset flush f2b-bench; ipset flush f2b-bench6 2>/dev/null || true",
    "ufw": "iptables -F ufw-user-input; ip6tables -F ufw6-user-input",
}
LISTING = {
    "nftables-packaged": None,
    "nftables": "nft list table inet f2b-table | wc -c",
    "ipset": "{ ipset save; iptables-save; ip6tables-save; } | wc -c",
    "ufw": "{ iptables-save; ip6tables-save; } | wc -c",
}
for _table in (COUNT, DROP, LISTING):
    _table["nftables-packaged"] = _table["nftables"]
KMEM = "awk '/^(Slab|VmallocUsed|Percpu):/ {s += $2} END {print s}' /proc/meminfo"


def sh(*args, **kwargs):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kwargs)


def in_container(name, script, check=True):
    proc = subprocess.run(["docker", "exec", "-i", name, "bash", "-s"], input=script, capture_output=True,
                          text=True, check=False)
    if check and proc.returncode != 0:
        raise SystemExit("in %s: %s\n%s%s" % (name, script[:300], proc.stdout[-2000:], proc.stderr[-2000:]))
    return proc.stdout


def timed(name, script):
    """Seconds a shell snippet takes, measured inside the container (no docker exec overhead)."""
    out = in_container(name, 's=$(date +%%s%%N); { %s ; } >/dev/null; e=$(date +%%s%%N); echo $(( (e - s) / 1000 ))'
                       % script)
    return int(out.strip().splitlines()[-1]) / 1e6


def run_container(name, image):
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    sh("docker", "run", "-d", "--name", name, "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_RAW",
       "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--cgroupns=host",
       "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock", image, "/lib/systemd/systemd")


def build_image(release):
    """One image with every package installed, so that each engine starts from the same host."""
    base = os.environ.get("FORTRESS_IMAGE_%s" % release.upper(), "fortress-nginx/debian:%s" % release)
    name = "%s-build" % PREFIX
    run_container(name, base)
    in_container(name, "for _ in $(seq 150); do case \"$(systemctl is-system-running 2>/dev/null)\" in running|degraded) break;; esac;"
                 " sleep 0.2; done; export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && "
                 "apt-get install -y -qq --no-install-recommends %s >/dev/null" % PACKAGES)
    env = jinja2.Environment(trim_blocks=True)
    env.filters["bool"] = bool
    values = {"fail2ban_nginx__managed_header": "benchmark copy of the role's action", "fail2ban_nginx_ufw_blocktype": "reject",
              "fail2ban_nginx_ufw_kill_mode": "ss", "fail2ban_nginx_ipv6_prefix_bans": False, "fail2ban_nginx_ipv6_prefix": 64}
    with open(os.path.join(TEMPLATES, "action-ufw.local.j2")) as source:
        text = env.from_string(source.read()).render(**values)
    in_container(name, "cat > /etc/fail2ban/action.d/ufw.local <<'ACTION'\n%s\nACTION" % text)
    # The role's nftables engine is a Python action, copied as it is.
    subprocess.run(["docker", "cp", os.path.join(FILES, "fortress-nftables.py"), "%s:/etc/fail2ban/action.d/" % name],
                   check=True, capture_output=True)
    in_container(name, "systemctl stop fail2ban")
    sh("docker", "commit", name, IMAGE)
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def address(index):
    """The index-th test address: IPv4 from 10.0.0.0/8, every fifth one IPv6 from 2001:db8::/32."""
    if index % 5 == 4:
        return "2001:db8:%x::%x" % (index >> 16, index & 0xFFFF)
    return "10.%d.%d.%d" % (index >> 16 & 255, index >> 8 & 255, index & 255)


def ban(name, start, stop, batch):
    """Ban addresses start..stop-1 in batches; seconds spent in fail2ban-client."""
    spent = 0.0
    for first in range(start, stop, batch):
        ips = " ".join(address(i) for i in range(first, min(stop, first + batch)))
        spent += timed(name, "fail2ban-client set bench banip %s" % ips)
    return spent


def kmem(name):
    reads = sorted(int(in_container(name, KMEM).strip()) for dummy in range(3))
    return reads[1]


def wait_count(name, engine, want, budget):
    """Seconds until the firewall holds `want` bans (None if not within budget)."""
    started = time.monotonic()
    while time.monotonic() - started < budget:
        if int(in_container(name, COUNT[engine]).strip() or 0) >= want:
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def lifecycle(name, engine, row, budget):
    """Stop fail2ban with the bans it holds, then start it and wait until its database's bans are
    all back in the firewall. A restart is the stop plus the start."""
    count = int(in_container(name, COUNT[engine]).strip() or 0)
    row["lifecycle_bans"] = count
    row["stop_s"] = stop_within(name, engine, budget)
    if row["stop_s"] is None:
        # Still unbanning rule by rule: count what is left, then end it.
        row["stop_left"] = int(in_container(name, COUNT[engine]).strip() or 0)
        in_container(name, "systemctl kill -s KILL fail2ban; sleep 1", check=False)
        return False
    row["start_s"] = timed(name, "systemctl start fail2ban; for _ in $(seq 300); do fail2ban-client ping >/dev/null 2>&1 && break; sleep 0.05; done")
    row["restart_s"] = row["stop_s"] + row["start_s"]
    row["restored_s"] = wait_count(name, engine, count, budget)
    return row["restored_s"] is not None


def stop_within(name, engine, budget):
    """Seconds `systemctl stop fail2ban` takes, or None when it is still unbanning after `budget`."""
    in_container(name, "systemctl stop --no-block fail2ban")
    started = time.monotonic()
    while time.monotonic() - started < budget:
        if in_container(name, "systemctl is-active fail2ban", check=False).strip() in ("inactive", "failed"):
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def bench_engine(engine, options):
    name = "%s-%s" % (PREFIX, engine)
    run_container(name, IMAGE)
    row = {"engine": engine, "curve": [], "at": {}, "rate": {}}
    try:
        in_container(name, SETUP % {"banaction": BANACTION[engine]})
        row["version"] = in_container(name, "fail2ban-client version").strip()
        base_kmem = kmem(name)
        current, spent = 0, 0.0
        budget = options.ufw_budget if engine == "ufw" else float("inf")
        batch = 25 if engine == "ufw" else 1000
        for size in options.sizes:
            # Fill up to size - probe in big batches, then time the probe batch at that size.
            while current < size - options.probe and spent < budget:
                step = min(size - options.probe, current + (batch * 4 if engine == "ufw" else batch * 10))
                took = ban(name, current, step, batch)
                row["curve"].append((step, took * 1000 / (step - current)))
                spent += took
                current = step
            if spent >= budget:
                row["stopped_at"] = current
                break
            took = ban(name, current, current + options.probe, batch if engine != "ufw" else options.probe)
            spent += took
            current += options.probe
            row["at"][size] = took * 1000 / options.probe
            row["rate"][size] = current / spent
            row["curve"].append((current, row["at"][size]))
            firewall = int(in_container(name, COUNT[engine]).strip() or 0)
            if firewall != current:
                raise SystemExit("%s: %d bans sent, the firewall holds %d" % (engine, current, firewall))
            print("%s: %d bans, %.2f ms/ban at this size, %.0f bans/s over the fill"
                  % (engine, size, row["at"][size], row["rate"][size]), file=sys.stderr)
            if size == options.lifecycle and not lifecycle(name, engine, row, 300):
                raise SystemExit("%s: the bans did not come back within 300 s of a restart" % engine)
        if "lifecycle_bans" not in row:
            # ufw never reached the lifecycle size: stop (and start) it with what it holds.
            lifecycle(name, engine, row, options.ufw_stop_budget)
        row["bans"] = int(in_container(name, COUNT[engine]).strip() or 0)
        row["listing_kb"] = int(in_container(name, LISTING[engine]).strip()) / 1024
        before = kmem(name)
        in_container(name, DROP[engine])
        time.sleep(2)
        after = kmem(name)
        row["kmem_kb"] = before - after
        row["kmem_grown_kb"] = before - base_kmem
    finally:
        # The row so far, also when a step failed: --rows-from takes these lines back.
        print(json.dumps(row), file=sys.stderr)
        if not options.keep:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    return row


def fmt(value, pattern):
    return "-" if value is None else pattern % value


def table(rows, options):
    columns = [row["engine"] for row in rows]
    lines = ["| %-52s | " % "through fail2ban-client set bench banip" + " | ".join("%-16s" % c for c in columns) + " |",
             "|" + "-" * 54 + "|" + "|".join("-" * 18 for dummy in columns) + "|"]

    def line(label, values):
        lines.append("| %-52s | " % label + " | ".join("%-16s" % v for v in values) + " |")
    for size in options.sizes:
        line("ms per ban at %d bans (batch of %d)" % (size, options.probe),
             [fmt(row["at"].get(size), "%.2f") if size in row["at"] else "stopped at %d" % row.get("stopped_at", 0)
              for row in rows])
    for size in options.sizes:
        line("bans per second, fill 0 -> %d" % size, [fmt(row["rate"].get(size), "%.0f") for row in rows])
    line("bans held for stop/restart", [str(row.get("lifecycle_bans", "-")) for row in rows])
    line("systemctl stop fail2ban, s", [fmt(row.get("stop_s"), "%.2f") if row.get("stop_s") is not None else
                                        "> %d (%s left)" % (options.ufw_stop_budget, row.get("stop_left", "?"))
                                        for row in rows])
    line("systemctl start fail2ban (until it answers), s", [fmt(row.get("start_s"), "%.2f") for row in rows])
    line("restart = stop + start, s", [fmt(row.get("restart_s"), "%.2f") for row in rows])
    line("  then until every ban is back in the firewall, s", [fmt(row.get("restored_s"), "%.1f") for row in rows])
    line("bans in the firewall at the memory read", [str(row.get("bans", "-")) for row in rows])
    line("kernel memory freed dropping them, kB", [fmt(row.get("kmem_kb"), "%d") for row in rows])
    line("  per ban, bytes", [fmt(row["kmem_kb"] * 1024 / row["bans"], "%.0f") if row.get("bans") else "-" for row in rows])
    line("kernel memory grown since the first ban, kB", [fmt(row.get("kmem_grown_kb"), "%d") for row in rows])
    line("size of the firewall listing, kB", [fmt(row.get("listing_kb"), "%.0f") for row in rows])
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="nftables,nftables-packaged,ipset,ufw")
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--probe", type=int, default=200, help="bans timed at each size")
    parser.add_argument("--lifecycle", type=int, default=10000, help="bans held while timing stop and restart")
    parser.add_argument("--ufw-budget", type=float, default=300, help="seconds of banning ufw gets")
    parser.add_argument("--ufw-stop-budget", type=float, default=120, help="seconds ufw's stop gets")
    parser.add_argument("--release", default="bookworm")
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    parser.add_argument("--rows-from", help="a file of JSON rows printed by an earlier run (stderr): their engines are "
                                            "not measured again but shown in the table")
    options = parser.parse_args()
    options.sizes = [int(size) for size in options.sizes.split(",")]
    earlier = {}
    if options.rows_from:
        with open(options.rows_from) as lines:
            for line in lines:
                if line.startswith('{"engine"'):
                    row = json.loads(line)
                    row["at"] = {int(size): value for size, value in row["at"].items()}
                    row["rate"] = {int(size): value for size, value in row["rate"].items()}
                    earlier[row["engine"]] = row
    engines = options.engines.split(",")
    if any(engine not in earlier for engine in engines):
        print("building %s (%s, %s)..." % (IMAGE, options.release, PACKAGES), file=sys.stderr)
        build_image(options.release)
    rows = []
    try:
        for engine in engines:
            if engine in earlier:
                rows.append(earlier[engine])
                continue
            print("benchmarking %s (%s)..." % (engine, BANACTION[engine]), file=sys.stderr)
            rows.append(bench_engine(engine, options))
    finally:
        subprocess.run(["docker", "rmi", "-f", IMAGE], capture_output=True, check=False)
    print("\nfail2ban %s on Debian %s, one web jail (ports http,https), ufw enabled; every 5th address IPv6\n"
          % (rows[0]["version"], options.release))
    print(table(rows, options))
    for row in rows:
        if row["engine"] == "ufw":
            print("\nufw ms per ban along the fill (bans held: ms/ban): "
                  + ", ".join("%d: %.0f" % (count, ms) for count, ms in row["curve"]))
            if "stopped_at" in row:
                print("ufw stopped at %d bans after its %d s budget" % (row["stopped_at"], options.ufw_budget))


if __name__ == "__main__":
    main()
