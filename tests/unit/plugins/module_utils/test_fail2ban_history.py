# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fail2ban_history.read_history against sqlite files made here with fail2ban's own table definitions
(fail2ban/server/database.py at 0.10.6 for schema 2; 0.11.2, 1.0.2 and 1.1.0 share schema 4)."""
import os
import sqlite3

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban as f2b
from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban_history import read_history

COMMON = (
    "CREATE TABLE IF NOT EXISTS fail2banDb(version INTEGER);"
    "CREATE TABLE IF NOT EXISTS jails(name TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX IF NOT EXISTS jails_name ON jails(name);"
    "CREATE TABLE IF NOT EXISTS logs(jail TEXT NOT NULL, path TEXT, firstlinemd5 TEXT, lastfilepos INTEGER DEFAULT 0, "
    "FOREIGN KEY(jail) REFERENCES jails(name) ON DELETE CASCADE, UNIQUE(jail, path),UNIQUE(jail, path, firstlinemd5));"
)
BANS_V2 = (
    "CREATE TABLE IF NOT EXISTS bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, data JSON, "
    "FOREIGN KEY(jail) REFERENCES jails(name) );"
    "CREATE INDEX IF NOT EXISTS bans_jail_timeofban_ip ON bans(jail, timeofban);"
)
BANS_V4 = (
    "CREATE TABLE IF NOT EXISTS bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL, "
    "bancount INTEGER NOT NULL default 1, data JSON, FOREIGN KEY(jail) REFERENCES jails(name) );"
    "CREATE INDEX IF NOT EXISTS bans_jail_timeofban_ip ON bans(jail, timeofban);"
    "CREATE TABLE IF NOT EXISTS bips(ip TEXT NOT NULL, jail TEXT NOT NULL, timeofban INTEGER NOT NULL, "
    "bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, data JSON, PRIMARY KEY(ip, jail), "
    "FOREIGN KEY(jail) REFERENCES jails(name) );"
)

V4_BANS = [("sshd", "192.0.2.1", 1000, 600, 1), ("nginx-4xx", "2001:db8::1", 2000, 3600, 1),
           ("sshd", "192.0.2.1", 3000, 1200, 2), ("web.admin-v2", "198.51.100.7", 4000, -1, 1)]


def make_db(path, version, bans, bans_ddl=None):
    connection = sqlite3.connect(str(path))
    connection.executescript(COMMON + (bans_ddl or (BANS_V4 if version >= 4 else BANS_V2)))
    connection.execute("INSERT INTO fail2banDb(version) VALUES(?)", (version,))
    for ban in bans:
        if len(ban) == 5:
            connection.execute("INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) VALUES(?, ?, ?, ?, ?, '{}')", ban)
        else:
            connection.execute("INSERT INTO bans(jail, ip, timeofban, data) VALUES(?, ?, ?, '{}')", ban)
    connection.commit()
    connection.close()
    return str(path)


def test_schema_4_every_ban_oldest_first(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 4, V4_BANS)
    before = os.stat(db)
    history = read_history(db)
    assert history["schema_version"] == 4 and history["warnings"] == [] and history["truncated"] is False
    assert history["columns"] == ["jail", "ip", "timeofban", "bantime", "bancount"]
    assert history["bans"] == [list(ban) for ban in V4_BANS]
    after = os.stat(db)
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size), "the reader wrote to the file"
    assert sorted(os.listdir(str(tmp_path))) == ["f.sqlite3"], "the reader left a journal or another file"


def test_since_keeps_bans_at_or_after_it(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 4, V4_BANS)
    assert [ban[2] for ban in read_history(db, since=2000)["bans"]] == [2000, 3000, 4000]


@pytest.mark.parametrize("batch", [1, 2, 3, 100])
def test_batches_read_the_same_rows(tmp_path, batch):
    db = make_db(tmp_path / "f.sqlite3", 4, V4_BANS)
    assert read_history(db, batch=batch)["bans"] == [list(ban) for ban in V4_BANS]


def test_cap_keeps_the_newest_and_says_so(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 4, V4_BANS)
    history = read_history(db, batch=1, max_bans=2)
    assert [ban[2] for ban in history["bans"]] == [3000, 4000]
    assert history["truncated"] is True and "only the newest 2" in history["warnings"][0]
    assert read_history(db, max_bans=4)["truncated"] is False


def test_schema_2_reads_without_duration_and_warns(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 2, [("sshd", "192.0.2.1", 1000), ("sshd", "192.0.2.2", 1500)])
    history = read_history(db)
    assert history["schema_version"] == 2
    assert history["bans"] == [["sshd", "192.0.2.1", 1000, None, None], ["sshd", "192.0.2.2", 1500, None, None]]
    assert "before 0.11" in history["warnings"][0]


def test_unknown_newer_schema_reads_the_known_columns_and_warns(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 9, V4_BANS[:1])
    history = read_history(db)
    assert history["schema_version"] == 9 and history["bans"] == [list(V4_BANS[0])]
    assert "not one this reader knows" in history["warnings"][0]


def test_a_schema_without_the_columns_is_a_warning(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 4, [], bans_ddl="CREATE TABLE bans(who TEXT, what TEXT);")
    history = read_history(db)
    assert history["bans"] == [] and "lacks jail, ip, timeofban" in history["warnings"][0]


def test_another_sqlite_database_is_a_warning(tmp_path):
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(str(path))
    connection.execute("CREATE TABLE t(x)")
    connection.close()
    history = read_history(str(path))
    assert history["bans"] == [] and "not a fail2ban database" in history["warnings"][0]


def test_corrupt_file_is_a_warning(tmp_path):
    path = tmp_path / "f.sqlite3"
    path.write_bytes(b"this is not sqlite at all\n" * 200)
    history = read_history(str(path))
    assert history["bans"] == [] and history["schema_version"] is None
    assert "corrupt" in history["warnings"][0]


def test_truncated_database_is_a_warning_not_an_exception(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 4, [("sshd", "192.0.2.%d" % (i % 250), i, 600, 1) for i in range(5000)])
    with open(db, "r+b") as handle:
        handle.truncate(os.path.getsize(db) // 2)
    history = read_history(db)
    assert history["warnings"], history
    assert all(isinstance(ban, list) for ban in history["bans"])


@pytest.mark.parametrize("dbfile, words", [(None, "disabled"), ("", "disabled"), (":memory:", "in memory")])
def test_no_database_is_a_warning(dbfile, words):
    history = read_history(dbfile)
    assert history["bans"] == [] and words in history["warnings"][0]


def test_missing_file_is_a_warning(tmp_path):
    history = read_history(str(tmp_path / "nope.sqlite3"))
    assert history["bans"] == [] and "does not exist" in history["warnings"][0]


def test_locked_database_is_a_warning_and_the_writer_keeps_its_lock(tmp_path):
    db = make_db(tmp_path / "f.sqlite3", 4, V4_BANS)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO bans(jail, ip, timeofban, bantime, bancount) VALUES('sshd', '192.0.2.9', 5000, 600, 1)")
    try:
        history = read_history(db, busy_timeout=0.05)
        assert history["bans"] == [] and "locked" in history["warnings"][0]
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert read_history(db)["bans"][-1] == ["sshd", "192.0.2.9", 5000, 600, 1]


def test_a_reader_between_batches_does_not_keep_the_writer_out(tmp_path):
    """Each batch is its own read: a writer gets in as soon as a batch ends."""
    db = make_db(tmp_path / "f.sqlite3", 4, V4_BANS)
    history = read_history(db, batch=1)
    writer = sqlite3.connect(db, timeout=0, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("COMMIT")
    writer.close()
    assert len(history["bans"]) == 4


def test_hostile_text_comes_back_as_text(tmp_path):
    evil = ("<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", 1000, 600, 1)
    db = make_db(tmp_path / "f.sqlite3", 4, [evil])
    connection = sqlite3.connect(db)
    connection.execute("INSERT INTO bans(jail, ip, timeofban, bantime, bancount) VALUES('sshd', X'C3FF41', 2000, 600, 1)")
    connection.execute("INSERT INTO bans(jail, ip, timeofban, bantime, bancount) VALUES('sshd', NULL, 3000, 600, 1)")
    connection.execute("INSERT INTO bans(jail, ip, timeofban, bantime, bancount) "
                       "VALUES(CAST(X'C3FF42' AS TEXT), '192.0.2.5', 4000, 600, 1)")
    connection.commit()
    connection.close()
    history = read_history(db)
    assert history["bans"][0] == list(evil)
    assert history["bans"][1][1] == u"\ufffd\ufffdA"
    assert history["bans"][2][0] == u"\ufffd\ufffdB"
    assert len(history["bans"]) == 3 and "1 rows without an address" in history["warnings"][0]


def test_path_with_uri_characters(tmp_path):
    directory = tmp_path / "a dir?x=1#y"
    directory.mkdir()
    db = make_db(directory / "f%20.sqlite3", 4, V4_BANS[:1])
    assert read_history(db)["bans"] == [list(V4_BANS[0])]


@pytest.mark.parametrize("text, path", [
    ("Current database file is:\n`- /var/lib/fail2ban/fail2ban.sqlite3\n", "/var/lib/fail2ban/fail2ban.sqlite3"),
    ("Database currently disabled\n", None),
    ("", None),
])
def test_dbfile_answer_of_the_cli(text, path):
    assert f2b.parse_dbfile_answer(text) == path
