# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which jails notify (roles/fail2ban_nginx/defaults/main/notify.yml, fail2ban_nginx__notify_jail_names),
rendered by Ansible's own templar from the role's file: the shared jail, which a share run fills with
thousands of the fleet's bans at once, is left out unless named."""
import os

import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

NOTIFY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "fail2ban_nginx", "defaults", "main",
                      "notify.yml")
JAILS = ["sshd", "nginx-4xx", "nginx-probe", "fortress-shared"]


def notified(notify_jails, shared=True):
    with open(NOTIFY) as handle:
        expression = yaml.safe_load(handle)["fail2ban_nginx__notify_jail_names"]
    variables = {"fail2ban_nginx_notify_jails": notify_jails, "fail2ban_nginx_shared": shared,
                 "fail2ban_nginx_shared_jail": "fortress-shared",
                 "fail2ban_nginx__jails_resolved": {"jails": [{"name": name} for name in JAILS]}}
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


def test_by_default_every_jail_but_the_shared_one_notifies():
    assert notified([]) == ["sshd", "nginx-4xx", "nginx-probe"]


def test_named_jails_are_the_notified_ones():
    assert notified(["nginx-probe", "sshd"]) == ["nginx-probe", "sshd"]


def test_without_sharing_a_jail_of_that_name_is_an_ordinary_jail():
    assert notified([], shared=False) == JAILS


def notifiable(shared):
    """The names the role's check (tasks/validate.yml) accepts in fail2ban_nginx_notify_jails."""
    validate = os.path.join(os.path.dirname(NOTIFY), "..", "..", "tasks", "validate.yml")
    with open(validate) as handle:
        check = [task for task in yaml.safe_load(handle) if task.get("name") == "Check the notification settings"][0]
    variables = {"fail2ban_nginx__jails_effective": [{"name": name} for name in JAILS[:-1]],
                 "fail2ban_nginx_shared": shared, "fail2ban_nginx_shared_jail": "fortress-shared"}
    expression = check["vars"]["fail2ban_nginx__notifiable_jails"]
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


def test_the_check_accepts_the_shared_jail_by_name_only_when_sharing_is_on():
    assert notifiable(True) == JAILS
    assert notifiable(False) == JAILS[:-1]
