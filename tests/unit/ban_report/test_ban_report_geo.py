# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline geolocation: lookups in real .mmdb files and the errors for bad databases."""
import os
import shutil
import sys
import tempfile

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import geo
from ansible_collections.fortress.nginx.plugins.module_utils.geo import (
    ASN_KIND, LOCATION_KIND, UNKNOWN, GeoDatabaseError, GeoLocator, database_kind, open_database)

from .geodb import write_asn_db, write_location_db


@pytest.fixture
def locator(tmp_path):
    loc = GeoLocator.from_paths(write_location_db(tmp_path / "city.mmdb"), write_asn_db(tmp_path / "asn.mmdb"))
    yield loc
    loc.close()


def test_ipv4_lookup_gives_country_city_and_organisation(locator):
    record = locator.lookup("198.51.100.23")
    assert record["country_code"] == "US"
    assert record["country"] == "United States"
    assert record["city"] == "Boston"
    assert record["asn"] == 64500
    assert record["organisation"] == "AS64500 Example Hosting LLC"
    assert record["source"] == "offline"


def test_ipv6_lookup(locator):
    record = locator.lookup("2001:db8:1::beef")
    assert (record["country_code"], record["city"], record["organisation"]) == ("FR", "Paris", "AS64502 Exemple Cloud SAS")


def test_country_without_city_keeps_city_unknown(locator):
    record = locator.lookup("203.0.113.200")
    assert (record["country_code"], record["city"], record["asn"]) == ("DE", UNKNOWN, 64501)


def test_location_known_but_no_asn_entry(locator):
    record = locator.lookup("192.0.2.1")
    assert (record["country_code"], record["organisation"], record["asn"]) == ("JP", UNKNOWN, None)


@pytest.mark.parametrize("ip", ["10.1.2.3", "2001:db8:9::1", "not-an-ip", "", "999.1.1.1"])
def test_unknown_and_invalid_addresses_are_unknown_not_errors(locator, ip):
    record = locator.lookup(ip)
    assert (record["country_code"], record["city"], record["organisation"]) == (UNKNOWN, UNKNOWN, UNKNOWN)
    assert record["source"] is None


def test_a_banned_network_is_looked_up_by_its_address(locator):
    assert locator.lookup("198.51.100.0/24")["country_code"] == "US"


def test_country_database_is_accepted_as_location(tmp_path):
    loc = GeoLocator.from_paths(write_location_db(tmp_path / "c.mmdb", "GeoLite2-Country", with_city=False), None)
    record = loc.lookup("198.51.100.1")
    assert (record["country_code"], record["city"], record["organisation"]) == ("US", UNKNOWN, UNKNOWN)
    loc.close()


@pytest.mark.parametrize("database_type, kind", [
    ("GeoLite2-City", LOCATION_KIND), ("GeoLite2-Country", LOCATION_KIND), ("GeoIP2-City", LOCATION_KIND),
    ("DBIP-City-Lite", LOCATION_KIND), ("DBIP-Country-Lite", LOCATION_KIND),
    ("GeoLite2-ASN", ASN_KIND), ("DBIP-ASN-Lite (compat=GeoLite2-ASN)", ASN_KIND), ("GeoIP2-ISP", ASN_KIND),
    ("GeoIP2-Anonymous-IP", None), ("", None),
])
def test_database_kind(database_type, kind):
    assert database_kind(database_type) == kind


def test_dbip_lite_layout_is_read(tmp_path):
    loc = GeoLocator.from_paths(write_location_db(tmp_path / "d.mmdb", "DBIP-City-Lite"),
                                write_asn_db(tmp_path / "a.mmdb", "DBIP-ASN-Lite (compat=GeoLite2-ASN)"))
    assert loc.lookup("2001:db8:2::5")["organisation"] == "AS64500 Example Hosting LLC"
    assert [d["database_type"] for d in loc.databases()] == ["DBIP-City-Lite", "DBIP-ASN-Lite (compat=GeoLite2-ASN)"]
    loc.close()


def test_missing_database(tmp_path):
    with pytest.raises(GeoDatabaseError, match=r"city_db: .*nope\.mmdb does not exist"):
        GeoLocator.from_paths(str(tmp_path / "nope.mmdb"), None)


def test_directory_instead_of_database(tmp_path):
    with pytest.raises(GeoDatabaseError, match="is a directory"):
        open_database(str(tmp_path), LOCATION_KIND, "city_db")


def test_random_bytes_are_not_a_database(tmp_path):
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(GeoDatabaseError, match=r"asn_db: .*bad\.mmdb is not a valid MaxMind DB"):
        open_database(str(bad), ASN_KIND, "asn_db")


def test_empty_file_is_not_a_database(tmp_path):
    empty = tmp_path / "empty.mmdb"
    empty.write_bytes(b"")
    with pytest.raises(GeoDatabaseError, match="not a valid MaxMind DB"):
        open_database(str(empty), LOCATION_KIND, "city_db")


def test_unreadable_database(tmp_path):
    """A file the module's user cannot read. Root reads any file, so as root the check runs in a
    forked child that has dropped to the unprivileged user 'nobody', on a file in a directory it
    may traverse."""
    if os.geteuid() != 0:
        path = write_location_db(tmp_path / "city.mmdb")
        os.chmod(path, 0)
        with pytest.raises(GeoDatabaseError, match="not readable"):
            open_database(path, LOCATION_KIND, "city_db")
        return
    shared = tempfile.mkdtemp(prefix="fortress-geo-")
    try:
        os.chmod(shared, 0o755)
        path = write_location_db(os.path.join(shared, "city.mmdb"))
        os.chmod(path, 0)
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            message = b"no error"
            try:
                os.setgid(65534)
                os.setuid(65534)
                open_database(path, LOCATION_KIND, "city_db")
            except GeoDatabaseError as exc:
                message = str(exc).encode()
            except BaseException as exc:  # pylint: disable=broad-except
                message = ("unexpected %r" % exc).encode()
            os.write(writer, message)
            os._exit(0)  # pylint: disable=protected-access
        os.close(writer)
        os.waitpid(pid, 0)
        with os.fdopen(reader, "rb") as pipe:
            message = pipe.read().decode()
        assert "not readable" in message, message
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_asn_database_given_as_city_database(tmp_path):
    asn = write_asn_db(tmp_path / "asn.mmdb")
    with pytest.raises(GeoDatabaseError, match=r"city_db: .* is a 'GeoLite2-ASN' database; this option needs a City or Country"):
        GeoLocator.from_paths(asn, None)


def test_city_database_given_as_asn_database(tmp_path):
    city = write_location_db(tmp_path / "city.mmdb")
    with pytest.raises(GeoDatabaseError, match=r"asn_db: .* is a 'GeoLite2-City' database; this option needs an ASN"):
        GeoLocator.from_paths(city, city)


def test_maxminddb_missing_gives_a_clear_error(tmp_path, monkeypatch):
    path = write_location_db(tmp_path / "city.mmdb")
    monkeypatch.setitem(sys.modules, "maxminddb", None)
    with pytest.raises(GeoDatabaseError, match="Python library 'maxminddb' is required"):
        open_database(path, LOCATION_KIND)


def test_module_imports_without_maxminddb(monkeypatch):
    # The sanity import test runs without maxminddb: nothing may import it at module level.
    assert "maxminddb" not in geo.__dict__
