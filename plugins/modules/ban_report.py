#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ban_report
short_description: Merge fail2ban_status results of many hosts into a geolocated ban report
version_added: 0.1.0
description:
  - Merges the results of M(fortress.nginx.fail2ban_status) from every host of a play, per banned IP
    (which hosts and jails banned it), per jail and per host.
  - Geolocates every banned IP offline with MaxMind-format databases (GeoLite2-City or GeoLite2-Country and
    GeoLite2-ASN, or the DB-IP lite databases of the same format) and counts distinct banned IPs by country,
    organisation (C(AS<number> <name>)) and city. IPs no database knows count as C(unknown), never dropped.
  - Can fill what the offline databases do not know from the ipinfo API (a token turns it on); answers are
    cached on disk, requests rate-limited and capped, and only public addresses are sent.
  - When the results carry the ban history of fail2ban's database (M(fortress.nginx.fail2ban_status) with
    C(history=true)), adds a timeline of bans per hour (a span up to three days) or per day by jail across the
    fleet, with the bans of addresses banned before (repeat bans), the repeat offenders over time, and first and
    last seen per address. A host whose database could not be read (disabled, missing, locked, corrupt, unknown
    schema) is a warning in RV(history), on the page and of the task, not a failure.
  - Writes C(report.html) (self-contained, an SVG timeline of the history and SVG bar charts of the top N
    countries, organisations, cities, jails and hosts), C(report.json) and one CSV file per table
    (C(countries.csv), C(organisations.csv), C(cities.csv), C(jails.csv), C(hosts.csv), C(ips.csv),
    C(history_timeline.csv), C(history_timeline_jails.csv), C(history_addresses.csv), C(history_hosts.csv))
    into O(output_dir).
  - "An action plugin runs the work on the controller, inside the Python that runs C(ansible-playbook);
    use it with C(run_once: true) and C(delegate_to: localhost)."
author:
  - fortress.nginx developers (@fortress-nginx)
requirements:
  - maxminddb (Python library, on the controller) when O(city_db) or O(asn_db) is set
options:
  results:
    description:
      - Mapping of host name to that host's registered M(fortress.nginx.fail2ban_status) result.
      - A host whose value is null, failed, skipped or unreachable is listed in RV(hosts_missing) and the report.
      - Exactly one of O(results) and O(hosts) is required.
    type: dict
  hosts:
    description:
      - Host names whose registered O(status_var) the action plugin reads from C(hostvars) on the controller,
        e.g. C({{ ansible_play_hosts_all }}). A host without that variable counts as missing.
      - Cheaper than building O(results) in a template for large inventories.
    type: list
    elements: str
  status_var:
    description: Name of the variable each host registered the M(fortress.nginx.fail2ban_status) result in.
    type: str
    default: ban_report_status
  output_dir:
    description:
      - Directory for the report files, created when missing. Relative paths are relative to the directory
        C(ansible-playbook) runs in.
    type: path
    required: true
  city_db:
    description:
      - A City or Country database in MaxMind DB format (GeoLite2-City, GeoLite2-Country, GeoIP2-City,
        DB-IP City Lite or Country Lite). Its metadata must say it is one.
      - Without it every IP's country and city are C(unknown).
    type: path
    aliases: [country_db]
  asn_db:
    description:
      - An ASN database in MaxMind DB format (GeoLite2-ASN or DB-IP ASN Lite).
      - Without it every IP's organisation is C(unknown).
    type: path
  top_n:
    description: How many rows the charts and the HTML tables show (the JSON and CSV files have all rows).
    type: int
    default: 20
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [html, json, csv]
    default: [html, json, csv]
  ipinfo_token:
    description:
      - Token for the ipinfo API. Online enrichment is off unless it is set.
    type: str
  ipinfo_mode:
    description:
      - V(unknown) asks ipinfo only about IPs whose country or organisation the offline databases did not give;
        V(all) asks about every public IP (fields already known are kept).
    type: str
    choices: [unknown, all]
    default: unknown
  ipinfo_cache:
    description: JSON file caching ipinfo answers. Default C(ipinfo-cache.json) in O(output_dir).
    type: path
  ipinfo_max_requests:
    description: At most this many requests per run; further IPs keep their offline answer.
    type: int
    default: 1000
  ipinfo_requests_per_second:
    description: Requests are spaced to stay under this rate.
    type: float
    default: 2.0
  ipinfo_cache_days:
    description: Cached answers older than this are asked again.
    type: int
    default: 30
  protected:
    description:
      - Addresses and networks (CIDR) that must never be banned on any host, such as monitoring,
        payment webhooks or the office.
      - A banned address inside one is listed in RV(protected_banned), at the top of the HTML page,
        and as a warning.
    type: list
    elements: str
    default: []
  protected_hostvars:
    description:
      - Host variables that hold each host's own protected addresses, read from the inventory for
        every host in the report.
      - By default the addresses the fortress.nginx.fail2ban_nginx role never bans, its
        C(fail2ban_nginx_never_ban) and C(fail2ban_nginx_trusted_proxies).
      - A variable that a host does not define is skipped.
    type: list
    elements: str
    default: [fail2ban_nginx_never_ban, fail2ban_nginx_trusted_proxies]
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Computes the report and reports which files would change; writes nothing and sends no ipinfo request.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: fortress.nginx.fail2ban_status
notes:
  - The counting unit of every table is the distinct banned IP. The schema of C(report.json) is described in the
    collection's C(docs/playbooks/ban_report.md).
  - The playbook C(fortress.nginx.ban_report) runs M(fortress.nginx.fail2ban_status) on every host and this module
    once on the controller.
"""

EXAMPLES = r"""
- name: Read fail2ban on every host, with the bans of the last 30 days from its database
  fortress.nginx.fail2ban_status:
    history: true
    history_days: 30
  become: true
  register: f2b_status

- name: Write the ban report on the controller
  fortress.nginx.ban_report:
    hosts: "{{ ansible_play_hosts_all }}"
    status_var: f2b_status
    output_dir: "{{ playbook_dir }}/report"
    city_db: /var/lib/GeoIP/GeoLite2-City.mmdb
    asn_db: /var/lib/GeoIP/GeoLite2-ASN.mmdb
    top_n: 20
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
output_dir:
  description: The directory the files are in.
  returned: always
  type: str
  sample: /home/ops/report
files:
  description: Paths of the report files (written, or that would be written in check mode).
  returned: always
  type: list
  elements: str
  sample: [/home/ops/report/report.html, /home/ops/report/report.json]
changed_files:
  description: Names of the files whose content changed.
  returned: always
  type: list
  elements: str
  sample: [report.html, report.json]
html:
  description: Path of report.html, null when O(formats) has no V(html).
  returned: always
  type: str
  sample: /home/ops/report/report.html
generated_at:
  description:
    - Time of the report, UTC, ISO 8601.
    - When the report says the same as the last one written to O(output_dir), the last one's time, so
      that no file changes and the task reports C(changed=false).
  returned: always
  type: str
  sample: "2026-11-26T12:00:00Z"
totals:
  description: Totals of the report (the C(totals) object of report.json).
  returned: always
  type: dict
  sample: {hosts: 2, hosts_reporting: 2, unique_banned_ips: 120, countries: 14, unknown_country: 3}
hosts_missing:
  description: Hosts that gave no usable fail2ban_status result, with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{host: web3, reason: "no fail2ban_status result (host unreachable, failed or skipped)"}]
protected_banned:
  description:
    - Bans of protected addresses (O(protected) and each host's O(protected_hostvars)), one item per
      host that banned one. The role puts these addresses in every jail's ignoreip, so an item here
      means a jail or action outside the role banned it.
  returned: always
  type: list
  elements: dict
  sample: [{ip: 192.0.2.10, host: web1, jails: [nginx-4xx], network: 192.0.2.0/24}]
databases:
  description: Type and build time of the geolocation databases used.
  returned: always
  type: list
  elements: dict
  sample: [{role: location, database_type: GeoLite2-City, build_epoch: 1764000000, description: "GeoLite2 City database"}]
enrichment:
  description: ipinfo statistics (requests, cache hits, errors), null when enrichment is off.
  returned: always
  type: dict
  sample: {service: ipinfo, mode: unknown, stats: {requests: 3, cache_hits: 10, errors: 0, not_public: 2, over_limit: 0}}
history:
  description:
    - The span, totals and warnings of the ban history (the timeline and the addresses are in the files);
      null when no host returned a history.
  returned: always
  type: dict
  sample:
    bucket: day
    first_ban: "2026-10-31T00:51:00Z"
    last_ban: "2026-11-29T23:59:00Z"
    totals: {hosts: 5, bans: 2330, addresses: 261, repeat_offenders: 260, repeat_bans: 2069}
    warnings: [{host: web3, warning: "the database is locked (fail2ban is writing to it); try again later: database is locked"}]
top:
  description: The first O(top_n) rows of each table (countries, organisations, cities, jails, hosts).
  returned: always
  type: dict
  sample: {countries: [{key: US, label: "United States (US)", count: 40, percent: 33.33}]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    BanReportError,
    run_ban_report,
)
from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoDatabaseError


def main():
    # In a play the action plugin of the same name does this work in the controller's Python; this module
    # does the same where it is executed directly (its interpreter then needs maxminddb).
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_one_of=REQUIRED_ONE_OF,
                           mutually_exclusive=MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    try:
        result = run_ban_report(module.params, check_mode=module.check_mode)
    except (BanReportError, GeoDatabaseError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
