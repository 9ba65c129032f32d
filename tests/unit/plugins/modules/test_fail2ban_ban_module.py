# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fail2ban_ban module in-process: its result, check mode, --diff and its failures, against the
fake fail2ban of test_fail2ban_ban.py (recorded fail2ban 1.0.2 status answers)."""
import functools
import json
import os
import sys

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban as f
from ansible_collections.fortress.nginx.plugins.modules import fail2ban_ban

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "module_utils"))
from test_fail2ban_ban import FakeFail2ban  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def server(monkeypatch):
    fake = FakeFail2ban("bookworm")
    monkeypatch.setattr(fail2ban_ban, "fail2ban_importable", lambda: True)
    monkeypatch.setattr(fail2ban_ban, "bans_via_socket", functools.partial(f.bans_via_socket, client_factory=fake))
    return fake


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            fail2ban_ban.main()
    return json.loads(capsys.readouterr().out)


def test_bans_what_is_missing_then_changes_nothing(server, capsys):
    args = {"jail": "sshd", "addresses": ["198.51.100.7", "2001:db8:7::/48"]}
    first = run_module(args, capsys)
    assert first["changed"] is True
    assert first["banned"] == ["198.51.100.7", "2001:db8:7::/48"]
    assert first["method"] == "socket"
    second = run_module(args, capsys)
    assert second["changed"] is False
    assert second["banned"] == [] and second["already"] == ["198.51.100.7", "2001:db8:7::/48"]


def test_check_mode_and_diff_show_the_change_and_send_nothing(server, capsys):
    before = list(server.banned("nginx-http-auth"))
    result = run_module({"jail": "nginx-http-auth", "addresses": ["198.51.100.7"], "exact": True,
                         "_ansible_check_mode": True, "_ansible_diff": True}, capsys)
    assert result["changed"] is True
    assert result["unbanned"] == sorted((f.canonical_target(ip) for ip in before), key=f.target_sort_key)
    assert result["diff"]["after"] == "198.51.100.7\n"
    assert all(ip in result["diff"]["before"] for ip in before)
    assert server.banned("nginx-http-auth") == before


def test_a_bad_address_fails_before_anything_is_sent(server, capsys):
    result = run_module({"jail": "sshd", "addresses": ["198.51.100.7", "office"]}, capsys)
    assert result["failed"] is True and result["reason"] == "bad_address"
    assert "addresses[1]" in result["msg"] and "nothing was sent" in result["msg"]
    assert server.commands == []


def test_an_unknown_jail_fails_with_its_reason(server, capsys):
    result = run_module({"jail": "nope", "addresses": ["198.51.100.7"]}, capsys)
    assert result["failed"] is True and result["reason"] == "unknown_jail"
