# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read the ban history fail2ban keeps in its own sqlite database (its ``dbfile``), read-only.

fail2ban writes every ban into the ``bans`` table and keeps it for ``dbpurgeage``. The schema
(``fail2banDb.version``):

* 4, fail2ban 0.11, 1.0 and 1.1 (Debian 11, 12, 13): ``bans(jail, ip, timeofban, bantime,
  bancount, data)``;
* 2, fail2ban 0.9 and 0.10: ``bans(jail, ip, timeofban, data)``: no duration, no count.

The reader never writes and never holds fail2ban up: it opens the file with ``mode=ro`` and
``PRAGMA query_only``, waits at most a short busy timeout for a lock, and reads in batches of
rows, each its own short read transaction (fail2ban's database uses a rollback journal, so a
long read would make fail2ban's next write wait). A missing, locked or corrupt file, or a schema
it does not know, is a warning in the result, never an exception.

Standard library only, no Ansible: unit-tested against sqlite files of each schema.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

try:
    import sqlite3
except ImportError:  # pragma: no cover - a Python built without sqlite
    sqlite3 = None

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2
    from urllib import quote

DEFAULT_DBFILE = "/var/lib/fail2ban/fail2ban.sqlite3"
# One row of the result: what the module returns for every ban, in this order.
COLUMNS = ("jail", "ip", "timeofban", "bantime", "bancount")
KNOWN_VERSIONS = (2, 4)
BATCH = 20000
BUSY_TIMEOUT = 0.2
MAX_BANS = 500000


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return u"%s" % (value,)


def _int_or_none(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _result(dbfile, since, warnings, version=None, bans=None, truncated=False):
    return {
        "dbfile": dbfile,
        "schema_version": version,
        "since": since,
        "columns": list(COLUMNS),
        "bans": bans or [],
        "truncated": truncated,
        "warnings": warnings,
    }


def _schema(connection):
    """(version, columns of bans) or raise ValueError saying what is not fail2ban's."""
    tables = set(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    if "fail2banDb" not in tables or "bans" not in tables:
        raise ValueError("it has no fail2banDb and bans tables: not a fail2ban database")
    row = connection.execute("SELECT version FROM fail2banDb LIMIT 1").fetchone()
    version = _int_or_none(row[0]) if row else None
    columns = [info[1] for info in connection.execute("PRAGMA table_info(bans)")]
    missing = [name for name in ("jail", "ip", "timeofban") if name not in columns]
    if missing:
        raise ValueError("its bans table lacks %s (schema version %s)" % (", ".join(missing), version))
    return version, columns


def describe_error(exc):
    """A short warning for an sqlite error: locked, corrupt, unreadable."""
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return "the database is locked (fail2ban is writing to it); try again later: %s" % text
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return "the database is corrupt or not an sqlite file: %s" % text
    return "the database cannot be read: %s" % text


def read_history(dbfile, since=None, batch=BATCH, busy_timeout=BUSY_TIMEOUT, max_bans=MAX_BANS):
    """Every ban in fail2ban's database ``dbfile`` with ``timeofban >= since`` (Unix time; None: all).

    Returns {dbfile, schema_version, since, columns, bans, truncated, warnings}: ``bans`` is a list of
    [jail, ip, timeofban, bantime, bancount] lists in the order fail2ban wrote them (bantime and
    bancount are None on schema 2), at most ``max_bans`` of the newest. ``warnings`` says why the
    history is empty or partial.
    """
    warnings = []
    if not dbfile:
        return _result(dbfile, since, ["fail2ban keeps no database (dbfile is disabled): no ban history"])
    if dbfile == ":memory:":
        return _result(dbfile, since, ["fail2ban keeps its database in memory: no ban history to read"])
    if sqlite3 is None:
        return _result(dbfile, since, ["this Python has no sqlite3 module: no ban history"])
    if not os.path.isfile(dbfile):
        return _result(dbfile, since, ["%s does not exist or is not a file: no ban history" % dbfile])
    uri = "file:%s?mode=ro" % quote(os.path.abspath(dbfile))
    rows = []
    version = None
    truncated = False
    try:
        # isolation_level=None: no transaction of ours around the batches, each SELECT is its own.
        connection = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        return _result(dbfile, since, [describe_error(exc)])
    # Text that is not UTF-8 (log data) must not stop the read: decoded with replacement characters.
    connection.text_factory = lambda data: data.decode("utf-8", "replace")
    try:
        connection.execute("PRAGMA query_only = ON")
        version, columns = _schema(connection)
        wanted = ["rowid", "jail", "ip", "timeofban"]
        if version not in KNOWN_VERSIONS:
            warnings.append("schema version %s of %s is not one this reader knows (2: fail2ban 0.9/0.10, "
                            "4: 0.11 to 1.1); read its jail, ip and timeofban columns only" % (version, dbfile))
        elif version < 4:
            warnings.append("schema version %s (fail2ban before 0.11): bans have no duration and no count" % version)
        has_extra = version == 4 or (version not in KNOWN_VERSIONS and "bantime" in columns and "bancount" in columns)
        if has_extra:
            wanted += ["bantime", "bancount"]
        query = "SELECT %s FROM bans WHERE rowid < ?%s ORDER BY rowid DESC LIMIT ?" % (
            ", ".join(wanted), "" if since is None else " AND timeofban >= ?")
        # Newest first, in batches, so a cap keeps the newest bans; reversed at the end.
        upper = (1 << 63) - 1
        skipped = 0
        while True:
            limit = batch if max_bans is None else min(batch, max_bans - len(rows) + 1)
            args = (upper,) + (() if since is None else (int(since),)) + (limit,)
            chunk = connection.execute(query, args).fetchall()
            for row in chunk:
                timeofban = _int_or_none(row[3])
                if row[2] is None or timeofban is None:
                    skipped += 1
                    continue
                if max_bans is not None and len(rows) >= max_bans:
                    truncated = True
                    break
                if has_extra:
                    rows.append([_text(row[1]), _text(row[2]), timeofban, _int_or_none(row[4]), _int_or_none(row[5])])
                else:
                    rows.append([_text(row[1]), _text(row[2]), timeofban, None, None])
            if truncated or len(chunk) < limit:
                break
            upper = chunk[-1][0]
        if truncated:
            warnings.append("more than %d bans: only the newest %d are read" % (max_bans, max_bans))
        if skipped:
            warnings.append("%d rows without an address or a time of ban were skipped" % skipped)
    except ValueError as exc:
        warnings.append("%s: %s" % (dbfile, exc))
    except sqlite3.Error as exc:
        warnings.append(describe_error(exc))
        if rows:
            warnings.append("the history is partial: %d bans were read before the error" % len(rows))
    finally:
        connection.close()
    rows.reverse()
    return _result(dbfile, since, warnings, version, rows, truncated)
