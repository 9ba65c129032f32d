# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_* filter plugins: registered under their names, errors turned into AnsibleFilterError."""

from __future__ import annotations

import importlib

import pytest

from ansible.errors import AnsibleFilterError

NAMES = ['ufw_address_errors', 'ufw_lockout_reason', 'ufw_management_connection',
         'ufw_module_rules', 'ufw_plan', 'ufw_refused_sources', 'ufw_rule_errors']


def _filter(name):
    module = importlib.import_module('ansible_collections.fortress.nginx.plugins.filter.' + name)
    return module.FilterModule().filters()[name]


@pytest.mark.parametrize('name', NAMES)
def test_each_file_registers_its_filter_and_documents_it(name):
    module = importlib.import_module('ansible_collections.fortress.nginx.plugins.filter.' + name)
    assert list(module.FilterModule().filters()) == [name]
    assert 'name: %s' % name in module.DOCUMENTATION


def test_filters_end_to_end():
    connection = _filter('ufw_management_connection')('203.0.113.7 50022 198.51.100.2 22')
    rules = _filter('ufw_module_rules')([{'port': 22, 'from': '10.0.0.0/8'}], 'in', 'fortress:')
    assert 'lock you out' in _filter('ufw_lockout_reason')(rules, connection, 'deny')
    connection6 = _filter('ufw_management_connection')('2001:db8::7 50022 2001:db8::2 22')
    open_ssh = _filter('ufw_module_rules')([{'port': 22}], 'in', 'fortress:')
    assert _filter('ufw_lockout_reason')(open_ssh, connection6, 'deny') == ''
    assert 'ufw_baseline_ipv6' in _filter('ufw_lockout_reason')(open_ssh, connection6, 'deny', False)
    assert _filter('ufw_rule_errors')([{'port': 'x'}], 'ufw_baseline_allow_in')[0].startswith('ufw_baseline_allow_in[0].port')
    assert _filter('ufw_address_errors')(['10.0.0.0/8'], 's') == []


def test_unparseable_tuples_raise_a_filter_error():
    with pytest.raises(AnsibleFilterError, match='ufw_plan'):
        _filter('ufw_plan')(['/etc/ufw/user.rules:### tuple ### allow tcp'], [])
    with pytest.raises(AnsibleFilterError, match='ufw_plan'):
        _filter('ufw_plan')([], [], policies={'sideways': 'deny'})
