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
