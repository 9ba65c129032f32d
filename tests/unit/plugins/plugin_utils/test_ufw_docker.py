# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ufw_baseline's Docker mode: the DOCKER-USER block built from the allow-list."""

from __future__ import annotations

import pytest

from ansible_collections.fortress.nginx.plugins.plugin_utils import _ufw_docker as d
from ansible_collections.fortress.nginx.plugins.plugin_utils._ufw_rules import build_module_rules


def rules(*specs):
    return build_module_rules(list(specs), 'in', 'fortress:')


def test_block_shape_and_order():
    lines = d.docker_user_lines(rules({'port': 80, 'comment': 'http'}), 4, 'deny', ['docker0', 'br-+'])
    assert lines == [
        '*filter',
        ':DOCKER-USER - [0:0]',
        '-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
        '-A DOCKER-USER -m conntrack ! --ctstate DNAT -j RETURN',
        '-A DOCKER-USER -i docker0 -j RETURN',
        '-A DOCKER-USER -i br-+ -j RETURN',
        '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 80 --ctdir ORIGINAL'
        ' -m comment --comment "fortress: http" -j RETURN',
        '-A DOCKER-USER -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW DOCKER BLOCK] "',
        '-A DOCKER-USER -j DROP',
        'COMMIT',
    ]


def test_the_published_port_is_matched_not_the_container_port():
    # After DNAT the packet's own --dport is the container's port: matching it would let
    # "-p 8081:80" through because 80 is allowed. Only the conntrack original port is used.
    line = d.allow_rule_lines(rules({'port': 80})[0], 4)[0]
    assert '--ctorigdstport 80' in line
    assert '--dport' not in line


def test_any_protocol_gives_tcp_and_udp_and_ranges_pass_through():
    lines = d.allow_rule_lines(rules({'port': '8000:8100', 'proto': 'any'})[0], 4)
    assert len(lines) == 2
    assert '-p tcp' in lines[0] and '-p udp' in lines[1]
    assert all('--ctorigdstport 8000:8100' in line for line in lines)


def test_sources_destinations_and_interfaces():
    rule = rules({'port': 443, 'from': '10.0.0.0/8', 'to': '192.0.2.10', 'interface': 'eth0'})[0]
    line = d.allow_rule_lines(rule, 4)[0]
    assert line.startswith('-A DOCKER-USER -i eth0 -s 10.0.0.0/8 -p tcp -m conntrack --ctorigdst 192.0.2.10 ')
    assert '--ctorigdstport 443' in line


def test_a_rule_without_port_allows_every_port_from_its_source():
    assert d.allow_rule_lines(rules({'from': '198.51.100.0/24', 'proto': 'any', 'comment': 'office'})[0], 4) == [
        '-A DOCKER-USER -s 198.51.100.0/24 -m comment --comment "fortress: office" -j RETURN']


@pytest.mark.parametrize('spec,family,kept', [
    ({'port': 80, 'from': '2001:db8::/32'}, 4, False),
    ({'port': 80, 'from': '2001:db8::/32'}, 6, True),
    ({'port': 80, 'to': '192.0.2.1'}, 6, False),
    ({'port': 80}, 6, True),
])
def test_rules_of_the_other_family_are_left_out(spec, family, kept):
    assert bool(d.allow_rule_lines(rules(spec)[0], family)) is kept


def test_limit_rules_allow_in_docker_user():
    lines = d.allow_rule_lines(rules({'port': 22, 'rule': 'limit'})[0], 4)
    assert lines and lines[0].endswith('-j RETURN')


@pytest.mark.parametrize('policy,tail', [
    ('deny', ['-A DOCKER-USER -j DROP']),
    ('reject', ['-A DOCKER-USER -p tcp -j REJECT --reject-with tcp-reset', '-A DOCKER-USER -j REJECT']),
    ('allow', ['-A DOCKER-USER -j RETURN']),
])
def test_policy_decides_the_end_of_the_chain(policy, tail):
    lines = d.docker_user_lines([], 4, policy, log=False)
    assert lines[-1] == 'COMMIT'
    assert lines[-1 - len(tail):-1] == tail
    assert not any('LOG' in line for line in lines)


def test_no_other_chain_is_declared_or_flushed():
    lines = d.docker_user_lines(rules({'port': 80}, {'port': 443}), 6, 'reject', ['docker0'])
    declared = [line for line in lines if line.startswith(':')]
    assert declared == [':DOCKER-USER - [0:0]']
    assert all(line.startswith(('-A DOCKER-USER ', '*filter', ':DOCKER-USER', 'COMMIT')) for line in lines)
    assert not any(' -F' in line or ' -X' in line for line in lines)


@pytest.mark.parametrize('family,policy', [(5, 'deny'), (4, 'accept')])
def test_bad_arguments(family, policy):
    with pytest.raises(ValueError):
        d.docker_user_lines([], family, policy)
