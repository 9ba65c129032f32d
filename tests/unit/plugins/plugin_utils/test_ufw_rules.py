# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_baseline decision logic: validation, rule building, the lockout guard, tuple parsing, purge."""

from __future__ import annotations

import pytest

from ansible_collections.fortress.nginx.plugins.plugin_utils import _ufw_rules as u
from ansible_collections.fortress.nginx.plugins.plugin_utils._management import management_connection

CONN = {'address': '203.0.113.7', 'port': 22, 'server_address': '198.51.100.2'}


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize('rule', [
    {'port': 80}, {'port': '443', 'proto': 'tcp'}, {'port': '8000:8100', 'proto': 'udp'},
    {'port': 53, 'proto': 'any'}, {'from': '10.0.0.0/8'}, {'to': '2001:db8::1', 'proto': 'any'},
    {'port': 22, 'from': '192.168.0.0/16', 'rule': 'limit', 'comment': 'ssh (lan): ok'},
    {'port': 25, 'interface': 'eth0'},
])
def test_good_rules_have_no_errors(rule):
    assert u.rule_errors([rule], 'v') == []


@pytest.mark.parametrize('rule,fragment', [
    ({'port': 0}, 'v[0].port'),
    ({'port': 65536}, 'v[0].port'),
    ({'port': 'http'}, 'v[0].port'),
    ({'port': True}, 'v[0].port'),
    ({'port': '9000:8000', 'proto': 'tcp'}, 'v[0].port'),
    ({'port': '80:80', 'proto': 'tcp'}, 'v[0].port'),
    ({'port': '6000:6010', 'proto': 'any'}, 'needs proto tcp or udp'),
    ({'port': 80, 'proto': 'sctp'}, 'v[0].proto'),
    ({'port': 80, 'rule': 'deny'}, 'v[0].rule'),
    ({'port': 80, 'from': '10.0.0.0/33'}, 'v[0].from'),
    ({'port': 80, 'from': '192.168.1.5/16'}, 'did you mean 192.168.0.0/16'),
    ({'port': 80, 'to': 'example.org'}, 'v[0].to'),
    ({'port': 80, 'from': '10.0.0.1', 'to': '2001:db8::1'}, 'mix IPv4 and IPv6'),
    ({'proto': 'udp'}, 'would allow all traffic'),
    ({'port': 80, 'comment': "it's"}, 'v[0].comment'),
    ({'port': 80, 'comment': 'x' * 201}, 'v[0].comment'),
    ({'port': 80, 'interface': 'eth0; reboot'}, 'v[0].interface'),
    ({'port': 80, 'protocol': 'tcp'}, 'unknown key(s) protocol'),
    ('80/tcp', 'must be a dict'),
])
def test_bad_rules_are_named(rule, fragment):
    errors = u.rule_errors([{'port': 443}, rule], 'v')
    assert errors, rule
    assert any(fragment.replace('v[0]', 'v[1]') in e for e in errors), errors


def test_rules_must_be_a_list():
    assert u.rule_errors({'port': 80}, 'v') == ["v must be a list of rules (dicts), got {'port': 80}"]


def test_ipv6_rule_refused_when_ipv6_is_off():
    assert 'IPv6 filtering is off' in u.rule_errors([{'from': '2001:db8::/32'}], 'v', ipv6=False)[0]
    assert u.rule_errors([{'from': '10.0.0.0/8'}], 'v', ipv6=False) == []


def test_address_list_errors():
    assert u.address_list_errors(['10.0.0.0/8', '2001:db8::/32', '192.0.2.1'], 's') == []
    errors = u.address_list_errors(['10.0.0.0/8', 'any', '300.1.1.1', '10.1.1.1/8', 5], 's')
    assert [e.split(':')[0] for e in errors] == ['s[1]', 's[2]', 's[3]', 's[4]']
    assert u.address_list_errors(['2001:db8::/32'], 's', ipv6=False)[0].startswith('s[0]')
    assert u.address_list_errors('10.0.0.0/8', 's')[0].startswith('s must be a list')


@pytest.mark.parametrize('value,expected', [(22, (22, 22)), ('22', (22, 22)), ('1:65535', (1, 65535))])
def test_parse_port(value, expected):
    assert u.parse_port(value) == expected


# --- building module parameters ---------------------------------------------------------------

def test_build_module_rules_defaults_and_prefix():
    built = u.build_module_rules([{'port': 80, 'comment': 'http'}, {'port': 53, 'proto': 'any'}, {'from': '10.0.0.0/8'}],
                                 'in', 'fortress:')
    assert built == [
        {'rule': 'allow', 'direction': 'in', 'from_ip': 'any', 'to_ip': 'any', 'comment': 'fortress: http',
         'proto': 'tcp', 'to_port': '80'},
        {'rule': 'allow', 'direction': 'in', 'from_ip': 'any', 'to_ip': 'any', 'comment': 'fortress: in 53/any', 'to_port': '53'},
        {'rule': 'allow', 'direction': 'in', 'from_ip': '10.0.0.0/8', 'to_ip': 'any', 'comment': 'fortress: in all/tcp',
         'proto': 'tcp'},
    ]


def test_build_module_rules_drops_rules_that_would_replace_an_excluded_one():
    controller = u.build_module_rules([{'port': 22, 'from': '203.0.113.7'}], 'in', '')
    ssh = u.build_module_rules([{'port': 22, 'from': '203.0.113.7/32', 'rule': 'limit'}, {'port': 22, 'rule': 'limit'}],
                               'in', '', controller)
    assert [r['from_ip'] for r in ssh] == ['any']


# --- management connection and the lockout guard -----------------------------------------------

@pytest.mark.parametrize('value,expected', [
    ('203.0.113.7 50022 198.51.100.2 22', CONN),
    ('::ffff:203.0.113.7 50022 ::ffff:198.51.100.2 22', CONN),
    ('2001:db8::7 50022 2001:db8::2 2222', {'address': '2001:db8::7', 'port': 2222, 'server_address': '2001:db8::2'}),
    ('fe80::7%eth0 50022 fe80::2%eth0 22', {'address': 'fe80::7', 'port': 22, 'server_address': 'fe80::2'}),
    ('', {}), (None, {}), ('garbage', {}), ('1.2.3.4 5 6.7.8.9 0', {}), ('1.2.3.4 5 6.7.8.9 ssh', {}),
])
def test_management_connection(value, expected):
    assert management_connection(value) == expected


def _in(**kwargs):
    rule = {'rule': 'allow', 'direction': 'in', 'from_ip': 'any', 'to_ip': 'any', 'proto': 'tcp'}
    rule.update(kwargs)
    return rule


@pytest.mark.parametrize('rules', [
    [_in(to_port='22')],
    [_in(to_port='22', rule='limit')],
    [_in(to_port='22', from_ip='203.0.113.0/24')],
    [_in(to_port='20:30', from_ip='203.0.113.7')],
    [_in(from_ip='203.0.113.7')],
    [_in(to_port='22', to_ip='198.51.100.2')],
    [{'rule': 'allow', 'direction': 'in', 'from_ip': 'any', 'to_ip': 'any', 'to_port': '22'}],  # proto any
])
def test_rules_that_keep_the_connection(rules):
    assert u.lockout_reason([_in(to_port='80')] + rules, CONN, 'deny') == ''


@pytest.mark.parametrize('rules', [
    [],
    [_in(to_port='2222')],
    [_in(to_port='22', from_ip='10.0.0.0/8')],
    [_in(to_port='22', proto='udp')],
    [_in(to_port='22', interface='eth1')],
    [_in(to_port='22', to_ip='198.51.100.3')],
    [_in(to_port='22', from_ip='2001:db8::/32')],
    [_in(to_port='22', direction='out')],
])
def test_rules_that_cut_the_connection(rules):
    reason = u.lockout_reason(rules, CONN, 'deny')
    assert '203.0.113.7' in reason and 'port 22/tcp' in reason and 'ufw_baseline_ssh_sources' in reason


def test_nothing_to_protect_without_a_connection_or_with_allow_policy():
    assert u.lockout_reason([], {}, 'deny') == ''
    assert u.lockout_reason([], CONN, 'allow') == ''
    assert u.lockout_reason([], CONN, 'reject') != ''


CONN6 = {'address': '2001:db8::7', 'port': 22, 'server_address': '2001:db8::2'}


@pytest.mark.parametrize('policy', ['deny', 'reject', 'allow'])
def test_an_ipv6_connection_with_ipv6_off_is_refused_whatever_the_rules(policy):
    # IPV6=no makes ufw set the ip6tables policies to DROP: no rule and no policy lets it in.
    rules = [_in(to_port='22'), _in(from_ip='2001:db8::7', to_port='22')]
    reason = u.lockout_reason(rules, CONN6, policy, False)
    assert 'ufw_baseline_ipv6' in reason and '2001:db8::7' in reason and 'port 22/tcp' in reason
    assert 'drop' in reason and 'lock you out' in reason


def test_ipv6_off_keeps_an_ipv4_connection_and_ipv6_on_keeps_an_ipv6_one():
    assert u.lockout_reason([_in(to_port='22')], CONN, 'deny', False) == ''
    assert u.lockout_reason([_in(to_port='22')], CONN6, 'deny', True) == ''
    assert u.lockout_reason([_in(to_port='22')], CONN6, 'deny') == ''  # ipv6 defaults to on
    assert u.lockout_reason([], {}, 'deny', False) == ''


# --- tuples and purge ---------------------------------------------------------------------------

TUPLES = """
### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=666f7274726573733a20737368
### tuple ### allow tcp 22 0.0.0.0/0 any 203.0.113.7 in comment=666f7274726573733a20616e7369626c6520636f6e74726f6c6c6572
### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### allow tcp 8081 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### allow udp 53 0.0.0.0/0 any 0.0.0.0/0 out
### tuple ### allow tcp 9000:9100 10.1.2.0/24 any 0.0.0.0/0 out_eth0
### tuple ### allow_log tcp 8443 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### route:allow any any 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1
### tuple ### reject any any 0.0.0.0/0 any 192.0.2.66 in comment=6279204661696c3242616e206166746572203320617474656d70747320616761696e7374206e67696e782d347878
### tuple ### allow any 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in
### tuple ### limit tcp 22 ::/0 any ::/0 in comment=666f7274726573733a20737368
### tuple ### allow tcp 80 ::/0 any ::/0 in
### tuple ### allow tcp 22 ::/0 any 2001:db8::/32 in comment=7636206f6e6c79
"""


def test_parse_tuple_fields():
    rules = u.existing_rules(TUPLES)
    assert rules[0] == dict.fromkeys(u.RULE_FIELDS) | {
        'rule': 'limit', 'route': False, 'log': False, 'direction': 'in', 'proto': 'tcp', 'from_ip': 'any',
        'to_ip': 'any', 'to_port': '22', 'comment': 'fortress: ssh'}
    by_port = {(r['to_port'], r['direction']): r for r in rules}
    assert by_port[('9000:9100', 'out')]['to_ip'] == '10.1.2.0/24'
    assert by_port[('9000:9100', 'out')]['interface'] == 'eth0'
    assert by_port[('8443', 'in')]['log'] is True
    route = [r for r in rules if r['route']][0]
    assert (route['interface_in'], route['interface_out'], route['direction']) == ('eth0', 'eth1', None)
    app = [r for r in rules if r['name']][0]
    assert app['name'] == 'OpenSSH' and app['proto'] is None and app['to_port'] is None
    # 'any' rules stored for IPv4 and IPv6 come back once; the IPv6-only rule stays.
    assert len([r for r in rules if r['to_port'] == '22' and r['rule'] == 'limit']) == 1
    assert any(r['from_ip'] == '2001:db8::/32' and r['comment'] == 'v6 only' for r in rules)


def test_parse_tuple_refuses_what_the_module_cannot_delete():
    with pytest.raises(ValueError):
        u.parse_tuple('### tuple ### allow_log-all tcp 80 0.0.0.0/0 any 0.0.0.0/0 in')
    with pytest.raises(ValueError):
        u.parse_tuple('### tuple ### allow tcp 80')
    assert u.parse_tuple('# not a tuple') is None


def test_rules_to_purge_keeps_desired_and_kept_rules():
    desired = u.build_module_rules([{'port': 22, 'rule': 'limit', 'comment': 'ssh'}, {'port': 80}], 'in', 'fortress:')
    desired += u.build_module_rules([{'port': 22, 'from': '203.0.113.7'}], 'in', 'fortress:')
    desired += u.build_module_rules([{'port': 53, 'proto': 'udp'}], 'out', 'fortress:')
    purge = u.rules_to_purge(TUPLES, desired, ['by Fail2Ban'])
    labels = sorted('%s %s %s %s' % (r['rule'], r['direction'], r['to_port'], r['from_ip']) for r in purge)
    assert labels == [
        'allow None None any',       # the route rule
        'allow in 22 2001:db8::/32',
        'allow in 8081 any',
        'allow in 8443 any',         # logged: not the same rule as a desired one
        'allow in None any',         # the OpenSSH app rule
        'allow out 9000:9100 any',
    ]
    # Without the kept prefix, the fail2ban-style reject would go as well.
    assert len(u.rules_to_purge(TUPLES, desired)) == len(purge) + 1


def test_a_desired_host_address_matches_its_stored_form():
    desired = u.build_module_rules([{'port': 22, 'from': '203.0.113.7/32'}], 'in', '')
    lines = ['### tuple ### allow tcp 22 0.0.0.0/0 any 203.0.113.7 in']
    assert u.rules_to_purge(lines, desired) == []


# What `grep -H` prints over ufw's files on a host the role has converged (IPv6 on).
HOST_STATE = [
    '/etc/ufw/user.rules:### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=666f7274726573733a20737368',
    '/etc/ufw/user.rules:### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in comment=666f7274726573733a2068747470',
    '/etc/ufw/user.rules:### tuple ### allow tcp 22 0.0.0.0/0 any 192.0.2.10 in comment=666f7274726573733a20616e7369626c6520636f6e74726f6c6c6572',
    '/etc/ufw/user.rules:### tuple ### reject any any 0.0.0.0/0 any 192.0.2.66 in comment=6279204661696c3242616e',
    '/etc/ufw/user6.rules:### tuple ### limit tcp 22 ::/0 any ::/0 in comment=666f7274726573733a20737368',
    '/etc/default/ufw:IPV6=yes',
    '/etc/default/ufw:DEFAULT_INPUT_POLICY="DROP"',
    '/etc/default/ufw:DEFAULT_OUTPUT_POLICY="ACCEPT"',
    '/etc/default/ufw:DEFAULT_FORWARD_POLICY="DROP"',
    '/etc/ufw/ufw.conf:LOGLEVEL=low',
]


def _managed():
    return (u.build_module_rules([{'port': 22, 'from': '192.0.2.10', 'comment': 'ansible controller'}], 'in', 'fortress:')
            + u.build_module_rules([{'port': 22, 'rule': 'limit', 'comment': 'ssh'}, {'port': 80, 'comment': 'http'}],
                                   'in', 'fortress:'))


def test_plan_adds_only_what_a_family_lacks():
    result = u.plan(HOST_STATE, _managed(), ipv6=True)
    # ssh is stored for both families, the controller rule for its own; http lacks its IPv6 copy.
    assert [rule['comment'] for rule in result['missing']] == ['fortress: http']
    # With IPv6 off, an IPv4 copy is enough.
    assert u.plan(HOST_STATE, _managed(), ipv6=False)['missing'] == []
    assert result['purge'] == []


def test_plan_sees_a_changed_comment_as_missing():
    managed = u.build_module_rules([{'port': 22, 'rule': 'limit', 'comment': 'ssh (office)'}], 'in', 'fortress:')
    assert u.plan(HOST_STATE, managed)['missing'] == managed


def test_plan_purges_unmanaged_rules_but_keeps_fail2ban_bans():
    purge = u.plan(HOST_STATE, _managed()[:2], purge=True, keep_comment_prefixes=['by Fail2Ban'])['purge']
    assert [(rule['to_port'], rule['from_ip']) for rule in purge] == [('80', 'any')]


def test_plan_reads_settings_and_names_their_changes():
    settings = u.plan(HOST_STATE, [])['settings']
    assert settings == {'IPV6': 'yes', 'DEFAULT_INPUT_POLICY': 'DROP', 'DEFAULT_OUTPUT_POLICY': 'ACCEPT',
                        'DEFAULT_FORWARD_POLICY': 'DROP', 'LOGLEVEL': 'low'}
    changes = u.settings_to_change(settings, {'incoming': 'deny', 'outgoing': 'deny', 'routed': 'deny'}, 'on')
    assert changes == {'policies': [{'direction': 'outgoing', 'policy': 'deny'}], 'logging': False}
    assert u.settings_to_change(settings, {}, 'high')['logging'] is True
    # A host with no ufw files yet: everything differs.
    assert len(u.settings_to_change({}, {'incoming': 'reject'}, 'low')['policies']) == 1


# The ban rules of fortress.nginx's ufw action (action.d/ufw.local), as ufw 0.36 (Debian 11, with
# fail2ban 0.11) and ufw 0.36.2 (Debian 13, fail2ban 1.1) stored them: port-scoped web bans for
# IPv4 and IPv6 and an all-ports ban, each with fail2ban's comment on every release.
BAN_TUPLES = """
### tuple ### reject any any 0.0.0.0/0 any 198.51.100.8 in comment=6279204661696c3242616e206166746572203520617474656d70747320616761696e737420756677
### tuple ### reject tcp 80,443 0.0.0.0/0 any 198.51.100.7 in comment=6279204661696c3242616e206166746572203520617474656d70747320616761696e737420776562
### tuple ### reject tcp 80,443 ::/0 any 2001:db8::7 in comment=6279204661696c3242616e206166746572203520617474656d70747320616761696e737420776562
### tuple ### reject tcp 80,443 0.0.0.0/0 any 198.51.100.9 in
"""


def test_purge_keeps_the_port_scoped_and_all_ports_bans_of_the_ufw_action():
    rules = u.existing_rules(BAN_TUPLES)
    web = [r for r in rules if r['from_ip'] == '198.51.100.7'][0]
    assert (web['rule'], web['proto'], web['to_port'], web['comment']) == (
        'reject', 'tcp', '80,443', 'by Fail2Ban after 5 attempts against web')
    purge = u.rules_to_purge(BAN_TUPLES, [], ['by Fail2Ban'])
    # Only the rule without fail2ban's comment goes (a hand-made rule looks like that).
    assert [(r['from_ip'], r['to_port']) for r in purge] == [('198.51.100.9', '80,443')]


# --- protected sources against the allow-list ------------------------------------------------

WEB_RULES = [{'port': 80, 'proto': 'tcp'}, {'port': 443, 'proto': 'tcp', 'from': '192.0.2.0/24'}]


@pytest.mark.parametrize('source, rules, policy, refused', [
    # open to all on 80, only 192.0.2.0/24 on 443
    ('192.0.2.10', WEB_RULES, 'deny', []),
    ('192.0.2.0/25', WEB_RULES, 'deny', []),
    ('192.0.2.0/23', WEB_RULES, 'deny', [443]),  # only half of it may reach 443
    ('198.51.100.7', WEB_RULES, 'deny', [443]),
    ('2001:db8::1', WEB_RULES, 'deny', [443]),   # an IPv4 rule never holds an IPv6 source
    ('198.51.100.7', WEB_RULES, 'allow', []),
    ('198.51.100.7', [], 'reject', [80, 443]),
    ('198.51.100.7', [{'port': '1:1024', 'proto': 'any'}], 'deny', []),
    ('198.51.100.7', [{'proto': 'tcp', 'from': '198.51.100.0/24'}], 'deny', []),
    ('198.51.100.7', [{'port': 80, 'proto': 'udp'}, {'port': 443, 'interface': 'eth0'}], 'deny', [80, 443]),
])
def test_refused_sources(source, rules, policy, refused):
    expected = [{'source': source, 'ports': refused}] if refused else []
    assert u.refused_sources([source], u.build_module_rules(rules, 'in', ''), [80, 443], policy) == expected


def test_refused_sources_rejects_a_source_that_is_no_network():
    with pytest.raises(ValueError):
        u.refused_sources(['example.org'], u.build_module_rules(WEB_RULES, 'in', ''), [80])


# --- the role's planning step (fortress.nginx.ufw_plan) -------------------------------------------

SETTINGS = {
    'allow_in': [{'port': 80, 'comment': 'http'}], 'allow_in_extra': [], 'allow_out': [{'port': 53, 'proto': 'udp', 'comment': 'dns'}],
    'allow_out_extra': [], 'allow_out_smtp': False, 'ssh_enabled': True, 'ssh_port': 22, 'ssh_limit': True,
    'ssh_sources': [], 'allow_controller': True, 'comment_prefix': 'fortress:', 'ipv6': True,
    'policy_incoming': 'deny', 'policy_outgoing': 'deny', 'policy_routed': 'deny', 'logging': 'low',
    'purge': False, 'purge_keep_comment_prefixes': ['by Fail2Ban'], 'docker': False,
    'docker_internal_interfaces': ['docker0', 'br-+'],
}
SSH = '203.0.113.7 50022 198.51.100.2 22'


def _settings(**changes):
    return dict(SETTINGS, **changes)


@pytest.mark.parametrize('changes, fragment', [
    ({'allow_in': [{'port': 70000}]}, 'ufw_baseline_allow_in[0].port'),
    ({'allow_out_extra': [{'proto': 'udp'}]}, 'ufw_baseline_allow_out_extra[0]: a rule without port'),
    ({'ssh_sources': ['192.168.1.5/16']}, 'ufw_baseline_ssh_sources[0]'),
    ({'ssh_port': 0}, 'ufw_baseline_ssh_port: 0 is not a port'),
    ({'ssh_port': '22; rm'}, 'ufw_baseline_ssh_port'),
    ({'comment_prefix': 'x' * 41}, 'ufw_baseline_comment_prefix'),
    ({'comment_prefix': "it's"}, 'ufw_baseline_comment_prefix'),
    # One limit for what ufw stores: prefix, a space and the comment at most 200 characters.
    ({'allow_in': [{'port': 80, 'comment': 'x' * 191}]}, 'ufw_baseline_allow_in[0].comment'),
    ({'docker': True, 'docker_internal_interfaces': ['docker0', 'br;x']}, 'ufw_baseline_docker_internal_interfaces: br;x'),
])
def test_plan_names_every_bad_setting_and_plans_nothing(changes, fragment):
    result = u.plan_role(_settings(**changes), SSH, ['/etc/default/ufw:IPV6=yes'])
    assert any(fragment in error for error in result['errors']), result['errors']
    assert (result['rules'], result['add'], result['delete'], result['lockout']) == ([], [], [], '')


def test_plan_comment_limit_counts_the_prefix():
    assert u.plan_role(_settings(allow_in=[{'port': 80, 'comment': 'x' * 200}], comment_prefix=''))['errors'] == []
    assert u.plan_role(_settings(allow_in=[{'port': 80, 'comment': 'x' * 190}]))['errors'] == []  # 'fortress: ' + 190
    assert u.plan_role(_settings(docker_internal_interfaces=['br;x']))['errors'] == []  # Docker mode off


def test_plan_rules_controller_first_and_lockout():
    result = u.plan_role(SETTINGS, '::ffff:203.0.113.7 50022 ::ffff:198.51.100.2 22')
    assert result['errors'] == [] and result['lockout'] == ''
    assert result['connection'] == CONN
    assert [(r['comment'], r['rule'], r['from_ip'], r.get('to_port')) for r in result['rules']] == [
        ('fortress: ansible controller', 'allow', '203.0.113.7', '22'),
        ('fortress: ssh', 'limit', 'any', '22'),
        ('fortress: http', 'allow', 'any', '80'),
        ('fortress: dns', 'allow', 'any', '53'),
    ]
    # Without the controller's rule, SSH from elsewhere only cuts the connection.
    cut = u.plan_role(_settings(allow_controller=False, ssh_sources=['10.0.0.0/8']), SSH)
    assert '203.0.113.7' in cut['lockout'] and 'lock you out' in cut['lockout']
    assert u.plan_role(_settings(allow_controller=False, ssh_sources=['10.0.0.0/8']), '')['lockout'] == ''
    # An IPv6 controller while IPv6 filtering is off: no controller rule, and a lockout.
    v6 = u.plan_role(_settings(ipv6=False), '2001:db8::7 50022 2001:db8::2 22')
    assert 'ufw_baseline_ipv6 is false' in v6['lockout']
    assert all(r['comment'] != 'fortress: ansible controller' for r in v6['rules'])


def hexed(text):
    return text.encode().hex()


def test_plan_from_stored_rules_adds_missing_and_deletes_open_ssh():
    stored = [
        '/etc/ufw/user.rules:### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=' + hexed('old ssh'),
        '/etc/ufw/user.rules:### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in comment=' + hexed('fortress: http'),
        '/etc/ufw/user6.rules:### tuple ### allow tcp 80 ::/0 any ::/0 in comment=' + hexed('fortress: http'),
        '/etc/ufw/user.rules:### tuple ### allow tcp 8081 0.0.0.0/0 any 0.0.0.0/0 in',
        '/etc/default/ufw:DEFAULT_INPUT_POLICY="DROP"',
        '/etc/ufw/ufw.conf:LOGLEVEL=low',
    ]
    result = u.plan_role(_settings(ssh_sources=['10.0.0.0/8']), SSH, stored)
    assert [r['comment'] for r in result['add_first']] == ['fortress: ansible controller']
    assert [r['comment'] for r in result['add']] == ['fortress: ssh', 'fortress: dns']
    # The open SSH rule goes once SSH is restricted; the operator's 8081 stays without purge.
    assert [(r['to_port'], r['comment']) for r in result['delete']] == [('22', 'old ssh')]
    assert result['changes'] == {'policies': [{'direction': 'outgoing', 'policy': 'deny'},
                                              {'direction': 'routed', 'policy': 'deny'}], 'logging': False}
    purged = u.plan_role(_settings(purge=True), SSH, stored)
    assert sorted(r['to_port'] for r in purged['delete']) == ['22', '8081']


def test_plan_docker_rules_and_refused_sources():
    result = u.plan_role(_settings(check_sources=['192.0.2.10', '198.51.100.0/24'], check_ports=[80, 443]))
    assert result['refused_sources'] == [{'source': '192.0.2.10', 'ports': [443]},
                                         {'source': '198.51.100.0/24', 'ports': [443]}]
    for name in ('after.rules', 'after6.rules'):
        block = result['docker_rules'][name]
        assert block[0] == '*filter' and block[-1] == 'COMMIT'
        assert any('--ctorigdstport 80' in line for line in block)
    # Only what the caller gives counts: fail2ban_nginx passes the allow-list and the policy alone.
    only = u.plan_role({'allow_in': [{'port': 443}], 'check_sources': ['192.0.2.10'], 'check_ports': [80, 443]})
    assert only['refused_sources'] == [{'source': '192.0.2.10', 'ports': [80]}]


def test_plan_refuses_settings_that_are_not_a_dict():
    with pytest.raises(TypeError):
        u.plan_role(['allow_in'])
