# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic behind the ufw_baseline role's filters (controller side, no Ansible imports).

A *rule spec* is what a user writes in ufw_baseline_allow_in/out: a dict with optional keys
port, proto, from, to, comment, interface, rule. A *module rule* is the dict of
community.general.ufw parameters the role passes to the module. A *tuple* is one
``### tuple ###`` line that ufw writes to /etc/ufw/user.rules and user6.rules.
"""

from __future__ import annotations

import binascii
import ipaddress
import re

RULE_KEYS = frozenset(('port', 'proto', 'from', 'to', 'comment', 'interface', 'rule'))
PROTOCOLS = ('tcp', 'udp', 'any')
RULE_ACTIONS = ('allow', 'limit')
# community.general.ufw puts the comment between single quotes in a command line that is split
# with shlex: quotes or backslashes would break it, so comments stay in this safe alphabet.
COMMENT_RE = re.compile(r"^[A-Za-z0-9 _.,:;/()@#+=%-]*$")
COMMENT_MAX = 200
INTERFACE_RE = re.compile(r'^[A-Za-z0-9_.-]{1,15}$')
PORT_RE = re.compile(r'^([0-9]{1,5})(?::([0-9]{1,5}))?$')
ANY_NETWORKS = ('0.0.0.0/0', '::/0')
# The fields of a parsed rule, in the order community.general.ufw builds its command.
RULE_FIELDS = ('rule', 'route', 'log', 'direction', 'interface', 'interface_in', 'interface_out', 'name',
               'proto', 'from_ip', 'from_port', 'to_ip', 'to_port', 'comment')


def _is_any(value):
    return value is None or str(value).strip().lower() in ('any',) + ANY_NETWORKS


def parse_network(value):
    """Return an ip_network for a 'CIDR or address' string, raising ValueError when it is not one."""
    text = str(value).strip()
    if not text or text != str(value):
        raise ValueError('not an address or network')
    return ipaddress.ip_network(text, strict=True)


def normalize_address(value):
    """'any' for any/0.0.0.0/0/::/0, a bare address for a host network, else the compressed CIDR."""
    if _is_any(value):
        return 'any'
    net = ipaddress.ip_network(str(value).strip(), strict=False)
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return net.compressed


def address_error(value):
    """Why ``value`` is not an address or CIDR network ufw accepts, or None when it is fine."""
    if isinstance(value, bool) or not isinstance(value, str):
        return '%r is not a string address or CIDR network' % (value,)
    if value == 'any':
        return None
    try:
        parse_network(value)
    except ValueError:
        try:
            loose = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return '%r is not an IP address or CIDR network (e.g. 192.168.0.0/16, 2001:db8::/32, any)' % (value,)
        return '%r has host bits set: did you mean %s?' % (value, loose.compressed)
    return None


def parse_port(value):
    """(low, high) for a port or range (int, 'N' or 'N:M'); raise ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError('a boolean is not a port')
    if isinstance(value, int):
        low = high = value
    else:
        match = PORT_RE.match(str(value))
        if not match:
            raise ValueError('not a port')
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if match.group(2) is not None and low >= high:
            raise ValueError('empty range')
    if not (1 <= low <= 65535 and 1 <= high <= 65535):
        raise ValueError('out of range')
    return low, high


def port_error(value):
    try:
        parse_port(value)
    except ValueError:
        return '%r is not a port (1-65535) or a range N:M with N < M' % (value,)
    return None


def address_list_errors(values, name, ipv6=True):
    """Messages for every entry of a list of addresses/networks that ufw would not take."""
    if not isinstance(values, (list, tuple)):
        return ['%s must be a list of addresses or CIDR networks, got %r' % (name, values)]
    errors = []
    for index, value in enumerate(values):
        if value == 'any':
            errors.append("%s[%d]: 'any' is not a restriction; leave the list empty to allow every source" % (name, index))
            continue
        error = address_error(value)
        if error:
            errors.append('%s[%d]: %s' % (name, index, error))
        elif not ipv6 and parse_network(value).version == 6:
            errors.append('%s[%d]: %r is IPv6 but IPv6 filtering is off (ufw_baseline_ipv6: false)' % (name, index, value))
    return errors


def rule_errors(rules, name, ipv6=True):
    """Messages for every problem in a list of rule specs; an empty list when all are fine."""
    if not isinstance(rules, (list, tuple)):
        return ['%s must be a list of rules (dicts), got %r' % (name, rules)]
    errors = []
    for index, rule in enumerate(rules):
        where = '%s[%d]' % (name, index)
        if not isinstance(rule, dict):
            errors.append('%s: a rule must be a dict with port/proto/from/to/comment, got %r' % (where, rule))
            continue
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            errors.append('%s: unknown key(s) %s (known: %s)' % (where, ', '.join(unknown), ', '.join(sorted(RULE_KEYS))))
        proto = rule.get('proto', 'tcp')
        if proto not in PROTOCOLS:
            errors.append('%s.proto: %r is not one of %s' % (where, proto, ', '.join(PROTOCOLS)))
        action = rule.get('rule', 'allow')
        if action not in RULE_ACTIONS:
            errors.append('%s.rule: %r is not one of %s' % (where, action, ', '.join(RULE_ACTIONS)))
        port = rule.get('port')
        if port is not None:
            error = port_error(port)
            if error:
                errors.append('%s.port: %s' % (where, error))
            elif ':' in str(port) and proto not in ('tcp', 'udp'):
                errors.append('%s.port: a port range (%s) needs proto tcp or udp' % (where, port))
        families = set()
        for key in ('from', 'to'):
            if key in rule:
                error = address_error(rule[key])
                if error:
                    errors.append('%s.%s: %s' % (where, key, error))
                elif rule[key] != 'any':
                    families.add(parse_network(rule[key]).version)
        if 6 in families and not ipv6:
            errors.append('%s: IPv6 address but IPv6 filtering is off (ufw_baseline_ipv6: false)' % where)
        if len(families) > 1:
            errors.append('%s: from and to mix IPv4 and IPv6' % where)
        if port is None and _is_any(rule.get('from')) and _is_any(rule.get('to')):
            errors.append('%s: a rule without port, from or to would allow all traffic; give at least one' % where)
        comment = rule.get('comment', '')
        if not isinstance(comment, str) or not COMMENT_RE.match(comment) or len(comment) > COMMENT_MAX:
            errors.append('%s.comment: %r must be text of at most %d characters without quotes or backslashes'
                          % (where, comment, COMMENT_MAX))
        interface = rule.get('interface')
        if interface is not None and (not isinstance(interface, str) or not INTERFACE_RE.match(interface)):
            errors.append('%s.interface: %r is not an interface name' % (where, interface))
    return errors


def _match_key(params):
    """A rule's key without its action: two managed rules with the same one would replace each other."""
    key = rule_key(params)
    return key[:1] + key[2:]


def build_module_rules(rules, direction, comment_prefix, exclude=()):
    """community.general.ufw parameters for rule specs (already validated) in one direction.

    Rules that match the same traffic as a rule in ``exclude`` (whatever the action) are left out:
    ufw keeps one rule per match, so both would replace each other on every run.
    """
    excluded = set(_match_key(rule) for rule in exclude)
    built = []
    for rule in rules:
        proto = rule.get('proto', 'tcp')
        port = rule.get('port')
        label = rule.get('comment') or '%s %s/%s' % (direction, port if port is not None else 'all', proto)
        item = {
            'rule': rule.get('rule', 'allow'),
            'direction': direction,
            'from_ip': rule.get('from', 'any'),
            'to_ip': rule.get('to', 'any'),
            'comment': '%s %s' % (comment_prefix, label) if comment_prefix else label,
        }
        if proto != 'any':
            item['proto'] = proto
        if port is not None:
            item['to_port'] = str(port)
        if rule.get('interface'):
            item['interface'] = rule['interface']
        if _match_key(item) not in excluded:
            built.append(item)
    return built


def management_connection(ssh_connection):
    """Parse SSH_CONNECTION ('client_ip client_port server_ip server_port') as the host sees it.

    Returns {'address', 'port', 'server_address'} or {} when the value is absent or unusable.
    """
    if not isinstance(ssh_connection, str):
        return {}
    fields = ssh_connection.split()
    if len(fields) != 4:
        return {}
    try:
        client = ipaddress.ip_address(fields[0].split('%')[0])
        server = ipaddress.ip_address(fields[2].split('%')[0])
        port = int(fields[3])
    except ValueError:
        return {}
    # An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; ufw sees it as IPv4.
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    if server.version == 6 and server.ipv4_mapped:
        server = server.ipv4_mapped
    if not 1 <= port <= 65535:
        return {}
    return {'address': str(client), 'port': port, 'server_address': str(server)}


def _network_contains(network, address):
    if _is_any(network):
        return True
    net = ipaddress.ip_network(str(network), strict=False)
    addr = ipaddress.ip_address(address)
    return addr.version == net.version and addr in net


def networks_contain(networks, address):
    """True when any network of the list contains the address."""
    return any(_network_contains(network, address) for network in networks)


def _source_covers(source, network):
    """True when a rule's source (any, an address or a network) holds every address of network."""
    if _is_any(source):
        return True
    outer = ipaddress.ip_network(str(source), strict=False)
    return outer.version == network.version and network.subnet_of(outer)


def refused_sources(sources, allow_rules, ports, incoming_policy='deny'):
    """Which sources the inbound allow-list refuses on some of ``ports`` (TCP).

    ``allow_rules`` are ufw_baseline_allow_in-style rules ({port, proto, from, interface}). A source
    is let in on a port when the incoming policy is allow, or when a rule without an interface
    covers the port over TCP from a network holding the whole source. Returns
    [{'source': as written, 'ports': [refused ports]}] for the sources refused on any port.
    """
    refused = []
    for source in sources:
        network = ipaddress.ip_network(str(source).strip(), strict=False)
        blocked = []
        for port in ports:
            if incoming_policy == 'allow':
                continue
            allowed = False
            for rule in allow_rules:
                if rule.get('interface') or rule.get('proto', 'tcp') not in ('tcp', 'any'):
                    continue
                if rule.get('port') not in (None, ''):
                    low, high = parse_port(rule['port'])
                    if not low <= int(port) <= high:
                        continue
                if _source_covers(rule.get('from', 'any'), network):
                    allowed = True
                    break
            if not allowed:
                blocked.append(int(port))
        if blocked:
            refused.append({'source': str(source), 'ports': blocked})
    return refused


def rule_permits(rule, connection):
    """True when an inbound module rule lets the TCP connection in (first-match semantics aside)."""
    if rule.get('rule') not in ('allow', 'limit') or rule.get('direction') != 'in':
        return False
    if rule.get('interface'):
        return False  # the role cannot tell which interface the connection uses: not a proof
    if rule.get('proto', 'any') not in ('tcp', 'any'):
        return False
    port = rule.get('to_port')
    if port is not None:
        low, high = parse_port(port)
        if not low <= connection['port'] <= high:
            return False
    return (_network_contains(rule.get('from_ip', 'any'), connection['address'])
            and _network_contains(rule.get('to_ip', 'any'), connection['server_address']))


def lockout_reason(rules_in, connection, incoming_policy, ipv6=True):
    """Why the inbound rules would cut the management connection, or '' when they keep it.

    With ``ipv6`` false, ufw drops every IPv6 packet (IPV6=no sets the ip6tables policies to DROP,
    whatever the incoming policy), so an IPv6 management connection is always cut.
    """
    if not connection:
        return ''
    if not ipv6 and ipaddress.ip_address(connection['address']).version == 6:
        return ('ufw_baseline refused to change anything: ufw_baseline_ipv6 is false, which makes ufw drop '
                'all IPv6 traffic (IPV6=no sets the ip6tables policies to DROP), and the management connection '
                'comes over IPv6 from %s to port %d/tcp, so enabling the firewall would lock you out. Keep '
                'ufw_baseline_ipv6: true (IPv6 is filtered by the same rules), or manage the host over IPv4.'
                % (connection['address'], connection['port']))
    if incoming_policy == 'allow':
        return ''
    if any(rule_permits(rule, connection) for rule in rules_in):
        return ''
    return ('ufw_baseline refused to change anything: with incoming policy %r no inbound rule allows the '
            'management connection from %s to port %d/tcp, so enabling the firewall would lock you out. '
            'Add %s to ufw_baseline_ssh_sources, set ufw_baseline_allow_controller: true, or make '
            'ufw_baseline_ssh_port match the port Ansible connects to.'
            % (incoming_policy, connection['address'], connection['port'], connection['address']))


def _decode_comment(field):
    try:
        return binascii.unhexlify(field).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return field


def parse_tuple(line):
    """One '### tuple ###' line as community.general.ufw parameters (plus 'comment'); None if not a tuple."""
    marker = '### tuple ###'
    if not line.startswith(marker):
        return None
    fields = line[len(marker):].split()
    comment = None
    if fields and fields[-1].startswith('comment='):
        comment = _decode_comment(fields.pop()[len('comment='):])
    if len(fields) == 7:
        action, proto, dport, dst, sport, src, where = fields
        dapp = sapp = '-'
    elif len(fields) == 9:
        action, proto, dport, dst, sport, src, dapp, sapp, where = fields
    else:
        raise ValueError('unexpected ufw tuple: %r' % line)
    params = {'route': False, 'log': False}
    if action.startswith('route:'):
        params['route'] = True
        action = action[len('route:'):]
    if '_' in action:
        action, log = action.split('_', 1)
        if log != 'log':
            raise ValueError("cannot express ufw '%s' rules with community.general.ufw: %r" % (log, line))
        params['log'] = True
    params['rule'] = action
    if sapp != '-':
        raise ValueError('cannot express a source-application ufw rule with community.general.ufw: %r' % line)
    if dapp != '-':
        params['name'] = dapp.replace('%20', ' ')
    elif proto != 'any':
        params['proto'] = proto
    if dapp == '-' and dport != 'any':
        params['to_port'] = dport
    if sport != 'any' and sapp == '-':
        params['from_port'] = sport
    params['from_ip'] = normalize_address(src)
    params['to_ip'] = normalize_address(dst)
    parts = where.split('!')
    if len(parts) == 2:
        params['interface_in'] = parts[0].split('_', 1)[1]
        params['interface_out'] = parts[1].split('_', 1)[1]
    else:
        direction, _sep, interface = parts[0].partition('_')
        params['direction'] = direction
        if interface:
            params['interface'] = interface
    params['comment'] = comment
    return params


def rule_key(params):
    """What identifies a rule for ufw (its comment aside)."""
    return (
        bool(params.get('route', False)),
        params.get('rule'),
        bool(params.get('log', False)),
        params.get('direction'),
        params.get('interface') or '',
        params.get('interface_in') or '',
        params.get('interface_out') or '',
        params.get('name') or '',
        params.get('proto') or 'any',
        normalize_address(params.get('from_ip', 'any')),
        str(params.get('from_port') or 'any'),
        normalize_address(params.get('to_ip', 'any')),
        str(params.get('to_port') or 'any'),
    )


def rules_to_purge(tuple_lines, desired_rules, keep_comment_prefixes=()):
    """Existing rules (from tuple lines) that are not desired, as parameters to delete them.

    Rules whose comment starts with one of keep_comment_prefixes stay (e.g. fail2ban's bans).
    A rule present for IPv4 and IPv6 ('any') is listed once: one delete removes both.
    """
    if isinstance(tuple_lines, str):
        tuple_lines = tuple_lines.splitlines()
    wanted = set(rule_key(rule) for rule in desired_rules)
    seen = set()
    purge = []
    for line in tuple_lines:
        params = parse_tuple(line.strip())
        if params is None:
            continue
        key = rule_key(params)
        if key in wanted or key in seen:
            continue
        comment = params.get('comment') or ''
        if any(comment.startswith(prefix) for prefix in keep_comment_prefixes):
            continue
        seen.add(key)
        purge.append(dict((field, params.get(field)) for field in RULE_FIELDS))
    return purge


def existing_rules(tuple_lines):
    """Every rule in the tuple lines, one dict with every field (None when absent), IPv4/IPv6 pairs once."""
    if isinstance(tuple_lines, str):
        tuple_lines = tuple_lines.splitlines()
    seen = set()
    rules = []
    for line in tuple_lines:
        params = parse_tuple(line.strip())
        if params is None:
            continue
        key = rule_key(params)
        if key in seen:
            continue
        seen.add(key)
        rules.append(dict((field, params.get(field)) for field in RULE_FIELDS))
    return rules


# What `ufw default`/`ufw logging` write to ufw's own files, for comparing them without calling ufw.
POLICY_WORDS = {'allow': 'ACCEPT', 'deny': 'DROP', 'reject': 'REJECT'}
POLICY_KEYS = {'incoming': 'DEFAULT_INPUT_POLICY', 'outgoing': 'DEFAULT_OUTPUT_POLICY',
               'routed': 'DEFAULT_FORWARD_POLICY'}
SETTING_KEYS = ('IPV6', 'LOGLEVEL') + tuple(POLICY_KEYS.values())


def _families(rule, ipv6):
    """The address families a module rule is stored in: both for 'any' (when IPv6 is on), else its own."""
    for key in ('from_ip', 'to_ip'):
        value = rule.get(key, 'any')
        if not _is_any(value):
            return {ipaddress.ip_network(str(value), strict=False).version}
    return {4, 6} if ipv6 else {4}


def read_host_state(lines):
    """Split ``grep -H`` output over ufw's rule and settings files into tuples per family and settings.

    Lines look like ``/etc/ufw/user6.rules:### tuple ### ...`` or ``/etc/default/ufw:IPV6=yes``.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    tuples = {4: [], 6: []}
    settings = {}
    for line in lines:
        path, sep, text = line.partition(':')
        if not sep:
            continue
        text = text.strip()
        if text.startswith('### tuple ###'):
            tuples[6 if path.endswith('user6.rules') else 4].append(text)
            continue
        key, sep, value = text.partition('=')
        if sep and key in SETTING_KEYS:
            settings[key] = value.strip().strip('"').strip("'")
    return tuples, settings


def plan(lines, managed_rules, ipv6=True, purge=False, keep_comment_prefixes=()):
    """What the role must change, from one read of ufw's files (see read_host_state).

    Returns ``existing`` (every stored rule), ``missing`` (managed rules not stored with the same
    match and comment in every family they belong to: the ones to add), ``purge`` (stored rules
    that are not managed, when ``purge``) and ``settings`` (IPV6, LOGLEVEL and the three
    policies as ufw's files hold them).
    """
    tuples, settings = read_host_state(lines)
    stored = {4: set(), 6: set()}
    for family, family_lines in tuples.items():
        for line in family_lines:
            params = parse_tuple(line)
            stored[family].add((rule_key(params), params.get('comment') or ''))
    missing = [rule for rule in managed_rules
               if any((rule_key(rule), rule.get('comment') or '') not in stored[family]
                      for family in _families(rule, ipv6))]
    all_lines = tuples[4] + tuples[6]
    return {
        'existing': existing_rules(all_lines),
        'missing': missing,
        'purge': rules_to_purge(all_lines, managed_rules, keep_comment_prefixes) if purge else [],
        'settings': settings,
    }


def settings_to_change(settings, policies, logging):
    """The policy directions and the logging level whose stored value differs from the wanted one."""
    changes = {'policies': [], 'logging': False}
    for direction, policy in policies.items():
        if settings.get(POLICY_KEYS[direction]) != POLICY_WORDS[policy]:
            changes['policies'].append({'direction': direction, 'policy': policy})
    level = 'low' if logging == 'on' else logging
    changes['logging'] = settings.get('LOGLEVEL') != level
    return changes
