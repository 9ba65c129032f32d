# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the ban report: 100,000 banned IPs and 1,000,000 historical bans (fail2ban's database,
30 days) across 10 hosts (synthetic fail2ban_status results, history passed through JSON as Ansible does)
-> merge, geolocate (City + ASN .mmdb built here), aggregate, timeline, render HTML/JSON/CSV, write.

Prints the CPU and wall time of each phase and the peak memory. Targets: under 30 s of CPU and under
1 GB peak RSS (issue #14; without history: 10 s and 500 MB). Asserts nothing.

    source scripts/env.sh; python bench/ban_report_bench.py [--ips 100000] [--history-bans 1000000] [--hosts 10] [--tracemalloc]
"""
import argparse
import ipaddress
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ.get("FORTRESS_COLLECTIONS", os.path.join(ROOT, ".collections")))

from mmdb_writer import MMDBWriter, MmdbU32  # noqa: E402
from netaddr import IPSet  # noqa: E402

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import (  # noqa: E402
    build_report, report_writers, write_files)
from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoLocator  # noqa: E402

JAILS = ["sshd", "nginx-4xx", "nginx-botsearch", "nginx-http-auth", "nginx-limit-req", "nginx-sslerror", "ufw", "recidive"]


def build_databases(directory, rnd, networks=2000):
    """City and ASN databases with ``networks`` IPv4 /16s and 200 IPv6 /32s: 60 countries, 400 cities, 500 ASNs."""
    city = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Bench-City", languages=["en"])
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Bench-ASN", languages=["en"])
    v4 = rnd.sample(range(1 << 16), networks)
    v6 = [ipaddress.ip_network("2a%02x:%x::/32" % (i % 256, i)) for i in range(200)]
    placed = []
    for index, prefix in enumerate(v4):
        placed.append(ipaddress.ip_network((prefix << 16, 16)))
    placed.extend(v6)
    city_sets, asn_sets = {}, {}
    for index, network in enumerate(placed):
        country = index % 60
        city_sets.setdefault((country, index % 400), []).append(str(network))
        asn_sets.setdefault(index % 500, []).append(str(network))
    for (country, town), nets in city_sets.items():
        city.insert_network(IPSet(nets), {"country": {"iso_code": "C%02d" % country, "names": {"en": "Country %d" % country}},
                                          "city": {"names": {"en": "City %d" % town}}})
    for number, nets in asn_sets.items():
        asn.insert_network(IPSet(nets), {"autonomous_system_number": MmdbU32(64512 + number),
                                         "autonomous_system_organization": "Bench Organisation %d" % number})
    paths = os.path.join(directory, "city.mmdb"), os.path.join(directory, "asn.mmdb")
    city.to_db_file(paths[0])
    asn.to_db_file(paths[1])
    return paths, placed


def synthetic_results(rnd, placed, ips, hosts):
    """``ips`` distinct IPs, 95 % inside the databases' networks, each banned on 1-3 hosts by 1-2 jails."""
    addresses = set()
    while len(addresses) < ips:
        if rnd.random() < 0.95:
            network = rnd.choice(placed)
            addresses.add(str(network[rnd.randrange(1, 1 << 15)]))
        else:
            addresses.add(str(ipaddress.IPv4Address(rnd.randrange(1 << 32))))
    host_names = ["host%02d.example.org" % i for i in range(hosts)]
    per_host = dict((h, dict((j, []) for j in JAILS)) for h in host_names)
    for ip in addresses:
        for host in rnd.sample(host_names, rnd.choice((1, 1, 1, 2, 3))):
            for jail in rnd.sample(JAILS, rnd.choice((1, 1, 2))):
                per_host[host][jail].append(ip)
    results = {}
    for host, jails in per_host.items():
        results[host] = {
            "fail2ban_version": "1.0.2", "method": "socket", "jail_names": JAILS,
            "jails": dict((j, {"name": j, "filter": {"currently_failed": 1, "total_failed": 10 * len(b), "file_list": [],
                                                     "journal_matches": []},
                               "actions": {"currently_banned": len(b), "total_banned": 2 * len(b), "banned_ips": b}})
                          for j, b in jails.items()),
            "totals": {}, "banned_ips": [],
        }
    return results


def synthetic_history(rnd, results, bans, days=30, end=1764460800):
    """Add ``bans`` historical bans, spread over the hosts, to ``results``: a third of the addresses of a pool
    (the currently banned ones and as many more) come back again and again. Each host's history goes through
    JSON, as a module result does, so its strings are distinct objects like the controller's."""
    current = sorted(set(ip for result in results.values() for jail in result["jails"].values() for ip in jail["actions"]["banned_ips"]))
    pool = current + [str(ipaddress.IPv4Address(rnd.randrange(1 << 32))) for _index in range(len(current) * 2)]
    hot = pool[:len(pool) // 3]
    hosts = sorted(results)
    start = end - days * 86400
    per_host = bans // len(hosts)
    for host in hosts:
        rows = []
        for _index in range(per_host):
            ip = rnd.choice(hot) if rnd.random() < 0.5 else rnd.choice(pool)
            rows.append([rnd.choice(JAILS), ip, start + int(days * 86400 * rnd.random() ** 0.5), 600, 1])
        rows.sort(key=lambda row: row[2])
        history = {"dbfile": "/var/lib/fail2ban/fail2ban.sqlite3", "schema_version": 4, "since": start,
                   "columns": ["jail", "ip", "timeofban", "bantime", "bancount"], "bans": rows, "truncated": False, "warnings": []}
        results[host]["history"] = json.loads(json.dumps(history))
        del rows, history
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ips", type=int, default=100000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--history-bans", type=int, default=1000000)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    args = parser.parse_args()
    rnd = random.Random(20261126)
    work = tempfile.mkdtemp(prefix="fortress-ban-report-bench-")
    try:
        start = time.perf_counter()
        (city_db, asn_db), placed = build_databases(work, rnd)
        results = synthetic_results(rnd, placed, args.ips, args.hosts)
        if args.history_bans:
            synthetic_history(rnd, results, args.history_bans)
        setup = time.perf_counter() - start
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        if args.tracemalloc:
            tracemalloc.start()
        out = os.path.join(work, "out")
        marks = [(time.perf_counter(), time.process_time())]
        locator = GeoLocator.from_paths(city_db, asn_db)
        report = build_report(results, locator=locator, top_n=20)
        locator.close()
        marks.append((time.perf_counter(), time.process_time()))
        # Written the way the module writes them: streamed into temporary files, then moved into place.
        writers = dict(report_writers(report))
        for group in (["report.json"], [n for n in writers if n.endswith(".csv")], ["report.html"]):
            write_files(dict((name, writers[name]) for name in group), out)
            marks.append((time.perf_counter(), time.process_time()))
        names = ["merge + geolocate + aggregate + history", "write report.json", "write CSV files", "write report.html"]
        phases = [(names[i], marks[i + 1][0] - marks[i][0], marks[i + 1][1] - marks[i][1]) for i in range(len(names))]
        files = writers
        traced = tracemalloc.get_traced_memory()[1] / 1048576.0 if args.tracemalloc else None
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        totals = report["totals"]
        print("ban report benchmark: %s unique banned IPs (%s IPv6), %d hosts, %s bans, %d jails"
              % (format(totals["unique_banned_ips"], ","), format(totals["ipv6"], ","), totals["hosts"],
                 format(totals["bans"], ","), totals["jails"]))
        history = report.get("history") or {"totals": {}}
        print("  history: %s bans of %s addresses on %s hosts, per %s, %s timeline rows, %s repeat offenders"
              % (format(history["totals"].get("bans", 0), ","), format(history["totals"].get("addresses", 0), ","),
                 history["totals"].get("hosts", 0), history.get("bucket"), len(history.get("timeline") or []),
                 format(history["totals"].get("repeat_offenders", 0), ",")))
        print("  located: %s countries, %s organisations, %s cities; unknown country: %s IPs"
              % (totals["countries"], totals["organisations"], totals["cities"], format(totals["unknown_country"], ",")))
        print("  setup (databases + synthetic results, not counted): %.2f s" % setup)
        print("  %-42s %8s %8s" % ("phase", "wall", "CPU"))
        for name, wall, cpu in phases:
            print("  %-42s %6.2f s %6.2f s" % (name, wall, cpu))
        print("  %-42s %6.2f s %6.2f s   (target < 30 s of CPU)" % ("total", marks[-1][0] - marks[0][0], marks[-1][1] - marks[0][1]))
        print("  load average now: %.1f on %d CPUs (wall time grows with it; CPU time does not)" % (os.getloadavg()[0], os.cpu_count()))
        sizes = dict((name, os.path.getsize(os.path.join(work, "out", name))) for name in files)
        print("  sizes: report.html %.0f KB, report.json %.1f MB, ips.csv %.1f MB, history_addresses.csv %.1f MB"
              % (sizes["report.html"] / 1024.0, sizes["report.json"] / 1048576.0, sizes["ips.csv"] / 1048576.0,
                 sizes["history_addresses.csv"] / 1048576.0))
        print("  peak RSS of the process: %.0f MB (%.0f MB before the report: interpreter + synthetic input)   (target < 1 GB)"
              % (rss_peak, rss_before))
        if traced is not None:
            print("  peak traced Python allocations during the report: %.0f MB" % traced)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
