# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fail2ban_status module end to end in-process: its arguments, its result and its failures,
with a fake fail2ban-client on PATH that prints what fail2ban 1.0.2 printed when recorded."""
import json
import os
import stat
import sys

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.fortress.nginx.plugins.modules import fail2ban_status

DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "data", "bookworm"))

FAKE_CLIENT = """#!%(python)s
import os, sys
data = %(data)r
args = sys.argv[1:]
if args[:1] == ["-s"]:
    args = args[2:]
if args == ["version"]:
    name = "version.txt"
elif args == ["status"]:
    name = "status.txt"
elif len(args) == 2 and args[0] == "status":
    name = "status_%%s.txt" %% args[1]
elif len(args) == 4 and args[2:] == ["banip", "--with-time"]:
    name = "banip-with-time_%%s.txt" %% args[1]
elif args == ["get", "dbfile"]:
    if os.environ.get("FAKE_DBFILE"):
        sys.stdout.write("Current database file is:\\n`- %%s\\n" %% os.environ["FAKE_DBFILE"])
    else:
        sys.stdout.write("Database currently disabled\\n")
    sys.exit(0)
else:
    sys.stderr.write("fake fail2ban-client: unexpected %%r" %% args)
    sys.exit(2)
path = os.path.join(data, name)
if not os.path.exists(path):
    sys.stderr.write("ERROR   NOK: ('%%s',)\\nSorry but the jail '%%s' does not exist\\n" %% (args[1], args[1]))
    sys.exit(255)
sys.stdout.write(open(path).read())
"""


@pytest.fixture
def fake_client(tmp_path, monkeypatch):
    client = tmp_path / "fail2ban-client"
    client.write_text(FAKE_CLIENT % {"python": sys.executable, "data": DATA})
    client.chmod(client.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", "%s:%s" % (tmp_path, os.environ.get("PATH", "")))
    return client


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            fail2ban_status.main()
    return json.loads(capsys.readouterr().out)


def test_cli_method_reports_every_jail(fake_client, capsys):
    result = run_module({"method": "cli"}, capsys)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["method"] == "cli"
    assert result["fail2ban_version"] == "1.0.2"
    assert result["jail_names"] == ["nginx-http-auth", "nginx-limit-req", "shop.example-com", "sshd", "web.admin-v2"]
    assert result["totals"]["unique_banned_ips"] == 6
    assert {"ip": "192.0.2.10", "jails": ["nginx-http-auth", "shop.example-com"]} in result["banned_ips"]
    assert "bans" not in result["jails"]["sshd"]


def test_history_from_the_dbfile_fail2ban_names(fake_client, tmp_path, monkeypatch, capsys):
    import sqlite3
    import time
    db = str(tmp_path / "elsewhere.sqlite3")
    connection = sqlite3.connect(db)
    connection.executescript("CREATE TABLE fail2banDb(version INTEGER); INSERT INTO fail2banDb VALUES(4);"
                             "CREATE TABLE bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL,"
                             " bancount INTEGER NOT NULL default 1, data JSON);")
    now = int(time.time())
    connection.executemany("INSERT INTO bans VALUES(?, ?, ?, 600, 1, '{}')",
                           [("sshd", "192.0.2.1", now - 40 * 86400), ("sshd", "192.0.2.2", now - 3600)])
    connection.commit()
    connection.close()
    monkeypatch.setenv("FAKE_DBFILE", db)
    result = run_module({"method": "cli", "history": True}, capsys)
    assert result["dbfile"] == db
    assert result["history"]["bans"] == [["sshd", "192.0.2.2", now - 3600, 600, 1]]  # 30 days by default
    assert result["history"]["warnings"] == [] and result["changed"] is False
    everything = run_module({"method": "cli", "history": True, "history_days": 0}, capsys)
    assert [ban[1] for ban in everything["history"]["bans"]] == ["192.0.2.1", "192.0.2.2"]
    monkeypatch.delenv("FAKE_DBFILE")
    disabled = run_module({"method": "cli", "history": True}, capsys)
    assert disabled["dbfile"] is None and "disabled" in disabled["history"]["warnings"][0]
    assert not disabled.get("failed")


def test_without_history_no_dbfile_is_asked(fake_client, capsys):
    result = run_module({"method": "cli"}, capsys)
    assert "history" not in result and "dbfile" not in result


def test_check_mode_reads_the_same(fake_client, capsys):
    normal = run_module({"method": "cli", "jails": ["sshd"], "with_ban_times": True}, capsys)
    checked = run_module({"method": "cli", "jails": ["sshd"], "with_ban_times": True, "_ansible_check_mode": True}, capsys)
    for result in (normal, checked):
        result.pop("invocation", None)
    assert checked == normal
    assert checked["changed"] is False
    assert checked["jails"]["sshd"]["bans"][0]["ip"] == "192.0.2.99"


def test_unknown_jail_fails_without_traceback(fake_client, capsys):
    result = run_module({"method": "cli", "jails": ["nginx-4xx"]}, capsys)
    assert result["failed"] is True
    assert result["reason"] == "unknown_jail"
    assert "nginx-4xx" in result["msg"] and "sshd" in result["msg"]
    assert "Traceback" not in json.dumps(result)
    assert "exception" not in result


def test_socket_method_without_fail2ban_package(monkeypatch, capsys):
    # Whatever this machine has installed: the module's interpreter cannot import fail2ban.
    monkeypatch.setattr(fail2ban_status, "fail2ban_importable", lambda: False)
    result = run_module({"method": "socket"}, capsys)
    assert result["failed"] is True
    assert result["reason"] == "not_installed"
    assert "method=cli" in result["msg"]
    assert result["interpreter"] == sys.executable


def test_auto_without_fail2ban_says_not_installed(tmp_path, monkeypatch, capsys):
    # A host without fail2ban, whatever this machine has: no package, no client anywhere.
    monkeypatch.setattr(fail2ban_status, "fail2ban_importable", lambda: False)
    monkeypatch.setattr(fail2ban_status, "CLIENT_FALLBACK_DIRS", [str(tmp_path / "none")])
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run_module({}, capsys)
    assert result["failed"] is True
    assert result["reason"] == "not_installed"
    assert "apt-get install fail2ban" in result["msg"]


def test_socket_method_on_a_stopped_server(tmp_path, monkeypatch, capsys):
    # Pretend the package is importable, so the module reaches the (absent) socket.
    monkeypatch.setattr(fail2ban_status, "fail2ban_importable", lambda: True)
    result = run_module({"method": "socket", "socket": str(tmp_path / "absent.sock")}, capsys)
    assert result["failed"] is True
    assert result["reason"] == "not_running"


class Reduce(object):
    """Pickles as the call ``function(*args)``: what a hostile server would answer with."""

    def __init__(self, function, *args):
        self.function = function
        self.args = args

    def __reduce__(self):
        return (self.function, self.args)


def serve_once(path, payload):
    """A fake fail2ban socket that answers the first command with ``payload`` (raw bytes)."""
    import pickle
    import socket
    import threading

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    received = []

    def answer():
        conn, dummy = listener.accept()
        with conn:
            buf = b""
            while b"<F2B_END_COMMAND>" not in buf:
                buf += conn.recv(4096)
            received.append(pickle.loads(buf.split(b"<F2B_END_COMMAND>")[0]))
            conn.sendall(payload + b"<F2B_END_COMMAND>")
        listener.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread, received


def test_hostile_socket_runs_nothing_and_fails_clearly(monkeypatch, capsys):
    import pickle
    import tempfile

    monkeypatch.setattr(fail2ban_status, "fail2ban_importable", lambda: True)
    directory = tempfile.mkdtemp(prefix="f2b")  # AF_UNIX paths must stay short
    marker = os.path.join(directory, "pwned")
    path = os.path.join(directory, "fail2ban.sock")
    thread, received = serve_once(path, pickle.dumps(Reduce(os.system, "touch %s" % marker), 2))
    try:
        result = run_module({"method": "socket", "socket": path}, capsys)
        thread.join(10)
    finally:
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)
    assert received == [["version"]]
    assert not os.path.exists(marker)
    assert result["failed"] is True
    assert result["reason"] == "unsafe_answer"
    assert "refused the answer to ['version']" in result["msg"]
    assert "system" in result["msg"] and "Nothing from it was run" in result["msg"]
    assert "Traceback" not in json.dumps(result)
