# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fortress.nginx.fail2ban_ban's logic: address checks, the plan, and the commands sent, against a
fake fail2ban that starts from the status answers recorded from fail2ban 0.11.2, 1.0.2 and 1.1.0
(tests/unit/data/<release>/socket.json) and then keeps its banned list like fail2ban does."""
import json
import os

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban as f

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data")
RELEASES = ["bullseye", "bookworm", "trixie"]


class FakeFail2ban(object):
    """A fail2ban server for one connection: answers `status JAIL` in the recorded raw shape, applies
    `set JAIL banip/unbanip ...`, and records every command."""

    def __init__(self, release, path=None, timeout=None):
        with open(os.path.join(DATA, release, "socket.json")) as handle:
            self.jails = json.load(handle)["jails"]
        self.commands = []

    def __call__(self, path, timeout):  # the client_factory interface
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def banned(self, jail):
        actions = dict(dict(self.jails[jail])["Actions"])
        return list(actions["Banned IP list"])

    def _set_banned(self, jail, banned):
        sections = [[name, [list(entry) for entry in entries]] for name, entries in self.jails[jail]]
        for name, entries in sections:
            if name == "Actions":
                for entry in entries:
                    if entry[0] == "Banned IP list":
                        entry[1] = banned
                    if entry[0] == "Currently banned":
                        entry[1] = len(banned)
        self.jails[jail] = sections

    def command(self, *args):
        self.commands.append(list(args))
        if args[0] == "status":
            if args[1] not in self.jails:
                raise f.Fail2banError(f.Fail2banError.UNKNOWN_JAIL, "fail2ban refused %r: UnknownJailException(%r)" % (list(args), args[1]))
            return self.jails[args[1]]
        if args[:1] == ("set",) and args[2] in ("banip", "unbanip"):
            banned = self.banned(args[1])
            if args[2] == "banip":
                banned += [ip for ip in args[3:] if ip not in banned]
            else:
                banned = [ip for ip in banned if ip not in args[3:]]
            self._set_banned(args[1], banned)
            return len(args) - 3
        raise AssertionError("unexpected command %r" % (args,))


@pytest.mark.parametrize("value, canonical", [
    ("198.51.100.7", "198.51.100.7"), (" 198.51.100.7 ", "198.51.100.7"), ("198.51.100.7/32", "198.51.100.7"),
    ("198.51.100.9/24", "198.51.100.0/24"), ("2001:DB8:0:0::7", "2001:db8::7"), ("2001:db8::1/64", "2001:db8::/64"),
    ("::ffff:192.0.2.1", "::ffff:c000:201"),
])
def test_targets_take_fail2bans_form(value, canonical):
    assert f.canonical_target(value) == canonical


def test_every_bad_entry_is_named_and_none_is_dropped():
    with pytest.raises(f.BanTargetError) as info:
        f.canonical_targets(["192.0.2.1", "my-office", "", None, "192.0.2.300", True, "10.0.0.0/33"])
    message = str(info.value)
    for index in (1, 2, 3, 4, 5, 6):
        assert "addresses[%d]" % index in message
    assert "addresses[0]" not in message


def test_duplicates_count_once_in_order():
    assert f.canonical_targets(["192.0.2.2", "192.0.2.1", "192.0.2.2/32"]) == ["192.0.2.2", "192.0.2.1"]


def test_plan_present_absent_exact():
    banned = ["192.0.2.10", "2001:db8::1", "10.0.0.2"]
    present = f.plan_bans(banned, ["192.0.2.10", "198.51.100.7"])
    assert present == {"ban": ["198.51.100.7"], "unban": [], "already": ["192.0.2.10"]}
    absent = f.plan_bans(banned, ["192.0.2.10", "198.51.100.7"], state="absent")
    assert absent == {"ban": [], "unban": ["192.0.2.10"], "already": ["198.51.100.7"]}
    exact = f.plan_bans(banned, ["192.0.2.10", "198.51.100.7"], exact=True)
    assert exact == {"ban": ["198.51.100.7"], "unban": ["10.0.0.2", "2001:db8::1"], "already": ["192.0.2.10"]}


def test_the_jails_own_forms_are_compared_canonically():
    # fail2ban may list an IPv6 ban uncompressed or a network with host bits: still the same target.
    plan = f.plan_bans(["2001:0db8:0000::0001", "198.51.100.0/24"], ["2001:db8::1", "198.51.100.0/24"])
    assert plan["ban"] == [] and plan["already"] == ["198.51.100.0/24", "2001:db8::1"]


@pytest.mark.parametrize("release", RELEASES)
def test_ban_sends_only_the_difference_and_a_second_run_sends_nothing(release):
    server = FakeFail2ban(release)
    before = server.banned("nginx-http-auth")
    targets = f.canonical_targets([before[0], "198.51.100.7", "2001:db8:77::/64"])
    plan = f.bans_via_socket("nginx-http-auth", targets, client_factory=server)
    assert plan["ban"] == ["198.51.100.7", "2001:db8:77::/64"]
    assert plan["already"] == [f.canonical_target(before[0])]
    assert ["set", "nginx-http-auth", "banip", "198.51.100.7", "2001:db8:77::/64"] in server.commands
    assert plan["method"] == "socket"
    server.commands = []
    again = f.bans_via_socket("nginx-http-auth", targets, client_factory=server)
    assert (again["ban"], again["unban"]) == ([], [])
    assert server.commands == [["status", "nginx-http-auth"]]


@pytest.mark.parametrize("release", RELEASES)
def test_check_mode_plans_and_sends_nothing(release):
    server = FakeFail2ban(release)
    before = list(server.banned("sshd"))
    plan = f.bans_via_socket("sshd", ["198.51.100.7"], exact=True, check_mode=True, client_factory=server)
    assert plan["ban"] == ["198.51.100.7"]
    assert plan["after"] == ["198.51.100.7"]
    assert server.banned("sshd") == before
    assert [command[0] for command in server.commands] == ["status"]


def test_ten_thousand_addresses_go_in_batches():
    server = FakeFail2ban("bookworm")
    targets = ["10.%d.%d.%d" % (a, b, c) for a in range(1, 3) for b in range(50) for c in range(100)]
    assert len(targets) == 10000
    plan = f.bans_via_socket("nginx-limit-req", targets, client_factory=server)
    bans = [command for command in server.commands if command[2:3] == ["banip"]]
    assert len(bans) == 10000 // f.BAN_BATCH
    assert all(len(command) - 3 <= f.BAN_BATCH for command in bans)
    assert len(plan["after"]) == 10000
    assert set(server.banned("nginx-limit-req")) == set(targets)


def test_an_unknown_jail_is_a_clear_failure():
    with pytest.raises(f.Fail2banError) as info:
        f.bans_via_socket("no-such-jail", ["192.0.2.1"], client_factory=FakeFail2ban("bookworm"))
    assert info.value.reason == f.Fail2banError.UNKNOWN_JAIL


def test_the_cli_path_sends_the_same_commands():
    calls = []
    status = (DATA_CLI_STATUS)

    def run_command(argv):
        calls.append(argv)
        if argv[1:] == ["status", "nginx-http-auth"]:
            return 0, status, ""
        return 0, "2\n", ""

    plan = f.bans_via_cli(run_command, "/usr/bin/fail2ban-client", "nginx-http-auth", ["198.51.100.7", "192.0.2.10"])
    assert plan["method"] == "cli"
    assert plan["ban"] == ["198.51.100.7"] and plan["already"] == ["192.0.2.10"]
    assert calls[-1] == ["/usr/bin/fail2ban-client", "set", "nginx-http-auth", "banip", "198.51.100.7"]


with open(os.path.join(DATA, "bookworm", "status_nginx-http-auth.txt")) as _handle:
    DATA_CLI_STATUS = _handle.read()
