# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Access logs still fed by a trusted proxy once realip is in force (issue #10)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.fortress.nginx.plugins.plugin_utils._proxy_logs import proxy_fed_logs

COMBINED = '<ADDR> - [^"]*\\]'
VHOST = '[^\\s"]* <ADDR> - [^"]*\\]'
SINCE = datetime.datetime(2026, 11, 30, 10, 0, 0, tzinfo=datetime.timezone.utc).timestamp()


def line(address, minute, vhost=False, iso=False):
    when = ('2026-11-30T10:%02d:00+00:00' % minute) if iso else ('30/Nov/2026:10:%02d:00 +0000' % minute)
    text = '%s - - [%s] "GET / HTTP/1.1" 200 612 "-" "curl/8.0"' % (address, when)
    return ('example.org ' + text) if vhost else text


def probe(*logs, since=SINCE):
    out = ['since %d' % since]
    for path, lines in logs:
        out.append('log ' + path)
        out.extend('| ' + text for text in lines)
    return out


def test_a_log_whose_new_lines_all_come_from_the_proxy_is_named():
    lines = [line('192.0.2.10', 5)] * 30
    assert proxy_fed_logs(probe(('/var/log/nginx/access.log', lines)), ['192.0.2.0/24'], COMBINED) == [
        {'log': '/var/log/nginx/access.log', 'lines': 30, 'from_proxies': 30, 'proxies': ['192.0.2.10']}]


def test_lines_from_before_the_settings_do_not_count():
    old = [line('192.0.2.10', 0).replace('10:00:00', '09:59:00')] * 100
    new = [line('198.51.100.%d' % n, 5) for n in range(30)]
    assert proxy_fed_logs(probe(('/a.log', old + new)), ['192.0.2.10'], COMBINED) == []
    # before realip took effect, every line was the proxy's: nothing to judge yet
    assert proxy_fed_logs(probe(('/a.log', old)), ['192.0.2.10'], COMBINED) == []


@pytest.mark.parametrize('proxy_lines, client_lines, named', [
    (19, 0, False),    # too few lines to judge
    (20, 0, True),
    (27, 3, True),     # 90 %
    (26, 4, False),    # a load balancer's health checks among real visitors
])
def test_the_share_and_count_thresholds(proxy_lines, client_lines, named):
    lines = [line('2001:db8::10', 1)] * proxy_lines + [line('198.51.100.7', 2)] * client_lines
    assert bool(proxy_fed_logs(probe(('/a.log', lines)), ['2001:db8::/64'], COMBINED)) is named


def test_vhost_and_iso_formats_and_other_lines():
    lines = [line('192.0.2.10', 3, vhost=True, iso=True)] * 25
    noise = ['2026/11/30 10:05:00 [error] 1#1: *1 open() failed, client: 192.0.2.10, server: x', 'garbage', '']
    fed = proxy_fed_logs(probe(('/v.log', lines + noise)), ['192.0.2.10'], VHOST)
    assert fed == [{'log': '/v.log', 'lines': 25, 'from_proxies': 25, 'proxies': ['192.0.2.10']}]
    # the same lines read with the wrong format match nothing: nothing is judged
    assert proxy_fed_logs(probe(('/v.log', lines)), ['192.0.2.10'], COMBINED) == []


def test_an_address_the_client_writes_later_in_the_line_is_not_read():
    # The user agent and the request are the client's: only the format's address field counts.
    forged = '198.51.100.7 - - [30/Nov/2026:10:01:00 +0000] "GET /192.0.2.10 HTTP/1.1" 404 1 "-" "192.0.2.10 - -"'
    assert proxy_fed_logs(probe(('/a.log', [forged] * 30)), ['192.0.2.10'], COMBINED) == []


def test_no_settings_yet_means_nothing_to_check():
    assert proxy_fed_logs(['log /a.log'] + ['| ' + line('192.0.2.10', 1)] * 30, ['192.0.2.10'], COMBINED) == []


def test_a_proxy_that_is_no_network_is_an_error():
    with pytest.raises(ValueError):
        proxy_fed_logs(probe(('/a.log', [])), ['cdn.example.com'], COMBINED)


def test_the_filter_plugin_registers_it_and_turns_errors_into_filter_errors():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.fortress.nginx.plugins.filter import fail2ban_proxy_fed_logs as plugin

    fed = plugin.FilterModule().filters()['fail2ban_proxy_fed_logs']
    assert fed(probe(('/a.log', [line('192.0.2.10', 1)] * 20)), ['192.0.2.10'], COMBINED)[0]['from_proxies'] == 20
    with pytest.raises(AnsibleFilterError, match='fail2ban_proxy_fed_logs'):
        fed(probe(('/a.log', [])), ['not a network'], COMBINED)
