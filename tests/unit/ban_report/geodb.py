# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small MaxMind-format databases with known entries, written by mmdb-writer for the tests."""
from unittest import mock

from mmdb_writer import MMDBWriter, MmdbU32
from netaddr import IPSet

# mmdb-writer stamps each file with time.time(): a fixed stamp keeps a database written twice
# byte for byte the same, as a real database is between two report runs.
BUILD_EPOCH = 1764000000

# network -> (country code, country name, city or None)
LOCATIONS = {
    "198.51.100.0/24": ("US", "United States", "Boston"),
    "203.0.113.0/25": ("DE", "Germany", "Berlin"),
    "203.0.113.128/25": ("DE", "Germany", None),  # a country without a city
    "192.0.2.0/24": ("JP", "Japan", "Tokyo"),
    "2001:db8:1::/48": ("FR", "France", "Paris"),
    "2001:db8:2::/48": ("US", "United States", "Boston"),
}
# network -> (AS number, organisation)
ASNS = {
    "198.51.100.0/24": (64500, "Example Hosting LLC"),
    "203.0.113.0/24": (64501, "Beispiel Netz GmbH"),
    "2001:db8:1::/48": (64502, "Exemple Cloud SAS"),
    "2001:db8:2::/48": (64500, "Example Hosting LLC"),
}


def write_location_db(path, database_type="GeoLite2-City", with_city=True):
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type,
                        languages=["en"], description={"en": "test location database"})
    for network, (code, name, city) in LOCATIONS.items():
        record = {"country": {"iso_code": code, "names": {"en": name, "de": name.upper()}}}
        if city and with_city:
            record["city"] = {"names": {"en": city}}
        writer.insert_network(IPSet([network]), record)
    with mock.patch("mmdb_writer.time.time", return_value=BUILD_EPOCH):
        writer.to_db_file(str(path))
    return str(path)


def write_asn_db(path, database_type="GeoLite2-ASN"):
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type,
                        languages=["en"], description={"en": "test ASN database"})
    for network, (number, org) in ASNS.items():
        writer.insert_network(IPSet([network]), {
            "autonomous_system_number": MmdbU32(number),
            "autonomous_system_organization": org,
        })
    with mock.patch("mmdb_writer.time.time", return_value=BUILD_EPOCH):
        writer.to_db_file(str(path))
    return str(path)
