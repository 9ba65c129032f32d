# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fortress.nginx.geolocate filter: records for one or many addresses, database errors as filter errors."""
import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.fortress.nginx.plugins.filter import geolocate as geolocate_filter
from ansible_collections.fortress.nginx.plugins.filter.geolocate import FilterModule

from .geodb import write_asn_db, write_location_db


@pytest.fixture
def dbs(tmp_path):
    return write_location_db(tmp_path / "city.mmdb"), write_asn_db(tmp_path / "asn.mmdb")


def test_filter_is_registered():
    assert FilterModule().filters()["geolocate"] is geolocate_filter.geolocate


def test_list_in_list_out(dbs):
    records = geolocate_filter.geolocate(["198.51.100.7", "2001:db8:1::1", "10.0.0.1"], city_db=dbs[0], asn_db=dbs[1])
    assert [(r["ip"], r["country_code"], r["city"], r["organisation"]) for r in records] == [
        ("198.51.100.7", "US", "Boston", "AS64500 Example Hosting LLC"),
        ("2001:db8:1::1", "FR", "Paris", "AS64502 Exemple Cloud SAS"),
        ("10.0.0.1", "unknown", "unknown", "unknown"),
    ]


def test_one_address_gives_one_record(dbs):
    assert geolocate_filter.geolocate("203.0.113.9", city_db=dbs[0])["country"] == "Germany"


def test_databases_are_reopened_when_they_change(dbs, tmp_path):
    first = geolocate_filter._locator(dbs[0], None)  # pylint: disable=protected-access
    assert geolocate_filter._locator(dbs[0], None) is first  # pylint: disable=protected-access
    write_location_db(tmp_path / "city.mmdb", database_type="GeoLite2-Country", with_city=False)
    os.utime(dbs[0], (1, 1))
    assert geolocate_filter.geolocate("198.51.100.7", city_db=dbs[0])["city"] == "unknown"


def test_database_errors_are_filter_errors(tmp_path, dbs):
    with pytest.raises(AnsibleFilterError, match="city_db: .* does not exist"):
        geolocate_filter.geolocate("192.0.2.1", city_db=str(tmp_path / "missing.mmdb"))
    with pytest.raises(AnsibleFilterError, match="is a 'GeoLite2-City' database"):
        geolocate_filter.geolocate("192.0.2.1", asn_db=dbs[0])
    with pytest.raises(AnsibleFilterError, match="expected an address or a list"):
        geolocate_filter.geolocate({"ip": "192.0.2.1"}, city_db=dbs[0])
