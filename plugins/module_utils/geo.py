# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Offline IP geolocation from MaxMind-format (.mmdb) databases.

Reads GeoLite2/GeoIP2 City or Country databases and GeoLite2 ASN databases, and DB-IP's lite
databases, which use the same format and record layout. The ``maxminddb`` library is imported
only when a database is opened, so this file imports on hosts without it.
"""

from __future__ import annotations

import ipaddress
import os
import socket

UNKNOWN = "unknown"

LOCATION_KIND = "location"
ASN_KIND = "asn"

# Words in a database's metadata ``database_type`` that tell what its records hold, e.g.
# GeoLite2-City, GeoIP2-Country, DBIP-City-Lite, GeoLite2-ASN, DBIP-ASN-Lite (compat=GeoLite2-ASN).
_KIND_WORDS = {
    LOCATION_KIND: ("city", "country"),
    ASN_KIND: ("asn", "isp"),
}
_KIND_NAMES = {
    LOCATION_KIND: "a City or Country database (GeoLite2-City, GeoLite2-Country, DB-IP City/Country Lite)",
    ASN_KIND: "an ASN database (GeoLite2-ASN, DB-IP ASN Lite)",
}


class GeoDatabaseError(Exception):
    """A geolocation database is missing, unreadable, not a MaxMind DB, or of the wrong type."""


def _import_maxminddb():
    try:
        import maxminddb  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise GeoDatabaseError(
            "the Python library 'maxminddb' is required on the controller to read geolocation databases "
            "(pip install maxminddb into the Python that runs ansible-playbook)"
        )
    return maxminddb


def database_kind(database_type):
    """Return LOCATION_KIND, ASN_KIND or None for a metadata ``database_type`` string."""
    lowered = (database_type or "").lower()
    # ASN first: "DBIP-ASN-Lite (compat=GeoLite2-ASN)" must not count as a location database.
    for kind in (ASN_KIND, LOCATION_KIND):
        if any(word in lowered for word in _KIND_WORDS[kind]):
            return kind
    return None


def open_database(path, kind, option_name="database"):
    """Open a .mmdb file and check that its type matches ``kind``.

    Returns a maxminddb Reader. Raises GeoDatabaseError with a message naming ``option_name`` and
    the path when the file is missing, unreadable, not a MaxMind DB, or of another type.
    """
    if kind not in _KIND_WORDS:
        raise ValueError("unknown database kind %r" % (kind,))
    if not os.path.exists(path):
        raise GeoDatabaseError("%s: %s does not exist" % (option_name, path))
    if os.path.isdir(path):
        raise GeoDatabaseError("%s: %s is a directory, not a .mmdb file" % (option_name, path))
    if not os.access(path, os.R_OK):
        raise GeoDatabaseError("%s: %s is not readable by this user" % (option_name, path))
    maxminddb = _import_maxminddb()
    try:
        reader = maxminddb.open_database(path)
    except (maxminddb.InvalidDatabaseError, ValueError) as exc:
        raise GeoDatabaseError("%s: %s is not a valid MaxMind DB (.mmdb) file: %s" % (option_name, path, exc))
    except OSError as exc:
        raise GeoDatabaseError("%s: cannot read %s: %s" % (option_name, path, exc))
    database_type = reader.metadata().database_type
    found = database_kind(database_type)
    if found != kind:
        reader.close()
        raise GeoDatabaseError(
            "%s: %s is a %r database; this option needs %s"
            % (option_name, path, database_type, _KIND_NAMES[kind])
        )
    return reader


def _english_name(section):
    if not isinstance(section, dict):
        return None
    names = section.get("names")
    if isinstance(names, dict):
        return names.get("en") or next(iter(names.values()), None)
    return None


def parse_address(ip):
    """Parse a banned entry once: (version, integer, prefix length, address to look up), or None.

    fail2ban bans addresses and, from 0.11, whole networks ("192.0.2.0/24"): a network is looked up
    by its first address. socket.inet_pton is used because it is several times faster than the
    ipaddress module, which matters with 100,000 IPs.
    """
    text = str(ip).strip()
    if "/" in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
        return (network.version, int(network.network_address), network.prefixlen, str(network.network_address))
    try:
        return (4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big"), 32, text)
    except (OSError, ValueError):
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):
        return None
    return (6, int.from_bytes(packed, "big"), 128, socket.inet_ntop(socket.AF_INET6, packed))


def empty_location():
    """The record of an IP that no database knows."""
    return {
        "country_code": UNKNOWN,
        "country": UNKNOWN,
        "city": UNKNOWN,
        "asn": None,
        "as_organization": UNKNOWN,
        "organisation": UNKNOWN,
        "source": None,
    }


def organisation_label(asn, name):
    """'AS<number> <name>' as ipinfo (and the article) print organisations."""
    if asn is None and not name:
        return UNKNOWN
    if asn is None:
        return name
    return ("AS%s %s" % (asn, name or "")).strip()


class GeoLocator(object):
    """Look up country, city and autonomous system of IPs in open maxminddb readers.

    Either reader may be None. Addresses that are invalid or absent from a database keep
    "unknown" for that database's fields, so every IP stays counted.
    """

    def __init__(self, location_reader=None, asn_reader=None):
        self.location_reader = location_reader
        self.asn_reader = asn_reader
        # One string object per distinct name: 100,000 records share a few thousand names.
        self._names = {}

    @classmethod
    def from_paths(cls, location_db=None, asn_db=None, location_option="city_db", asn_option="asn_db"):
        location_reader = open_database(location_db, LOCATION_KIND, location_option) if location_db else None
        try:
            asn_reader = open_database(asn_db, ASN_KIND, asn_option) if asn_db else None
        except GeoDatabaseError:
            if location_reader is not None:
                location_reader.close()
            raise
        return cls(location_reader, asn_reader)

    @property
    def enabled(self):
        return self.location_reader is not None or self.asn_reader is not None

    def databases(self):
        """Metadata of the open databases, for the report."""
        found = []
        for role, reader in (("location", self.location_reader), ("asn", self.asn_reader)):
            if reader is None:
                continue
            meta = reader.metadata()
            found.append({
                "role": role,
                "database_type": meta.database_type,
                "build_epoch": meta.build_epoch,
                "description": (meta.description or {}).get("en"),
            })
        return found

    def lookup(self, ip, parsed=None):
        """Location record of ``ip``; ``parsed`` is its parse_address() result when the caller has it."""
        record = empty_location()
        parsed = parsed if parsed is not None else parse_address(ip)
        if parsed is None:
            return record
        address = parsed[3]
        if self.location_reader is not None:
            try:
                data = self.location_reader.get(address)
            except ValueError:
                data = None
            if data:
                country = data.get("country") or data.get("registered_country") or {}
                code = country.get("iso_code")
                shared = self._names.setdefault
                if code:
                    record["country_code"] = shared(code, code)
                    country_name = _english_name(country) or code
                    record["country"] = shared(country_name, country_name)
                city = _english_name(data.get("city")) or UNKNOWN
                record["city"] = shared(city, city)
                record["source"] = "offline"
        if self.asn_reader is not None:
            try:
                data = self.asn_reader.get(address)
            except ValueError:
                data = None
            if data:
                asn = data.get("autonomous_system_number")
                name = data.get("autonomous_system_organization")
                record["asn"] = asn
                org = organisation_label(asn, name)
                record["as_organization"] = name or UNKNOWN
                record["organisation"] = self._names.setdefault(org, org)
                record["source"] = "offline"
        return record

    def close(self):
        for reader in (self.location_reader, self.asn_reader):
            if reader is not None:
                reader.close()
        self.location_reader = self.asn_reader = None
