# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build SAMPLE City and ASN databases (.mmdb) for the demo's ban report.

THE DATA IS MADE UP. It maps private and documentation address ranges (where the demo's attacker
containers live) to invented places and organisations, so the demo report has charts to show
without a MaxMind or DB-IP download. Every organisation name says "(demo data)", and both
databases' description and database_type say SAMPLE. Never use them for real reports.

Usage: python scripts/make-sample-geodb.py OUTPUT_DIR   -> OUTPUT_DIR/sample-city.mmdb, OUTPUT_DIR/sample-asn.mmdb
Needs the mmdb-writer package (in the project's venv).
"""
import os
import sys

from mmdb_writer import MMDBWriter, MmdbU32
from netaddr import IPSet

# (network, country code, country name, city, AS number from the private-use range, organisation)
SAMPLE_NETWORKS = [
    # Docker's default bridge and user-defined networks: split so a demo shows several places.
    ("172.16.0.0/15", "NL", "Netherlands", "Amsterdam", 64512, "Sample Hosting (demo data)"),
    ("172.18.0.0/15", "DE", "Germany", "Frankfurt am Main", 64513, "Example Cloud GmbH (demo data)"),
    ("172.20.0.0/14", "US", "United States", "Ashburn", 64514, "Sample Datacenter Inc (demo data)"),
    ("172.24.0.0/13", "SG", "Singapore", "Singapore", 64515, "Demo Transit Pte (demo data)"),
    ("10.0.0.0/9", "FR", "France", "Paris", 64516, "Sample Telecom SA (demo data)"),
    ("10.128.0.0/9", "BR", "Brazil", "S\u00e3o Paulo", 64517, "Exemplo Internet (demo data)"),
    ("192.168.0.0/17", "JP", "Japan", "Tokyo", 64518, "Sample Broadband KK (demo data)"),
    ("192.168.128.0/17", "GB", "United Kingdom", "London", 64519, "Example Networks Ltd (demo data)"),
    ("192.0.2.0/24", "US", "United States", "Seattle", 64520, "Documentation Net One (demo data)"),
    ("198.51.100.0/24", "CN", "China", "Shanghai", 64521, "Documentation Net Two (demo data)"),
    ("203.0.113.0/24", "IN", "India", "Mumbai", 64522, "Documentation Net Three (demo data)"),
    ("2001:db8::/33", "CA", "Canada", "Toronto", 64523, "Sample IPv6 Hosting (demo data)"),
    ("2001:db8:8000::/33", "AU", "Australia", "Sydney", 64524, "Sample IPv6 Transit (demo data)"),
    ("fd00::/8", "SE", "Sweden", "Stockholm", 64525, "Sample ULA Cloud (demo data)"),
]

DESCRIPTION = "SAMPLE DATA for the fortress.nginx demo: invented places and organisations, not real geolocation"


def build(output_dir):
    city = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="FortressSample-City",
                      languages=["en"], description={"en": DESCRIPTION})
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="FortressSample-ASN",
                     languages=["en"], description={"en": DESCRIPTION})
    for network, code, country, city_name, number, org in SAMPLE_NETWORKS:
        city.insert_network(IPSet([network]), {
            "country": {"iso_code": code, "names": {"en": country}},
            "city": {"names": {"en": city_name}},
        })
        asn.insert_network(IPSet([network]), {
            "autonomous_system_number": MmdbU32(number),
            "autonomous_system_organization": org,
        })
    os.makedirs(output_dir, exist_ok=True)
    paths = (os.path.join(output_dir, "sample-city.mmdb"), os.path.join(output_dir, "sample-asn.mmdb"))
    city.to_db_file(paths[0])
    asn.to_db_file(paths[1])
    return paths


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    for path in build(argv[1]):
        print("sample database (made-up data): %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
