# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fail2ban_nginx role refuses jail names that fail2ban_status could not read back.

fail2ban lists its jails as one string joined with ", ", so a comma in a name is ambiguous.
The check is the role's own task (roles/fail2ban_nginx/tasks/validate.yml), evaluated here with
Ansible's own 'regex' test (fullmatch), so a change to either shows.
"""
import os

import pytest
import yaml

from ansible.plugins.test.core import regex

VALIDATE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "fail2ban_nginx", "tasks", "validate.yml")
NAME_CHECK_START = "item.name is string and item.name is regex('"
NAME_CHECK_END = "', match_type='fullmatch')"


def jail_check():
    with open(VALIDATE) as handle:
        tasks = yaml.safe_load(handle)
    return [task for task in tasks if task.get("name") == "Check every jail"][0]["ansible.builtin.assert"]


def jail_name_pattern():
    conditions = [condition for condition in jail_check()["that"] if condition.startswith(NAME_CHECK_START)]
    assert len(conditions) == 1, "validate.yml no longer checks jail names the way this test reads them"
    assert conditions[0].endswith(NAME_CHECK_END), conditions[0]
    return conditions[0][len(NAME_CHECK_START):-len(NAME_CHECK_END)]


def accepted(name):
    return regex(name, jail_name_pattern(), match_type="fullmatch")


@pytest.mark.parametrize("name", ["nginx,sshd", "a, b", ",sshd", "sshd,", "web admin", "sshd\n", "sshd\nufw"])
def test_jail_names_with_a_comma_space_or_newline_are_refused(name):
    assert not accepted(name)


@pytest.mark.parametrize("name", ["sshd", "nginx-http-auth", "shop.example-com", "web.admin-v2", "x_y.z"])
def test_the_names_the_role_ships_are_accepted(name):
    assert accepted(name)


def test_the_refusal_says_which_characters_a_name_may_have():
    message = " ".join(jail_check()["fail_msg"].split())
    assert "a name of letters, digits, '.', '_' or '-'" in message
    assert "{{ item.name | default('?') }}" in message
