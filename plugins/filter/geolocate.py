# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Geolocate IPs offline in a template, with the ban report's databases and rules."""

from __future__ import annotations

DOCUMENTATION = r"""
name: geolocate
short_description: Country, city and organisation of IP addresses from MaxMind-format databases
version_added: 0.1.0
author: fortress.nginx developers (@fortress-nginx)
description:
  - Looks up IP addresses offline in a City or Country database and an ASN database in MaxMind DB format
    (GeoLite2, GeoIP2 or the DB-IP lite databases), the same way the M(fortress.nginx.ban_report) module does.
  - Fields a database does not know are C(unknown) (C(asn) is null); an address that is invalid or absent
    gives a record of unknowns, never an error.
  - A missing, unreadable, invalid or wrong-type database fails the task with a message naming the option.
  - Runs on the controller, which needs the Python library C(maxminddb). Open databases are reused
    between calls until the file changes.
options:
  _input:
    description: One address (a string) or a list of addresses. A network (C(192.0.2.0/24)) is looked up by its first address.
    type: raw
    required: true
  city_db:
    description: Path of a City or Country database. Without it, countries and cities are C(unknown).
    type: path
  asn_db:
    description: Path of an ASN database. Without it, organisations are C(unknown).
    type: path
"""

EXAMPLES = r"""
- name: Where do these addresses come from?
  ansible.builtin.debug:
    msg: "{{ ['198.51.100.7', '2001:db8::1'] | fortress.nginx.geolocate(city_db='/var/lib/GeoIP/GeoLite2-City.mmdb',
                                                                      asn_db='/var/lib/GeoIP/GeoLite2-ASN.mmdb') }}"

- name: Country code of one address
  ansible.builtin.set_fact:
    attacker_country: "{{ (attacker_ip | fortress.nginx.geolocate(city_db=geoip_city_db)).country_code }}"
"""

RETURN = r"""
_value:
  description:
    - For a string, one record; for a list, a list of records in the same order.
    - "Each record: C(ip), C(country_code), C(country), C(city), C(asn), C(as_organization),
      C(organisation) (C(AS<number> <name>)), C(source) (C(offline) or null)."
  type: raw
  sample:
    ip: 198.51.100.7
    country_code: US
    country: United States
    city: Boston
    asn: 64500
    as_organization: Example Hosting LLC
    organisation: AS64500 Example Hosting LLC
    source: offline
"""

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoDatabaseError, GeoLocator

# (city_db, asn_db) -> (modification times, GeoLocator): a template that loops over many hosts
# opens each database once.
_LOCATORS = {}


def _stamp(path):
    try:
        return os.stat(path).st_mtime if path else None
    except OSError:
        return None


def _locator(city_db, asn_db):
    key = (city_db, asn_db)
    stamps = (_stamp(city_db), _stamp(asn_db))
    cached = _LOCATORS.get(key)
    if cached is not None and cached[0] == stamps:
        return cached[1]
    try:
        locator = GeoLocator.from_paths(city_db, asn_db, "city_db", "asn_db")
    except GeoDatabaseError as exc:
        raise AnsibleFilterError("fortress.nginx.geolocate: %s" % exc)
    if cached is not None:
        cached[1].close()
    _LOCATORS[key] = (stamps, locator)
    return locator


def _record(locator, ip):
    record = locator.lookup(ip)
    record["ip"] = str(ip)
    return record


def geolocate(addresses, city_db=None, asn_db=None):
    """Records for one address or a list of addresses."""
    if city_db:
        city_db = os.path.expanduser(str(city_db))
    if asn_db:
        asn_db = os.path.expanduser(str(asn_db))
    locator = _locator(city_db or None, asn_db or None)
    if isinstance(addresses, (list, tuple)):
        return [_record(locator, ip) for ip in addresses]
    if isinstance(addresses, str):
        return _record(locator, addresses)
    raise AnsibleFilterError("fortress.nginx.geolocate: expected an address or a list of addresses, got %s"
                             % type(addresses).__name__)


class FilterModule(object):
    def filters(self):
        return {"geolocate": geolocate}
