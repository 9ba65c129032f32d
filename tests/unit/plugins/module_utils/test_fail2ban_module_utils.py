# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/fail2ban.py against outputs recorded from real fail2ban 0.11.2 (Debian 11),
1.0.2 (Debian 12) and 1.1.0 (Debian 13) servers (tests/unit/data/record.sh re-records them).

The socket path is exercised over a real UNIX socket served by a fake fail2ban that answers with the
recorded raw answers, pickled the way fail2ban pickles them; the CLI path with a fake run_command
that prints the recorded fail2ban-client text. Both must build the same report.
"""
import errno
import json
import os
import pickle
import socket
import sys

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban as f2b

from fake_fail2ban import FakeFail2banServer  # tests/support (tests/conftest.py puts it on the path)

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data")
RELEASES = {"bullseye": "0.11.2", "bookworm": "1.0.2", "trixie": "1.1.0"}


def read(release, name):
    with open(os.path.join(DATA, release, name)) as handle:
        return handle.read()


def socket_record(release):
    return json.loads(read(release, "socket.json"))


def as_fail2ban_sends(value):
    """JSON turned fail2ban's tuples into lists; turn (key, value) pairs back into tuples."""
    if isinstance(value, list):
        items = [as_fail2ban_sends(item) for item in value]
        if all(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) for item in items) and items:
            return [tuple(item) for item in items]
        return items
    return value


class IPAddr(object):
    """Pickles like fail2ban's own IPAddr (fail2ban/server/ipdns.py, 0.11.2 to 1.1.0): as the call
    str(address). Its banned-IP lists arrive that way, so the client must allow that one call."""

    def __init__(self, ntoa):
        self.ntoa = ntoa

    def __reduce__(self):
        return (str, (self.ntoa,))


def with_ipaddr_objects(raw_jail):
    """A recorded jail status with its banned IPs as fail2ban holds them (IPAddr objects)."""
    sections = []
    for section, entries in raw_jail:
        entries = [(key, [IPAddr(ip) for ip in value] if key == "Banned IP list" else value)
                   for key, value in entries]
        sections.append((section, entries))
    return sections


def recorded_answers(release):
    """Map each command the module sends to fail2ban's recorded answer."""
    record = socket_record(release)
    answers = {("version",): record["version"], ("status",): as_fail2ban_sends(record["status"])}
    for name, raw in record["jails"].items():
        answers[("status", name)] = with_ipaddr_objects(as_fail2ban_sends(raw))
        answers[("get", name, "banip", "--with-time")] = record["ban_times"][name]
        answers[("get", name, "ignoreip")] = [IPAddr(entry) for entry in record["ignoreip"][name]]
    return answers


@pytest.fixture
def short_tmp(tmp_path_factory):
    # AF_UNIX paths are limited to ~108 bytes; pytest's tmp paths can be longer.
    import tempfile
    path = tempfile.mkdtemp(prefix="f2b")
    yield path
    for name in os.listdir(path):
        os.unlink(os.path.join(path, name))
    os.rmdir(path)


def serve(short_tmp, answers, chunk=4096):
    return FakeFail2banServer(os.path.join(short_tmp, "fail2ban.sock"), answers, chunk)


class FakeCli(object):
    """run_command for collect_via_cli: prints what fail2ban-client printed when recorded."""

    def __init__(self, release):
        self.release = release
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        args = argv[1:]
        if args[:1] == ["-s"]:
            args = args[2:]
        if args == ["version"]:
            return 0, read(self.release, "version.txt"), ""
        if args == ["status"]:
            return 0, read(self.release, "status.txt"), ""
        if len(args) == 2 and args[0] == "status":
            return 0, read(self.release, "status_%s.txt" % args[1]), ""
        if len(args) == 4 and args[0] == "get" and args[2:] == ["banip", "--with-time"]:
            return 0, read(self.release, "banip-with-time_%s.txt" % args[1]), ""
        if len(args) == 3 and args[0] == "get" and args[2] == "ignoreip":
            return 0, read(self.release, "ignoreip_%s.txt" % args[1]), ""
        raise AssertionError("unexpected fail2ban-client call %r" % argv)


# ------------------------------------------------------------------------------------------
# What the recorded servers hold (set up by tests/unit/data/fail2ban-fixture.sh)
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("release", sorted(RELEASES))
def test_cli_report_from_recorded_output(release):
    report = f2b.collect_via_cli(FakeCli(release), "/usr/bin/fail2ban-client", with_ban_times=True)
    assert report["fail2ban_version"] == RELEASES[release]
    assert report["method"] == "cli"
    assert report["jail_names"] == ["nginx-http-auth", "nginx-limit-req", "shop.example-com", "sshd", "web.admin-v2"]

    auth = report["jails"]["nginx-http-auth"]
    assert auth["name"] == "nginx-http-auth"
    assert auth["filter"] == {"currently_failed": 2, "total_failed": 3,
                              "file_list": ["/var/log/nginx/error.log"], "journal_matches": []}
    assert auth["actions"] == {"currently_banned": 3, "total_banned": 3,
                               "banned_ips": ["192.0.2.10", "2001:db8::1", "10.0.0.2"]}

    empty = report["jails"]["nginx-limit-req"]
    assert empty["actions"] == {"currently_banned": 0, "total_banned": 0, "banned_ips": []}
    assert empty["bans"] == []

    shop = report["jails"]["shop.example-com"]
    assert shop["filter"]["file_list"] == ["/var/log/nginx/access.log", "/var/log/nginx/shop.example-com.access.log"]
    assert shop["actions"]["banned_ips"] == ["2001:db8:0:1::abcd", "192.0.2.10"]

    sshd = report["jails"]["sshd"]
    assert sshd["filter"]["file_list"] == []
    # Debian 13 runs OpenSSH as ssh.service; both are one group per OR-ed match.
    unit = "ssh.service" if release == "trixie" else "sshd.service"
    assert sshd["filter"]["journal_matches"] == ["_SYSTEMD_UNIT=" + unit, "_COMM=sshd"]

    permanent = report["jails"]["web.admin-v2"]["bans"]
    assert [ban["ip"] for ban in permanent] == ["198.51.100.200", "2001:db8::1"]
    assert all(ban["bantime"] == -1 and ban["end"] == "9999-12-31 23:59:59" for ban in permanent)
    timed = auth["bans"][0]
    assert timed["ip"] == "192.0.2.10" and timed["bantime"] == 86400
    assert len(timed["start"]) == len("2026-11-26 11:59:45") and timed["end"] > timed["start"]

    assert report["totals"] == {"jails": 5, "currently_failed": 4, "total_failed": 6, "currently_banned": 8,
                                "total_banned": 8, "unique_banned_ips": 6}
    assert report["banned_ips"] == [
        {"ip": "10.0.0.2", "jails": ["nginx-http-auth"]},
        {"ip": "192.0.2.10", "jails": ["nginx-http-auth", "shop.example-com"]},
        {"ip": "192.0.2.99", "jails": ["sshd"]},
        {"ip": "198.51.100.200", "jails": ["web.admin-v2"]},
        {"ip": "2001:db8::1", "jails": ["nginx-http-auth", "web.admin-v2"]},
        {"ip": "2001:db8:0:1::abcd", "jails": ["shop.example-com"]},
    ]


@pytest.mark.parametrize("with_ban_times", [False, True])
@pytest.mark.parametrize("release", sorted(RELEASES))
def test_socket_and_cli_paths_build_identical_reports(release, with_ban_times, short_tmp):
    server = serve(short_tmp, recorded_answers(release))
    try:
        by_socket = f2b.collect_via_socket(server.path, with_ban_times=with_ban_times)
    finally:
        server.stop()
    by_cli = f2b.collect_via_cli(FakeCli(release), "fail2ban-client", with_ban_times=with_ban_times)
    assert by_socket.pop("method") == "socket"
    assert by_cli.pop("method") == "cli"
    assert by_socket == by_cli
    assert ("bans" in by_socket["jails"]["sshd"]) is with_ban_times
    # One connection for everything, closed with fail2ban's close command.
    assert server.connections == 1
    assert server.closed_politely
    expected = 2 + len(by_cli["jail_names"]) * (2 if with_ban_times else 1)
    assert len(server.commands) == expected


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_ignoreip_and_digest_jails_read_alike_on_both_paths(release, short_tmp):
    """with_ignoreip: each jail's running ignoreip (fail2ban resolves IPAddr objects to their text; a
    host name stays a name); digest_jails: a digest instead of the list, kept out of banned_ips."""
    server = serve(short_tmp, recorded_answers(release))
    try:
        by_socket = f2b.collect_via_socket(server.path, jails=["sshd"], digest_jails=["nginx-http-auth"],
                                           with_ignoreip=True, with_ban_times=True)
    finally:
        server.stop()
    by_cli = f2b.collect_via_cli(FakeCli(release), "fail2ban-client", jails=["sshd"], digest_jails=["nginx-http-auth"],
                                 with_ignoreip=True, with_ban_times=True)
    assert by_socket.pop("method") == "socket" and by_cli.pop("method") == "cli"
    assert by_socket == by_cli
    assert by_cli["jail_names"] == ["nginx-http-auth", "sshd"]
    assert by_cli["jails"]["sshd"]["ignoreip"] == ["127.0.0.0/8", "203.0.113.64/26", "admin.example.net", "::1"]
    assert by_cli["jails"]["nginx-http-auth"]["ignoreip"] == ["127.0.0.0/8", "192.0.2.128/25", "2001:db8:f00::/48", "::1"]
    digested = by_cli["jails"]["nginx-http-auth"]
    assert "banned_ips" not in digested["actions"] and "bans" not in digested
    assert digested["actions"]["banned_digest"] == f2b.banned_digest(["2001:db8::1", "10.0.0.2", "192.0.2.10"])
    assert digested["actions"]["currently_banned"] == 3
    assert [entry["ip"] for entry in by_cli["banned_ips"]] == ["192.0.2.99"]
    # No ban times asked of the digested jail.
    assert ("get", "nginx-http-auth", "banip", "--with-time") not in server.commands


def test_the_digest_ignores_order_duplicates_and_spelling():
    digest = f2b.banned_digest(["192.0.2.7", "2001:db8::/64", "198.51.100.0/24"])
    assert digest == f2b.banned_digest(["2001:DB8:0::/64", "198.51.100.0/24", "192.0.2.7/32", "192.0.2.7"])
    assert digest != f2b.banned_digest(["192.0.2.7", "2001:db8::/64"])
    assert f2b.banned_digest([]) == f2b.banned_digest(())
    assert len(digest) == 64


def test_an_unknown_digest_jail_is_refused_like_an_unknown_jail(short_tmp):
    server = serve(short_tmp, recorded_answers("bookworm"))
    try:
        with pytest.raises(f2b.Fail2banError) as caught:
            f2b.collect_via_socket(server.path, digest_jails=["fortress-shared"])
    finally:
        server.stop()
    assert caught.value.reason == "unknown_jail" and "'digest_jails' option" in caught.value.message


def test_parse_ignoreip_answer_when_nothing_is_ignored():
    assert f2b.parse_ignoreip_answer("No IP address/network is ignored\n") == []


def test_selected_jails_come_back_in_fail2ban_order(short_tmp):
    server = serve(short_tmp, recorded_answers("bookworm"))
    try:
        report = f2b.collect_via_socket(server.path, jails=["sshd", "nginx-http-auth"])
    finally:
        server.stop()
    assert report["jail_names"] == ["nginx-http-auth", "sshd"]
    assert sorted(report["jails"]) == ["nginx-http-auth", "sshd"]
    assert report["totals"]["jails"] == 2
    assert report["totals"]["currently_banned"] == 4
    # Only the asked jails were queried.
    assert ("status", "shop.example-com") not in server.commands


def test_cli_passes_the_socket_path():
    cli = FakeCli("trixie")
    f2b.collect_via_cli(cli, "/usr/bin/fail2ban-client", socket_path="/run/f2b.sock", jails=["sshd"])
    assert all(call[:3] == ["/usr/bin/fail2ban-client", "-s", "/run/f2b.sock"] for call in cli.calls)
    assert len(cli.calls) == 3


# ------------------------------------------------------------------------------------------
# Parser details
# ------------------------------------------------------------------------------------------

def test_global_status_with_no_jails():
    raw = f2b.parse_global_status("Status\n|- Number of jail:\t0\n`- Jail list:\t\n")
    assert f2b.jail_names_from_status(raw) == []


def test_global_status_survives_trimmed_trailing_tab():
    raw = f2b.parse_global_status("Status\n|- Number of jail:\t0\n`- Jail list:")
    assert f2b.jail_names_from_status(raw) == []


def test_jail_names_with_dots_and_dashes():
    raw = f2b.parse_global_status("Status\n|- Number of jail:\t3\n`- Jail list:\ta.b-c, nginx-4xx, x_y.z\n")
    assert f2b.jail_names_from_status(raw) == ["a.b-c", "nginx-4xx", "x_y.z"]


def jail_list_answers(names):
    """fail2ban's answers for jails with these names: the global status joins them with ", "
    (fail2ban/server/server.py), each jail has a small status of its own."""
    answers = {("version",): "1.1.0",
               ("status",): [("Number of jail", len(names)), ("Jail list", ", ".join(sorted(names)))]}
    for name in names:
        answers[("status", name)] = [("Filter", [("Currently failed", 0), ("Total failed", 1), ("File list", [])]),
                                     ("Actions", [("Currently banned", 1), ("Total banned", 1),
                                                  ("Banned IP list", [IPAddr("192.0.2.%d" % len(name))])])]
    return answers


def jail_list_cli(names):
    """fail2ban-client's text for the same jails."""
    answers = jail_list_answers(names)

    def run(argv):
        args = tuple(argv[1:])
        if args == ("version",):
            return 0, "1.1.0\n", ""
        if args == ("status",):
            return 0, "Status\n|- Number of jail:\t%d\n`- Jail list:\t%s\n" % (
                len(names), ", ".join(sorted(names))), ""
        if args[0] == "status" and args in answers:
            return 0, ("Status for the jail: %s\n|- Filter\n|  |- Currently failed:\t0\n|  |- Total failed:\t1\n"
                       "|  `- File list:\t\n`- Actions\n   |- Currently banned:\t1\n   |- Total banned:\t1\n"
                       "   `- Banned IP list:\t192.0.2.%d\n" % (args[1], len(args[1]))), ""
        return 255, "", "Sorry but the jail '%s' does not exist\n" % args[1]
    return run


def test_a_comma_inside_a_jail_name_is_read_right_on_both_paths(short_tmp):
    names = ["nginx,http-auth", "sshd", "web,admin"]
    server = serve(short_tmp, jail_list_answers(names))
    try:
        by_socket = f2b.collect_via_socket(server.path)
    finally:
        server.stop()
    by_cli = f2b.collect_via_cli(jail_list_cli(names), "fail2ban-client")
    assert by_socket["jail_names"] == by_cli["jail_names"] == names
    assert by_socket["jails"]["web,admin"]["actions"]["banned_ips"] == ["192.0.2.9"]
    by_socket.pop("method")
    by_cli.pop("method")
    assert by_socket == by_cli


@pytest.mark.parametrize("names", [["a, b", "c"], ["x", ", y"], ["sshd, ", "web"], ["only, one"]])
def test_a_jail_name_containing_comma_space_is_a_clear_error_on_both_paths(short_tmp, names):
    server = serve(short_tmp, jail_list_answers(names))
    try:
        with pytest.raises(f2b.Fail2banError) as by_socket:
            f2b.collect_via_socket(server.path)
    finally:
        server.stop()
    with pytest.raises(f2b.Fail2banError) as by_cli:
        f2b.collect_via_cli(jail_list_cli(names), "fail2ban-client")
    for info in (by_socket, by_cli):
        assert info.value.reason == f2b.Fail2banError.PROTOCOL
        assert "cannot tell fail2ban's jails apart: it runs %d jail(s)" % len(names) in info.value.message
        assert "Rename that jail" in info.value.message
    # Nothing was asked about jails that do not exist.
    assert [command for command in server.commands if command[0] == "status" and len(command) > 1] == []


def test_jail_list_without_a_count_is_taken_as_it_is():
    assert f2b.jail_names_from_status([("Jail list", "a,b, c")]) == ["a,b", "c"]


def test_unexpected_text_is_a_clear_error():
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.parse_jail_status("Welcome to something else\n")
    assert info.value.reason == f2b.Fail2banError.PROTOCOL
    with pytest.raises(f2b.Fail2banError):
        f2b.parse_global_status("")
    with pytest.raises(f2b.Fail2banError):
        f2b.parse_ban_times(["192.0.2.1 2026-01-01"])


def test_ip_sort_is_numeric_ipv4_then_ipv6_then_other_ids():
    ips = ["2001:db8::10", "10.0.0.1", "9.9.9.9", "2001:db8::9", "some-host", "::1", "192.0.2.1"]
    assert sorted(ips, key=f2b.ip_sort_key) == [
        "9.9.9.9", "10.0.0.1", "192.0.2.1", "::1", "2001:db8::9", "2001:db8::10", "some-host"]


def test_ip_sort_matches_ipaddress_order():
    import ipaddress
    import random
    rng = random.Random(3)
    ips = ["%d.%d.%d.%d" % tuple(rng.randrange(256) for dummy in range(4)) for dummy in range(300)]
    ips += ["%x:%x::%x" % (rng.randrange(1 << 16), rng.randrange(1 << 16), rng.randrange(1 << 16)) for dummy in range(300)]
    ips += ["::ffff:10.0.0.1", "::", "0.0.0.0", "255.255.255.255", "fe80::1%eth0"]
    by_ipaddress = sorted(ips, key=lambda ip: (ipaddress.ip_address(ip).version, ipaddress.ip_address(ip)))
    assert sorted(ips, key=f2b.ip_sort_key) == by_ipaddress


def test_hundreds_of_thousands_of_ips():
    count = 300000
    ipv4 = ["10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255) for i in range(count // 2)]
    ipv6 = ["2001:db8::%x" % i for i in range(count // 2)]
    banned = ipv6 + ipv4
    text = ("Status for the jail: big.jail-1\n|- Filter\n|  |- Currently failed:\t7\n|  |- Total failed:\t%d\n"
            "|  `- File list:\t/var/log/a.log\n`- Actions\n   |- Currently banned:\t%d\n   |- Total banned:\t%d\n"
            "   `- Banned IP list:\t%s\n" % (count, count, count, " ".join(banned)))
    jail = f2b.normalise_jail_status("big.jail-1", f2b.parse_jail_status(text))
    assert jail["actions"]["banned_ips"] == banned
    other = f2b.normalise_jail_status("other", f2b.parse_jail_status(text.replace("big.jail-1", "other")))
    other["actions"]["banned_ips"] = ipv4[:10]
    report = f2b.assemble_status("1.0.2", "cli", ["big.jail-1", "other"], {"big.jail-1": jail, "other": other})
    assert report["totals"]["unique_banned_ips"] == count
    assert report["banned_ips"][0] == {"ip": "10.0.0.0", "jails": ["big.jail-1", "other"]}
    assert report["banned_ips"][count // 2 - 1]["ip"] == ipv4[-1]
    assert report["banned_ips"][count // 2]["ip"] == "2001:db8::0"
    assert report["banned_ips"][-1] == {"ip": ipv6[-1], "jails": ["big.jail-1"]}


def test_large_answer_arrives_in_many_chunks(short_tmp):
    banned = ["10.1.%d.%d" % (i >> 8, i & 255) for i in range(50000)]
    raw_jail = [("Filter", [("Currently failed", 0), ("Total failed", 0), ("File list", [])]),
                ("Actions", [("Currently banned", 50000), ("Total banned", 50000), ("Banned IP list", banned)])]
    answers = {("version",): "1.1.0", ("status",): [("Number of jail", 1), ("Jail list", "big")],
               ("status", "big"): raw_jail}
    server = serve(short_tmp, answers, chunk=1000)
    try:
        report = f2b.collect_via_socket(server.path)
    finally:
        server.stop()
    assert report["jails"]["big"]["actions"]["banned_ips"] == banned
    assert report["totals"]["unique_banned_ips"] == 50000


# ------------------------------------------------------------------------------------------
# Errors: which one, and what to do
# ------------------------------------------------------------------------------------------

def test_unknown_jail_names_the_running_ones(short_tmp):
    server = serve(short_tmp, recorded_answers("bullseye"))
    try:
        with pytest.raises(f2b.Fail2banError) as info:
            f2b.collect_via_socket(server.path, jails=["sshd", "nginx-4xx"])
    finally:
        server.stop()
    assert info.value.reason == f2b.Fail2banError.UNKNOWN_JAIL
    assert "nginx-4xx" in info.value.message and "shop.example-com" in info.value.message
    assert "'jails' option" in info.value.message


def test_socket_missing_means_server_not_running(short_tmp):
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.collect_via_socket(os.path.join(short_tmp, "absent.sock"))
    assert info.value.reason == f2b.Fail2banError.NOT_RUNNING
    assert "systemctl start fail2ban" in info.value.message


def test_stale_socket_means_server_not_running(short_tmp):
    path = os.path.join(short_tmp, "stale.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: what a crashed fail2ban leaves behind
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.collect_via_socket(path)
    assert info.value.reason == f2b.Fail2banError.NOT_RUNNING
    assert "connection refused" in info.value.message


def test_socket_permission_denied_says_become(monkeypatch):
    def refuse(self, path):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.SocketClient("/var/run/fail2ban/fail2ban.sock")
    assert info.value.reason == f2b.Fail2banError.PERMISSION_DENIED
    assert "become: true" in info.value.message


def test_banned_ips_arrive_as_str_calls_like_fail2ban_pickles_them():
    payload = pickle.dumps((0, [IPAddr("192.0.2.1"), IPAddr("2001:db8::1")]), pickle.HIGHEST_PROTOCOL)
    assert b"builtins" in payload and b"str" in payload  # the one global a real answer needs
    assert f2b.decode_answer(payload, ["status", "sshd"], "/run/f2b.sock") == (0, ["192.0.2.1", "2001:db8::1"])


def test_server_error_answer(short_tmp):
    server = serve(short_tmp, lambda command: (1, ValueError("boom")))
    try:
        with pytest.raises(f2b.Fail2banError) as info:
            f2b.collect_via_socket(server.path)
    finally:
        server.stop()
    assert info.value.reason == f2b.Fail2banError.COMMAND_FAILED
    assert info.value.message == "fail2ban refused ['version']: ValueError('boom')"


# ------------------------------------------------------------------------------------------
# fail2ban's own exceptions: named, never imported or called
# ------------------------------------------------------------------------------------------

class Constructed(object):
    """Records every construction of the stand-in fail2ban classes below."""
    calls = []


def fail2ban_exception_answer(monkeypatch, class_name, base, *args):
    """``(1, fail2ban.exceptions.<class_name>(*args))`` pickled as a real fail2ban server pickles it.

    pickle needs the class importable to write it, so a module stands in for fail2ban.exceptions
    while the answer is written, and is gone before the client reads it.
    """
    import types

    def __init__(self, *init_args):
        Constructed.calls.append(init_args)
        base.__init__(self, *init_args)

    module = types.ModuleType("fail2ban.exceptions")
    cls = type(class_name, (base,), {"__init__": __init__, "__module__": "fail2ban.exceptions"})
    setattr(module, class_name, cls)
    package = types.ModuleType("fail2ban")
    package.exceptions = module
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "fail2ban", package)
        patch.setitem(sys.modules, "fail2ban.exceptions", module)
        payload = pickle.dumps((1, cls(*args)), pickle.HIGHEST_PROTOCOL)
    del Constructed.calls[:]
    return payload


def test_fail2ban_exception_is_named_without_fail2ban(monkeypatch, short_tmp):
    payload = fail2ban_exception_answer(monkeypatch, "UnknownJailException", KeyError, "nginx-4xx")
    assert b"fail2ban.exceptions" in payload and b"UnknownJailException" in payload
    server = serve(short_tmp, lambda command: payload)
    try:
        with pytest.raises(f2b.Fail2banError) as info:
            f2b.collect_via_socket(server.path)
    finally:
        server.stop()
    assert info.value.reason == f2b.Fail2banError.UNKNOWN_JAIL
    assert info.value.message == "fail2ban refused ['version']: UnknownJailException('nginx-4xx')"
    # The class was never called; the module standing in for fail2ban.exceptions is gone, so an
    # unpickler that imported it would have failed with ImportError instead.
    assert Constructed.calls == []


def test_other_fail2ban_exceptions_are_command_failures(monkeypatch):
    payload = fail2ban_exception_answer(monkeypatch, "DuplicateJailException", Exception, "sshd")
    code, error = f2b.decode_answer(payload, ["status"], "/run/f2b.sock")
    assert code == 1
    assert isinstance(error, f2b.RemoteException)
    assert (error.remote_class, error.args) == ("fail2ban.exceptions.DuplicateJailException", ("sshd",))
    assert Constructed.calls == []


# ------------------------------------------------------------------------------------------
# A hostile socket: nothing in an answer runs
# ------------------------------------------------------------------------------------------

HOSTILE_CALLS = []


def record_hostile_call(*args):
    """What a hostile answer would make the client call, if the client let it."""
    HOSTILE_CALLS.append(args)
    return "ran"


class Reduce(object):
    """An object whose pickle is the call ``function(*args)`` when unpickled (the classic payload)."""

    def __init__(self, function, *args):
        self.function = function
        self.args = args

    def __reduce__(self):
        return (self.function, self.args)


def stack_global(module, name):
    """Protocol 4's STACK_GLOBAL of ``module`` and ``name``: the form that resolves dotted names."""
    def short_unicode(text):
        return b"\x8c" + bytes([len(text)]) + text.encode()
    return b"\x80\x04" + short_unicode(module) + short_unicode(name) + b"\x93."


def hostile_payloads(marker):
    """(label, payload, what the refusal must name) for many ways of making an unpickler run code."""
    import subprocess
    command = "touch %s" % marker
    payloads = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        payloads.append(("os.system as the answer, protocol %d" % protocol,
                         pickle.dumps(Reduce(os.system, command), protocol), "system"))
    payloads += [
        ("os.system inside a successful answer", pickle.dumps((0, [Reduce(os.system, command)]), 2), "system"),
        ("os.system as the error", pickle.dumps((1, Reduce(os.system, command)), 4), "system"),
        ("os.system in a fail2ban exception's arguments",
         b"(I1\ncfail2ban.exceptions\nUnknownJailException\n(cposix\nsystem\n(V" + command.encode()
         + b"\ntRtRt.", "posix.system"),
        ("subprocess.Popen", pickle.dumps((0, Reduce(subprocess.Popen, ["sh", "-c", command])), 4), "Popen"),
        ("builtins.eval", pickle.dumps((0, Reduce(eval, "__import__('os').system(%r)" % command)), 4), "builtins.eval"),
        ("builtins.exec", pickle.dumps(Reduce(exec, "import os; os.system(%r)" % command), 3), "builtins.exec"),
        ("builtins.__import__", b"cbuiltins\n__import__\n(Vos\ntR.", "builtins.__import__"),
        ("builtins.getattr", b"cbuiltins\ngetattr\n(cbuiltins\nstr\nVjoin\ntR.", "builtins.getattr"),
        ("a dotted name reaching past str", stack_global("builtins", "str.__class__.mro"), "str.__class__.mro"),
        ("a fail2ban class that is not an exception", b"cfail2ban.server.action\nCommandAction\n(V" + command.encode()
         + b"\ntR.", "fail2ban.server.action.CommandAction"),
        ("a function of this test", pickle.dumps((0, Reduce(record_hostile_call, command)), 4), "record_hostile_call"),
    ]
    return payloads


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a hostile answer ran a command"
    assert HOSTILE_CALLS == [], "a hostile answer called a function"


def test_hostile_payloads_run_nothing_and_say_so(short_tmp, marker):
    for label, payload, names in hostile_payloads(marker):
        server = serve(short_tmp, lambda command, payload=payload: payload)
        try:
            with pytest.raises(f2b.Fail2banError) as info:
                f2b.collect_via_socket(server.path)
        finally:
            server.stop()
            os.unlink(server.path)
        assert info.value.reason == f2b.Fail2banError.UNSAFE_ANSWER, label
        assert names in info.value.message, (label, info.value.message)
        assert "Nothing from it was run" in info.value.message, label
        assert "may not be fail2ban" in info.value.message, label
        # The proof that the payload is live: plain pickle would have run it.
        assert not marker.exists(), label


def test_the_hostile_payloads_would_run_under_plain_pickle(marker):
    # Shows the test above can fail: the same bytes, given to pickle.loads, do call the function.
    payload = dict((label, data) for label, data, _names in hostile_payloads(marker))["a function of this test"]
    assert pickle.loads(payload) == (0, "ran")
    assert HOSTILE_CALLS == [("touch %s" % marker,)]
    del HOSTILE_CALLS[:]


def nested_answer(depth):
    """``(0, [[[...]]])`` nested ``depth`` lists deep, written opcode by opcode (pickle.dumps
    would recurse): MARK, 0, ``depth`` empty lists, APPEND each into the one below, TUPLE."""
    return b"(I0\n" + b"]" * depth + b"a" * (depth - 1) + b"t."


@pytest.mark.parametrize("payload, complaint", [
    pytest.param(pickle.dumps((0, ValueError("x")), 4), "holds a RemoteException", id="an exception where data belongs"),
    pytest.param(pickle.dumps((0, [ValueError]), 4), "holds a type", id="a class where data belongs"),
    pytest.param(pickle.dumps((0, {"f": str}), 4), "holds a type", id="the str type itself"),
    pytest.param(nested_answer(40), "nested deeper than 32 levels", id="nesting deeper than fail2ban's"),
    pytest.param(nested_answer(200000), "nested deeper than 32 levels", id="nesting deep enough to break repr()"),
])
def test_answers_fail2ban_never_sends_are_refused(payload, complaint):
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.decode_answer(payload, ["status"], "/run/f2b.sock")
    assert info.value.reason == f2b.Fail2banError.UNSAFE_ANSWER
    assert complaint in info.value.message


def test_nesting_as_deep_as_allowed_is_accepted():
    assert f2b.decode_answer(nested_answer(33), ["status"], "/run/f2b.sock")[0] == 0


@pytest.mark.parametrize("payload", [
    pytest.param(b"<html>hello</html>", id="not a pickle"),
    pytest.param(pickle.dumps((0, "1.0.2"), 4)[:-3], id="a truncated pickle"),
    pytest.param(b"(I0\nPsome-id\nt.", id="a persistent id"),
    pytest.param(b"\x80\x02\x82\x01.", id="an extension code"),
])
def test_undecodable_answers_are_protocol_errors(payload):
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.decode_answer(payload, ["status"], "/run/f2b.sock")
    assert info.value.reason == f2b.Fail2banError.PROTOCOL
    assert "cannot decode fail2ban's answer to ['status']" in info.value.message


@pytest.mark.parametrize("answer", ["ERROR: something", (2, "x"), (True, "x"), (0,), [0, "x"], (0, "x", 1)])
def test_answers_of_another_shape_are_protocol_errors(answer):
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.decode_answer(pickle.dumps(answer, 4), ["status"], "/run/f2b.sock")
    assert info.value.reason == f2b.Fail2banError.PROTOCOL
    assert "unexpected answer to ['status']" in info.value.message


def recorded_cli_error(release, case):
    text = read(release, "cli-error_%s.txt" % case)
    body, dummy, rc_line = text.rstrip("\n").rpartition("\n")
    return int(rc_line.split("=")[1]), "", body


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("case, reason, advice", [
    ("unknown-jail", f2b.Fail2banError.UNKNOWN_JAIL, "does not exist"),
    ("permission-denied", f2b.Fail2banError.PERMISSION_DENIED, "become: true"),
    ("not-running", f2b.Fail2banError.NOT_RUNNING, "systemctl start fail2ban"),
])
def test_recorded_cli_errors(release, case, reason, advice):
    rc, out, err = recorded_cli_error(release, case)
    assert rc != 0
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.collect_via_cli(lambda argv: (rc, out, err), "fail2ban-client")
    assert info.value.reason == reason
    assert advice in info.value.message


def test_unrecognised_cli_failure_keeps_fail2ban_text():
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.collect_via_cli(lambda argv: (1, "", "something odd"), "fail2ban-client")
    assert info.value.reason == f2b.Fail2banError.COMMAND_FAILED
    assert "something odd" in info.value.message


@pytest.mark.parametrize("requested, importable, client, expected", [
    ("auto", True, "/usr/bin/fail2ban-client", "socket"),
    ("auto", True, None, "socket"),
    ("auto", False, "/usr/bin/fail2ban-client", "cli"),
    ("socket", True, None, "socket"),
    ("cli", True, "/usr/bin/fail2ban-client", "cli"),
])
def test_choose_method(requested, importable, client, expected):
    assert f2b.choose_method(requested, importable, client) == expected


@pytest.mark.parametrize("requested, importable, client, advice", [
    ("auto", False, None, "fail2ban is not installed"),
    ("socket", False, "/usr/bin/fail2ban-client", "method=cli"),
    ("cli", True, None, "fail2ban-client was not found"),
])
def test_choose_method_explains_what_is_missing(requested, importable, client, advice):
    with pytest.raises(f2b.Fail2banError) as info:
        f2b.choose_method(requested, importable, client)
    assert info.value.reason == f2b.Fail2banError.NOT_INSTALLED
    assert advice in info.value.message


def test_fail2ban_importable_matches_this_interpreter():
    try:
        import fail2ban  # noqa: F401 pylint: disable=unused-import
        expected = True
    except ImportError:
        expected = False
    assert f2b.fail2ban_importable() is expected
