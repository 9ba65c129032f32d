# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters both roles plan with: ufw_plan (ufw_baseline's one planning step) and management_connection."""

from __future__ import annotations

import importlib
import os

import pytest

from ansible.errors import AnsibleFilterError

FILTER_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'filter')


def _filter(name):
    module = importlib.import_module('ansible_collections.fortress.nginx.plugins.filter.' + name)
    assert list(module.FilterModule().filters()) == [name]
    assert 'name: %s' % name in module.DOCUMENTATION
    return module.FilterModule().filters()[name]


def test_one_public_filter_for_ufw():
    names = sorted(f for f in os.listdir(FILTER_DIR) if f.startswith('ufw_'))
    assert names == ['ufw_plan.py']


def test_both_roles_read_the_same_controller_address():
    # ufw_baseline (through ufw_plan) and fail2ban_nginx (management_connection) read SSH_CONNECTION
    # through one function: a ::ffff:-mapped IPv4 client is the IPv4 address for both.
    ssh = '::ffff:203.0.113.7 50022 ::ffff:198.51.100.2 22'
    plan = _filter('ufw_plan')({'allow_controller': True, 'ssh_enabled': True}, ssh)
    assert _filter('management_connection')(ssh)['address'] == plan['connection']['address'] == '203.0.113.7'
    assert plan['rules'][0]['from_ip'] == '203.0.113.7'


def test_plan_errors_are_data_and_bad_host_state_is_a_filter_error():
    assert _filter('ufw_plan')({'allow_in': [{'port': 'x'}]})['errors'][0].startswith('ufw_baseline_allow_in[0].port')
    with pytest.raises(AnsibleFilterError, match='ufw_plan'):
        _filter('ufw_plan')({}, '', ['/etc/ufw/user.rules:### tuple ### allow tcp'])
    with pytest.raises(AnsibleFilterError, match='ufw_plan'):
        _filter('ufw_plan')('not a dict')
