# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Synthetic fail2ban_status results (the module's documented return structure) for tests."""


def status_result(jails, version="1.0.2", method="socket", bans=None):
    """Build one host's fail2ban_status result from {jail: [banned ips]}.

    ``bans`` optionally maps jail -> [{ip, start, end}] (the module's optional ban times).
    """
    jail_dicts = {}
    per_ip = {}
    for name, ips in jails.items():
        jail_dicts[name] = {
            "name": name,
            "filter": {"currently_failed": len(ips) % 3, "total_failed": len(ips) * 5,
                       "file_list": ["/var/log/nginx/access.log"], "journal_matches": []},
            "actions": {"currently_banned": len(ips), "total_banned": len(ips) * 2, "banned_ips": list(ips)},
        }
        if bans and name in bans:
            jail_dicts[name]["bans"] = bans[name]
        for ip in ips:
            per_ip.setdefault(ip, []).append(name)
    totals = {
        "jails": len(jails),
        "currently_failed": sum(j["filter"]["currently_failed"] for j in jail_dicts.values()),
        "total_failed": sum(j["filter"]["total_failed"] for j in jail_dicts.values()),
        "currently_banned": sum(j["actions"]["currently_banned"] for j in jail_dicts.values()),
        "total_banned": sum(j["actions"]["total_banned"] for j in jail_dicts.values()),
        "unique_banned_ips": len(per_ip),
    }
    return {
        "changed": False,
        "fail2ban_version": version,
        "method": method,
        "jail_names": sorted(jails),
        "jails": jail_dicts,
        "totals": totals,
        "banned_ips": [{"ip": ip, "jails": sorted(per_ip[ip])} for ip in sorted(per_ip)],
    }


DEMO_NETWORKS = [
    # (network, how many banned IPs from it): the sample database's ranges plus one it does not know.
    ("172.16.0.0/15", 40), ("172.18.0.0/15", 25), ("172.20.0.0/14", 60), ("172.24.0.0/13", 12),
    ("10.0.0.0/9", 30), ("10.128.0.0/9", 8), ("192.168.0.0/17", 18), ("192.168.128.0/17", 22),
    ("192.0.2.0/24", 9), ("198.51.100.0/24", 35), ("203.0.113.0/24", 14),
    ("2001:db8::/33", 6), ("2001:db8:8000::/33", 4), ("100.64.0.0/10", 7),
]
DEMO_JAILS = ["sshd", "nginx-4xx", "nginx-botsearch", "nginx-http-auth", "nginx-limit-req", "nginx-sslerror", "ufw", "recidive"]
DEMO_HOSTS = ["web1.example.org", "web2.example.org", "api.example.org", "edge-fra-1", "edge-sin-1"]


def demo_fleet(seed=4):
    """A deterministic, plausible fleet: five hosts sharing attackers from the sample database's ranges."""
    import ipaddress
    import random

    rnd = random.Random(seed)
    ips = set()
    for network, count in DEMO_NETWORKS:
        net = ipaddress.ip_network(network)
        while count:
            ip = str(net[rnd.randrange(1, min(net.num_addresses - 1, 2 ** 20))])
            if ip not in ips:
                ips.add(ip)
                count -= 1
    ips = sorted(ips)
    results = {}
    for host in DEMO_HOSTS:
        jails = {}
        for ip in rnd.sample(ips, rnd.randrange(60, 180)):
            jails.setdefault(rnd.choice(DEMO_JAILS[:rnd.randrange(3, len(DEMO_JAILS) + 1)]), []).append(ip)
        results[host] = status_result(jails)
    return results


DEMO_HISTORY_END = 1764460800  # 2025-11-30T00:00:00Z: fixed, so the demo report is the same on every run


def demo_history(results, seed=5, days=30, end=DEMO_HISTORY_END):
    """Add a fail2ban_status ``history`` to each host of ``results``: ``days`` days of bans, a quiet
    background with a wave in the last week, some addresses coming back (repeat offenders)."""
    import random

    rnd = random.Random(seed)
    pool = sorted(set(ip for result in results.values() if result for ip in
                      (item["ip"] for item in result["banned_ips"])))
    regulars = pool[:25]
    for host in sorted(results):
        if not results[host]:
            continue
        bans = []
        for day in range(days):
            wave = 1 + (6 if days - day <= 7 else 0) * (1 if day % 2 else 0.6)
            for _ban in range(int(rnd.randrange(3, 12) * wave)):
                stamp = end - (days - day) * 86400 + rnd.randrange(86400)
                ip = rnd.choice(regulars) if rnd.random() < 0.3 else rnd.choice(pool)
                bans.append([rnd.choice(DEMO_JAILS[:6]), ip, stamp, 600, 1])
        bans.sort(key=lambda ban: ban[2])
        results[host]["history"] = {"dbfile": "/var/lib/fail2ban/fail2ban.sqlite3", "schema_version": 4,
                                    "since": end - days * 86400, "columns": ["jail", "ip", "timeofban", "bantime", "bancount"],
                                    "bans": bans, "truncated": False, "warnings": []}
    return results
